/// Maps a FHIR R4 Bundle onto the native order tree (FHIR.md), recording where each value came from, what it did
/// not read and what is wrong. One pass over the entries builds an index of references; every later lookup is a
/// dictionary read, so the cost grows with the Bundle's size, not its square.
struct FHIRBundleReader {
    let vocabulary: Vocabulary
    var paths = FHIRPathTable()
    var errors: [OrderError] = []
    /// What was not read, with the entry it belongs to (to list it in Bundle order).
    var ignoredEntries: [(entry: Int, item: IgnoredEntry)] = []
    var kinds: [Int32: FHIRDocument.Kind] = [:]
    var places: [String: EvidencePlace] = [:]

    init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
    }

    /// A JSON value in the Bundle and its place.
    struct Element {
        var node: JSONNode
        var place: Int32
    }

    /// One entry's resource.
    struct Entry {
        var index: Int
        /// `Bundle.entry[i]`.
        var place: Int32
        var resource: Element
        var type: String
        var id: String?

        /// `MedicationRequest/mr-1`, when the resource has an id.
        var reference: String? { id.map { "\(type)/\($0)" } }
    }

    var entries: [Entry] = []
    /// `Type/id` and `fullUrl` → entry index.
    var index: [String: Int] = [:]
    /// Entries the mapping read (scanned for nulls once).
    var readEntries: Set<Int> = []
    /// Entries already listed in `ignored` with their own reason.
    var listed: Set<Int> = []
    /// The entry of the one Patient, and its id (protected health information: never in a message).
    var patientEntry: Int?
    var patientID: String?

    static let rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    static let atc = "http://www.whocc.no/atc"
    static let snomed = "http://snomed.info/sct"
    static let loinc = "http://loinc.org"
    static let ucum = "http://unitsofmeasure.org"

    // MARK: - Reporting

    mutating func fail(_ place: Int32, _ message: String) {
        errors.append(OrderError(path: paths.render(place), message: message))
    }

    mutating func ignore(_ place: Int32, entry: Int, _ reason: String) {
        ignoredEntries.append((entry, IgnoredEntry(path: paths.render(place), reason: reason)))
    }

    // MARK: - Elements

    mutating func child(_ element: Element?, _ key: String) -> Element? {
        guard let element, case .object(let members) = element.node.kind,
            let member = members.first(where: { $0.key == key })
        else { return nil }
        if case .null = member.value.kind { return nil }  // reported by the null scan
        return Element(node: member.value, place: paths.member(element.place, key))
    }

    func has(_ element: Element?, _ key: String) -> Bool {
        guard let element, case .object(let members) = element.node.kind else { return false }
        return members.contains { $0.key == key }
    }

    /// The elements of an array member (FHIR JSON writes a repeating element as an array even with one value).
    mutating func array(_ element: Element?, _ key: String) -> [Element] {
        guard let value = child(element, key) else { return [] }
        guard case .array(let items) = value.node.kind else {
            fail(value.place, "must be an array (a repeating FHIR element), found \(value.node.typeName)")
            return []
        }
        var out: [Element] = []
        out.reserveCapacity(items.count)
        for (position, item) in items.enumerated() {
            if case .null = item.kind { continue }
            out.append(Element(node: item, place: paths.index(value.place, position)))
        }
        return out
    }

    mutating func first(_ element: Element?, _ key: String) -> Element? {
        guard let value = child(element, key) else { return nil }
        guard case .array(let items) = value.node.kind else {
            fail(value.place, "must be an array (a repeating FHIR element), found \(value.node.typeName)")
            return nil
        }
        guard let item = items.first else { return nil }
        if case .null = item.kind { return nil }
        return Element(node: item, place: paths.index(value.place, 0))
    }

    mutating func object(_ element: Element?, _ key: String) -> Element? {
        guard let value = child(element, key) else { return nil }
        guard case .object = value.node.kind else {
            fail(value.place, "must be an object, found \(value.node.typeName)")
            return nil
        }
        return value
    }

    mutating func string(_ element: Element?, _ key: String) -> (text: String, place: Int32)? {
        guard let value = child(element, key) else { return nil }
        guard case .string(let text) = value.node.kind else {
            fail(value.place, "must be a string, found \(value.node.typeName)")
            return nil
        }
        return (text, value.place)
    }

    mutating func integer(_ element: Element?, _ key: String, minimum: Int) -> (value: Int, place: Int32)? {
        guard let value = child(element, key) else { return nil }
        guard case .number(let literal) = value.node.kind, let number = Int(literal) else {
            fail(
                value.place,
                "must be a whole number, found \(value.node.typeName == "a number" ? "a fraction" : value.node.typeName)"
            )
            return nil
        }
        guard number >= minimum else {
            fail(value.place, "must be at least \(minimum), found \(number)")
            return nil
        }
        return (number, value.place)
    }

    /// The codings of a CodeableConcept: system, code, display, and the coding's place.
    struct Coding {
        var system: String?
        var code: String?
        var display: String?
        var place: Int32
        var codePlace: Int32?
        var systemPlace: Int32?
    }

    mutating func codings(_ concept: Element?) -> [Coding] {
        var out: [Coding] = []
        for coding in array(concept, "coding") {
            guard case .object = coding.node.kind else {
                fail(coding.place, "must be a Coding object, found \(coding.node.typeName)")
                continue
            }
            let system = string(coding, "system"), code = string(coding, "code")
            out.append(
                Coding(
                    system: system?.text,
                    code: code?.text,
                    display: string(coding, "display")?.text,
                    place: coding.place,
                    codePlace: code?.place,
                    systemPlace: system?.place
                )
            )
        }
        return out
    }

    /// The code of the first coding in `system`, checked against the known codes when the system is one of
    /// regimen-guard's own (an unknown code there is an error).
    mutating func code(
        in concept: Element?,
        system: String,
        known: Set<String>? = nil
    ) -> (code: String, place: Int32)? {
        for coding in codings(concept) where coding.system == system {
            guard let code = coding.code else { continue }
            let place = coding.codePlace ?? coding.place
            if let known, !known.contains(code) {
                fail(
                    place,
                    "unknown code '\(code)' in \(system); its codes are \(known.sorted().joined(separator: ", "))"
                )
                return nil
            }
            return (code, place)
        }
        return nil
    }

    /// The extensions of an element with this url.
    mutating func extensions(_ element: Element?, url: String) -> [Element] {
        array(element, "extension").filter { ext in
            guard case .object(let members) = ext.node.kind,
                let value = members.first(where: { $0.key == "url" })?.value, case .string(let text) = value.kind
            else { return false }
            return text == url
        }
    }

    /// A FHIR date or dateTime reduced to its calendar date as written (no time-zone shift), as a tree node; the
    /// decoder reports a value that is not a full date.
    func dateNode(_ value: (text: String, place: Int32)) -> JSONNode {
        JSONNode(.string(FHIRBundleReader.calendarDate(value.text)), at: paths.location(value.place))
    }

    static func calendarDate(_ text: String) -> String {
        let bytes = text.utf8
        guard bytes.count > 10, bytes[bytes.index(bytes.startIndex, offsetBy: 10)] == UInt8(ascii: "T") else {
            return text
        }
        return String(text.prefix(10))
    }

    /// A date the reader itself compares (latest result, earliest onset); an error when it is not a full date.
    mutating func day(_ value: (text: String, place: Int32)?) -> Day? {
        guard let value else { return nil }
        guard let day = Day(iso: FHIRBundleReader.calendarDate(value.text)) else {
            fail(value.place, "'\(value.text)' is not a FHIR date or dateTime with a full calendar date (YYYY-MM-DD)")
            return nil
        }
        return day
    }

    func node(_ text: String, _ place: Int32?) -> JSONNode {
        JSONNode(.string(text), at: place.map { paths.location($0) } ?? .none)
    }

    func object(_ members: [(String, JSONNode)], _ place: Int32?) -> JSONNode {
        JSONNode(
            .object(members.map { JSONNode.Member(key: $0.0, value: $0.1) }),
            at: place.map { paths.location($0) } ?? .none
        )
    }

    // MARK: - Nulls

    private enum Part {
        case key(String)
        case index(Int)
    }

    /// Reports every `null` and every duplicate member in a resource the mapping reads (FHIR JSON has neither).
    mutating func scan(_ node: JSONNode, at place: Int32, skipping skipped: String? = nil) {
        var stack: [Part] = []
        var problems: [([Part], String)] = []
        func walk(_ node: JSONNode, depth: Int) {
            switch node.kind {
            case .null: problems.append((stack, "is null; null is not valid FHIR JSON (leave the element out)"))
            case .object(let members):
                for (position, member) in members.enumerated() {
                    if depth == 0, member.key == skipped { continue }
                    stack.append(.key(member.key))
                    if members[..<position].contains(where: { $0.key == member.key }) {
                        problems.append((stack, "appears twice; each element may be given once"))
                    } else {
                        walk(member.value, depth: depth + 1)
                    }
                    stack.removeLast()
                }
            case .array(let items):
                for (position, item) in items.enumerated() {
                    stack.append(.index(position))
                    walk(item, depth: depth + 1)
                    stack.removeLast()
                }
            default: break
            }
        }
        walk(node, depth: 0)
        for (parts, message) in problems {
            var at = place
            for part in parts {
                switch part {
                case .key(let key): at = paths.member(at, key)
                case .index(let i): at = paths.index(at, i)
                }
            }
            fail(at, message)
        }
    }

    // MARK: - References

    /// What a reference points at: an entry, or a resource contained in an entry's resource.
    struct Target {
        var entry: Int
        var resource: Element
        var type: String
        var contained: Bool
    }

    /// Resolves a `reference` from the resource of entry `from`: `#id` (contained), `Type/id`, a `fullUrl`, or an
    /// absolute URL ending in `Type/id`.
    mutating func resolve(_ reference: String, from: Int?) -> Target? {
        if reference.hasPrefix("#") {
            guard let from else { return nil }
            let id = String(reference.dropFirst())
            for resource in array(entries[from].resource, "contained") {
                guard case .object = resource.node.kind, string(resource, "id")?.text == id,
                    let type = string(resource, "resourceType")?.text
                else { continue }
                return Target(entry: from, resource: resource, type: type, contained: true)
            }
            return nil
        }
        var position = index[reference]
        if position == nil {
            // An absolute URL: its last `Type/id` (before any `_history`).
            var parts = reference.split(separator: "/", omittingEmptySubsequences: true)
            if let h = parts.lastIndex(of: "_history") { parts = Array(parts[..<h]) }
            if parts.count >= 2 { position = index["\(parts[parts.count - 2])/\(parts[parts.count - 1])"] }
        }
        guard let position else { return nil }
        let entry = entries[position]
        return Target(entry: position, resource: entry.resource, type: entry.type, contained: false)
    }

    /// Checks a resource's `subject` (or `patient`) names the order's one Patient.
    mutating func checkSubject(_ entry: Entry, key: String = "subject") {
        guard let reference = string(object(entry.resource, key), "reference") else { return }
        if let target = resolve(reference.text, from: entry.index), target.type == "Patient" {
            if target.entry != patientEntry, string(target.resource, "id")?.text != patientID {
                fail(
                    reference.place,
                    "refers to another patient than the Bundle's Patient; one order is about one patient"
                )
            }
            return
        }
        if reference.text.hasPrefix("Patient/"), let patientID, reference.text != "Patient/\(patientID)" {
            fail(reference.place, "refers to another patient than the Bundle's Patient; one order is about one patient")
        }
    }
}
