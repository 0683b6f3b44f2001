/// An object's fields in order, checked for duplicates and unknown names; objects in orders are small, so a
/// linear search over the parsed members beats building a dictionary.
struct Fields {
    fileprivate var members: [JSONNode.Member] = []

    subscript(key: String) -> JSONNode? {
        members.first { $0.key == key }?.value
    }
}

/// Turns a JSON tree (read from a JSON order, or built from a CSV order) into an ``Order``, resolving every drug
/// against the vocabulary. Collects every problem instead of stopping at the first.
struct OrderDecoder {
    let vocabulary: Vocabulary
    let ruleIDs: Set<String>
    let document: any OrderDocument
    private(set) var errors: [OrderError] = []

    init(vocabulary: Vocabulary, ruleIDs: Set<String>, document: any OrderDocument) {
        self.vocabulary = vocabulary
        self.ruleIDs = ruleIDs
        self.document = document
    }

    /// A resolved medication item: the item plus the agent its name or code resolved to.
    typealias Resolved = (item: MedicationItem, agent: Agent)

    struct Result {
        var order: Order
        var medications: [Resolved]
        var history: [Resolved]
    }

    // MARK: - Reporting

    /// Records an error; the path and message are built only here, so a valid order builds no paths at all. The
    /// document that was read says where the value is in its own terms (a CSV cell, a FHIR element).
    private mutating func fail(_ node: JSONNode?, _ path: @autoclosure () -> String, _ message: @autoclosure () -> String) {
        errors.append(document.error(at: node?.location ?? .none, path: path(), message: message()))
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    // MARK: - Shapes

    /// The members of an object, reporting duplicates and fields not in `allowed`.
    private mutating func fields(
        _ node: JSONNode, _ path: String, allowed: [String], what: String
    ) -> Fields? {
        guard case .object(let members) = node.kind else {
            fail(node, path, "must be an object (\(what)), found \(node.typeName)")
            return nil
        }
        var result = Fields(members: members)
        var dropped = false
        for (position, member) in members.enumerated() {
            if members[..<position].contains(where: { $0.key == member.key }) {
                fail(member.value, OrderDecoder.join(path, member.key), "appears twice; each field may be given once")
                dropped = true
                continue
            }
            guard allowed.contains(member.key) else {
                let hint = OrderDecoder.closest(member.key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                fail(member.value, OrderDecoder.join(path, member.key), "unknown field\(hint); \(what) fields are \(allowed.sorted().joined(separator: ", "))")
                dropped = true
                continue
            }
        }
        if dropped {
            // Keep the first of duplicates and only known fields, as the fields to read further.
            var kept: [JSONNode.Member] = []
            for member in members where allowed.contains(member.key) && !kept.contains(where: { $0.key == member.key }) {
                kept.append(member)
            }
            result = Fields(members: kept)
        }
        return result
    }

    private static func closest(_ key: String, in allowed: [String]) -> String? {
        allowed.map { ($0, Vocabulary.editDistance(key, $0, limit: 3)) }.filter { $0.1 <= 3 }
            .min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    private mutating func string(
        _ fields: Fields, _ key: String, _ path: String, parent: JSONNode, required: Bool
    ) -> String? {
        guard let node = fields[key], !isNull(node) else {
            if required { fail(parent, OrderDecoder.join(path, key), "is required") }
            return nil
        }
        guard case .string(let text) = node.kind else {
            fail(node, OrderDecoder.join(path, key), "must be a string, found \(node.typeName)")
            return nil
        }
        if text.trimmingSpaces.isEmpty {
            fail(node, OrderDecoder.join(path, key), required ? "must not be empty" : "must not be empty (leave it out instead)")
            return nil
        }
        return text
    }

    private func isNull(_ node: JSONNode) -> Bool {
        if case .null = node.kind { return true }
        return false
    }

    private mutating func enumValue<E: RawRepresentable & CaseIterable>(
        _ fields: Fields, _ key: String, _ path: String, parent: JSONNode, required: Bool,
        synonyms: [String: E] = [:]
    ) -> E? where E.RawValue == String {
        guard let text = string(fields, key, path, parent: parent, required: required) else { return nil }
        let normalized = text.trimmingSpaces.lowercased()
        if let value = E(rawValue: normalized) ?? synonyms[normalized] { return value }
        let allowed = E.allCases.map(\.rawValue) + synonyms.keys.sorted()
        fail(fields[key], OrderDecoder.join(path, key), "unknown value '\(text)'; expected one of \(allowed.joined(separator: ", "))")
        return nil
    }

    private mutating func integer(
        _ fields: Fields, _ key: String, _ path: String, range: ClosedRange<Int>
    ) -> Int? {
        guard let node = fields[key], !isNull(node) else { return nil }
        guard case .number(let literal) = node.kind, let value = OrderDecoder.wholeNumber(literal) else {
            fail(node, OrderDecoder.join(path, key), "must be a whole number, found \(node.typeName == "a number" ? "a fraction" : node.typeName)")
            return nil
        }
        guard range.contains(value) else {
            fail(node, OrderDecoder.join(path, key), "must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    /// A JSON number literal as an integer when it is whole (`6`, `6.0`, `6e0`).
    static func wholeNumber(_ literal: String) -> Int? {
        if let value = Int(literal) { return value }
        guard let double = Double(literal), double.rounded() == double, abs(double) < 1e15 else { return nil }
        return Int(double)
    }

    private mutating func day(
        _ fields: Fields, _ key: String, _ path: String, parent: JSONNode, required: Bool
    ) -> Day? {
        guard let text = string(fields, key, path, parent: parent, required: required) else { return nil }
        guard let day = Day(iso: text.trimmingSpaces) else {
            fail(fields[key], OrderDecoder.join(path, key), "'\(text)' is not a calendar date in the form YYYY-MM-DD")
            return nil
        }
        return day
    }

    private mutating func array(_ fields: Fields, _ key: String, _ path: String) -> [JSONNode]? {
        guard let node = fields[key], !isNull(node) else { return nil }
        guard case .array(let elements) = node.kind else {
            fail(node, OrderDecoder.join(path, key), "must be an array, found \(node.typeName)")
            return nil
        }
        return elements
    }

    // MARK: - Order

    static let orderFields: [String] = [
        "order_id", "submitted_at", "patient", "line_of_therapy", "medications", "history", "observations",
        "overrides", "extensions",
    ]
    static let patientFields: [String] = ["id", "menopausal_status", "her2_status", "hr_status", "disease_setting"]
    static let itemFields: [String] = [
        "drug", "code", "start", "end", "cycles", "cycle_length_days", "phase", "stop_reason",
    ]
    static let codeFields: [String] = ["system", "code"]
    static let observationFields: [String] = ["type", "loinc", "value", "unit", "date"]
    static let overrideFields: [String] = ["rule", "reason", "by"]

    mutating func decode() -> Result? {
        let root = document.tree
        if case .array = root.kind {
            fail(root, "$", "an order file holds one order: a JSON object, not an array")
            return nil
        }
        guard let top = fields(root, "", allowed: OrderDecoder.orderFields, what: "order") else { return nil }

        var orderID: String?
        if let id = string(top, "order_id", "", parent: root, required: true) {
            if OrderDecoder.isValidOrderID(id) {
                orderID = id
            } else {
                fail(top["order_id"], "order_id", "must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'")
            }
        }
        let submittedAt = string(top, "submitted_at", "", parent: root, required: false)
        if let submittedAt, !RFC3339.isValid(submittedAt) {
            fail(top["submitted_at"], "submitted_at", "must be an RFC 3339 timestamp such as 2026-11-20T09:30:00Z")
        }
        let patient = decodePatient(top["patient"], parent: root)
        let line = integer(top, "line_of_therapy", "", range: 1...99)
        if let extensions = top["extensions"], !isNull(extensions) {
            if case .object = extensions.kind {} else {
                fail(extensions, "extensions", "must be an object, found \(extensions.typeName)")
            }
        }

        var medications: [Resolved] = []
        if let elements = array(top, "medications", "") {
            if elements.isEmpty { fail(top["medications"], "medications", "must list at least one medication") }
            for (index, element) in elements.enumerated() {
                if let item = decodeItem(element, path: "medications[\(index)]", inHistory: false) { medications.append(item) }
            }
        } else if top["medications"] == nil || isNull(top["medications"]!) {
            fail(root, "medications", "is required: the proposed regimen")
        }
        var history: [Resolved] = []
        for (index, element) in (array(top, "history", "") ?? []).enumerated() {
            if let item = decodeItem(element, path: "history[\(index)]", inHistory: true) { history.append(item) }
        }
        var observations: [Observation] = []
        for (index, element) in (array(top, "observations", "") ?? []).enumerated() {
            if let observation = decodeObservation(element, path: "observations[\(index)]") { observations.append(observation) }
        }
        var overrides: [Override] = []
        for (index, element) in (array(top, "overrides", "") ?? []).enumerated() {
            if let value = decodeOverride(element, path: "overrides[\(index)]") { overrides.append(value) }
        }

        guard errors.isEmpty, let orderID, let patient else { return nil }
        let order = Order(
            orderID: orderID, submittedAt: submittedAt, patient: patient, lineOfTherapy: line,
            medications: medications.map(\.item), history: history.map(\.item), observations: observations,
            overrides: overrides)
        return Result(order: order, medications: medications, history: history)
    }

    static func isValidOrderID(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    private mutating func decodePatient(_ node: JSONNode?, parent: JSONNode) -> Patient? {
        guard let node, !isNull(node) else {
            fail(parent, "patient", "is required")
            return nil
        }
        guard let f = fields(node, "patient", allowed: OrderDecoder.patientFields, what: "patient") else { return nil }
        // The identifier is protected health information: it is checked for presence, never echoed.
        let id = string(f, "id", "patient", parent: node, required: true)
        let her2: HER2Status? = enumValue(f, "her2_status", "patient", parent: node, required: true)
        let hr: HRStatus? = enumValue(f, "hr_status", "patient", parent: node, required: true)
        let setting: DiseaseSetting? = enumValue(
            f, "disease_setting", "patient", parent: node, required: true, synonyms: ["advanced": .metastatic])
        let menopausal: MenopausalStatus? = enumValue(f, "menopausal_status", "patient", parent: node, required: false)
        guard let id, let her2, let hr, let setting else { return nil }
        return Patient(
            id: id, her2Status: her2, hrStatus: hr, diseaseSetting: setting, menopausalStatus: menopausal ?? .unknown)
    }

    private mutating func decodeItem(_ node: JSONNode, path: String, inHistory: Bool) -> Resolved? {
        guard let f = fields(node, path, allowed: OrderDecoder.itemFields, what: "medication item") else { return nil }
        let errorsBefore = errors.count
        let drug = string(f, "drug", path, parent: node, required: false)
        var code: DrugCode?
        if let codeNode = f["code"], !isNull(codeNode) {
            code = decodeCode(codeNode, path: OrderDecoder.join(path, "code"))
        }
        if drug == nil && f["code"] == nil {
            fail(node, OrderDecoder.join(path, "drug"), "is required (or give a code)")
        }
        let start = day(f, "start", path, parent: node, required: true)
        let end = day(f, "end", path, parent: node, required: false)
        let cycles = integer(f, "cycles", path, range: 1...1000)
        let cycleLength = integer(f, "cycle_length_days", path, range: 1...365)
        let phase = string(f, "phase", path, parent: node, required: false)
        let stopReason: StopReason? = enumValue(f, "stop_reason", path, parent: node, required: false)

        if end != nil && (f["cycles"] != nil || f["cycle_length_days"] != nil) {
            fail(f["end"], OrderDecoder.join(path, "end"), "give either end or cycles with cycle_length_days, not both")
        }
        if (f["cycles"] == nil) != (f["cycle_length_days"] == nil) {
            let missing = f["cycles"] == nil ? "cycles" : "cycle_length_days"
            fail(node, OrderDecoder.join(path, missing), "is required together with \(missing == "cycles" ? "cycle_length_days" : "cycles")")
        }
        if let start, let end, end < start {
            fail(f["end"], OrderDecoder.join(path, "end"), "\(end) is before the start \(start)")
        }

        let agent = resolve(drug: drug, code: code, item: node, fields: f, path: path)
        guard errors.count == errorsBefore, let start, let agent else { return nil }
        let item = MedicationItem(
            path: path, inHistory: inHistory, drug: drug, code: code, start: start, end: end, cycles: cycles,
            cycleLengthDays: cycleLength, phase: phase, stopReason: stopReason)
        return (item, agent)
    }

    private mutating func decodeCode(_ node: JSONNode, path: String) -> DrugCode? {
        guard let f = fields(node, path, allowed: OrderDecoder.codeFields, what: "code") else { return nil }
        let system = string(f, "system", path, parent: node, required: true)
        let code = string(f, "code", path, parent: node, required: true)
        guard let system, let code else { return nil }
        let systems: [String: DrugCode.System] = [
            "rxnorm": .rxnorm, "http://www.nlm.nih.gov/research/umls/rxnorm": .rxnorm,
            "atc": .atc, "http://www.whocc.no/atc": .atc,
        ]
        guard let known = systems[system.trimmingSpaces.lowercased()] else {
            fail(f["system"], OrderDecoder.join(path, "system"), "unknown code system '\(system)'; expected rxnorm or atc (or their FHIR URIs)")
            return nil
        }
        return DrugCode(system: known, code: code.trimmingSpaces)
    }

    private mutating func resolve(
        drug: String?, code: DrugCode?, item: JSONNode, fields f: Fields, path: String
    ) -> Agent? {
        var byName: Agent?
        if let drug {
            byName = vocabulary.agent(named: drug)
            if byName == nil {
                let suggestions = vocabulary.suggestions(for: drug)
                let hint = suggestions.isEmpty
                    ? "" : "; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?"
                fail(f["drug"], OrderDecoder.join(path, "drug"), "unknown drug '\(drug.trimmingSpaces)'\(hint) A drug the vocabulary does not know cannot be checked, so the order is not accepted.")
                return nil
            }
        }
        var byCode: Agent?
        if let code {
            byCode = vocabulary.agent(for: code)
            if byCode == nil {
                fail(f["code"], OrderDecoder.join(path, "code"), "unknown \(code.system == .atc ? "ATC" : "RxNorm") code '\(code.code)'")
                return nil
            }
        }
        if let byName, let byCode, byName.id != byCode.id,
            !(byName.drugClass == byCode.drugClass && Set(byName.ingredients) == Set(byCode.ingredients))
        {
            fail(f["code"], OrderDecoder.join(path, "code"), "code \(code!.code) is \(byCode.name), but the drug is \(byName.name)")
            return nil
        }
        return byName ?? byCode
    }

    private mutating func decodeObservation(_ node: JSONNode, path: String) -> Observation? {
        guard let f = fields(node, path, allowed: OrderDecoder.observationFields, what: "observation") else { return nil }
        let errorsBefore = errors.count
        let type = string(f, "type", path, parent: node, required: false)
        let loinc = string(f, "loinc", path, parent: node, required: false)
        if let type, type.trimmingSpaces.lowercased() != "lvef" {
            fail(f["type"], OrderDecoder.join(path, "type"), "unknown observation type '\(type)'; this version knows lvef")
        }
        if let loinc, !vocabulary.lvefLOINC.contains(loinc.trimmingSpaces) {
            let accepted = vocabulary.lvefLOINC.sorted().joined(separator: ", ")
            fail(f["loinc"], OrderDecoder.join(path, "loinc"), "LOINC \(loinc) is not an LVEF code; accepted: \(accepted)")
        }
        if type == nil && loinc == nil && f["type"] == nil && f["loinc"] == nil {
            fail(node, OrderDecoder.join(path, "type"), "is required (type \"lvef\" or an LVEF loinc code)")
        }
        var value: Double?
        if let valueNode = f["value"], !isNull(valueNode) {
            if case .number(let literal) = valueNode.kind, let number = Double(literal) {
                if number > 0 && number <= 100 { value = number } else {
                    fail(valueNode, OrderDecoder.join(path, "value"), "an LVEF is a percentage above 0 and at most 100, found \(literal)")
                }
            } else {
                fail(valueNode, OrderDecoder.join(path, "value"), "must be a number (percent), found \(valueNode.typeName)")
            }
        } else {
            fail(node, OrderDecoder.join(path, "value"), "is required")
        }
        let unit = string(f, "unit", path, parent: node, required: false)
        if let unit, unit.trimmingSpaces != "%" {
            fail(f["unit"], OrderDecoder.join(path, "unit"), "LVEF is given in percent: unit must be \"%\"")
        }
        let date = day(f, "date", path, parent: node, required: true)
        guard errors.count == errorsBefore, let value, let date else { return nil }
        return Observation(path: path, type: type, loinc: loinc?.trimmingSpaces, value: value, unit: unit, date: date)
    }

    private mutating func decodeOverride(_ node: JSONNode, path: String) -> Override? {
        guard let f = fields(node, path, allowed: OrderDecoder.overrideFields, what: "override") else { return nil }
        let rule = string(f, "rule", path, parent: node, required: true)
        let reason = string(f, "reason", path, parent: node, required: true)
        let by = string(f, "by", path, parent: node, required: false)
        if let rule, !ruleIDs.contains(rule.trimmingSpaces) {
            let known = ruleIDs.sorted().joined(separator: ", ")
            fail(f["rule"], OrderDecoder.join(path, "rule"), "unknown rule id '\(rule)'; rule ids are \(known)")
            return nil
        }
        guard let rule, let reason else { return nil }
        return Override(path: path, rule: rule.trimmingSpaces, reason: reason.trimmingSpaces, by: by)
    }
}

/// RFC 3339 `date-time` check (e.g. `2026-11-20T09:30:00Z`, `2026-11-20T10:30:00.5+01:00`).
enum RFC3339 {
    static func isValid(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count >= 20, Day(iso: String(decoding: b[0..<10], as: UTF8.self)) != nil,
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " ")
        else { return false }
        func two(_ i: Int, max: Int) -> Bool {
            guard i + 1 < b.count, (48...57).contains(b[i]), (48...57).contains(b[i + 1]) else { return false }
            return Int(b[i] - 48) * 10 + Int(b[i + 1] - 48) <= max
        }
        guard two(11, max: 23), b[13] == UInt8(ascii: ":"), two(14, max: 59), b[16] == UInt8(ascii: ":"),
            two(17, max: 60)
        else { return false }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let digitsStart = i
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
            guard i > digitsStart else { return false }
        }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") { return i + 1 == b.count }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), i + 6 == b.count else { return false }
        return two(i + 1, max: 23) && b[i + 3] == UInt8(ascii: ":") && two(i + 4, max: 59)
    }
}
