/// FHIR R4 Bundles as orders (FHIR.md): a `.json` file whose top-level object has a `resourceType` member. The
/// Bundle is mapped onto the native order tree, every node keeping the place of the FHIR element it came from.
///
/// A JSON object whose `resourceType` is not `Bundle` is recognised too, and is an invalid FHIR order.
public struct FHIRBundleFormat: OrderFormat {
    public init() {}

    public var name: String { "fhir" }

    /// The extension that marks a MedicationRequest as proposed whatever its status (the CDS Hooks draft orders):
    /// `{"url": "urn:regimen-guard:proposed", "valueBoolean": true}`. When any request carries it, every other
    /// MedicationRequest is history.
    public static let proposedExtensionURL = "urn:regimen-guard:proposed"

    public func recognizes(fileName: String, content: ArraySlice<UInt8>) -> Bool {
        fileName.hasSuffixIgnoringCase(".json") && FHIRBundleFormat.hasTopLevelResourceType(content)
    }

    public func read(_ bytes: ArraySlice<UInt8>) -> Result<any OrderDocument, OrderErrors> {
        read(bytes, vocabulary: Vocabulary.empty)
    }

    public func read(_ bytes: ArraySlice<UInt8>, vocabulary: Vocabulary) -> Result<any OrderDocument, OrderErrors> {
        let root: JSONNode
        do {
            root = try JSONReader.parse(Array(bytes))
        } catch {
            return .failure(
                OrderErrors([
                    OrderError(
                        path: "line \(error.line), column \(error.column)",
                        message: "invalid JSON: \(error.message)"
                    )
                ])
            )
        }
        var reader = FHIRBundleReader(vocabulary: vocabulary)
        return reader.read(root).map { $0 as any OrderDocument }
    }

    /// Whether the top-level JSON object has a `resourceType` member: a scan of the top level that skips nested
    /// values without building them. Anything that is not a well-formed top-level object answers false (the native
    /// JSON format then reports the syntax error).
    static func hasTopLevelResourceType(_ bytes: ArraySlice<UInt8>) -> Bool {
        // Every order passes through here before it is read, so the scan runs over raw memory: a plain byte loop.
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = TopLevelScanner(bytes: buffer)
            return scanner.hasMember("resourceType")
        }
    }
}

/// A scan of a JSON document's top-level object that skips nested values by counting brackets outside strings.
private struct TopLevelScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    /// Skips a string starting at its opening quote; returns its raw bytes' range (escapes left as written).
    mutating func skipString() -> Range<Int>? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        let start = i
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""):
                i += 1
                return start..<(i - 1)
            default: i += 1
            }
        }
        return nil
    }

    /// Skips one value, nested ones by counting brackets outside strings.
    mutating func skipValue() -> Bool {
        guard i < bytes.count else { return false }
        switch bytes[i] {
        case UInt8(ascii: "\""): return skipString() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    if skipString() == nil { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        i += 1
                        return true
                    }
                default: break
                }
                i += 1
            }
            return false
        default:
            while i < bytes.count, bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "}"),
                bytes[i] != UInt8(ascii: "]")
            { i += 1 }
            return true
        }
    }

    /// Whether the top-level object has a member named `key` (written without escapes). Anything that is not a
    /// well-formed top-level object up to that member answers false.
    mutating func hasMember(_ key: StaticString) -> Bool {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return false }
        i += 1
        let wanted = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        while true {
            skipSpace()
            guard let name = skipString() else { return false }
            if name.count == wanted.count, bytes[name].elementsEqual(wanted) { return true }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
            i += 1
            skipSpace()
            guard skipValue() else { return false }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { return false }
            i += 1
        }
    }
}

extension Vocabulary {
    /// No drugs, no codes: what a format reads with when no policy is at hand.
    static let empty = Vocabulary(classes: [:], groups: [:], agents: [], observationTypes: [])
}
