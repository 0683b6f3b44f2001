/// The FHIRPath-like places of the elements a Bundle's mapping touched (`Bundle.entry[3].resource.status`), kept
/// as a tree of parts so that a place costs one append (a member's key shares the parsed key's storage), and the
/// string is built only for a message.
///
/// A node's ``SourceLocation`` is its place plus one (``SourceLocation/none`` is zero).
struct FHIRPathTable: Sendable {
    private enum Part: Sendable {
        case key(String)
        case index(Int)
    }

    private var parents: [Int32] = [-1]
    private var parts: [Part] = [.key("Bundle")]

    /// The Bundle itself.
    static let root: Int32 = 0

    /// A member of the element at `parent` (`.status`).
    mutating func member(_ parent: Int32, _ key: String) -> Int32 {
        append(parent, .key(key))
    }

    /// An element of the array at `parent` (`[3]`).
    mutating func index(_ parent: Int32, _ index: Int) -> Int32 {
        append(parent, .index(index))
    }

    private mutating func append(_ parent: Int32, _ part: Part) -> Int32 {
        parents.append(parent)
        parts.append(part)
        return Int32(parts.count - 1)
    }

    /// The place's text, `Bundle.entry[3].resource.dosageInstruction[0]`.
    func render(_ place: Int32) -> String {
        var chain: [Int32] = []
        var at = place
        while at >= 0, Int(at) < parts.count {
            chain.append(at)
            at = parents[Int(at)]
        }
        var text = ""
        for (position, at) in chain.reversed().enumerated() {
            switch parts[Int(at)] {
            case .key(let key): text += position == 0 ? key : "." + key
            case .index(let i): text += "[\(i)]"
            }
        }
        return text
    }

    func location(_ place: Int32) -> SourceLocation { SourceLocation(rawValue: UInt64(place) + 1) }

    func place(_ location: SourceLocation) -> Int32? {
        guard location != .none, location.rawValue <= UInt64(parts.count) else { return nil }
        return Int32(location.rawValue - 1)
    }
}
