/// An object's fields in order, checked for duplicates and unknown names; objects in orders are small, so a
/// linear search over the parsed members beats building a dictionary.
struct Fields {
    fileprivate var members: [JSONNode.Member] = []

    subscript(key: String) -> JSONNode? {
        members.first { $0.key == key }?.value
    }
}

/// Turns a JSON tree (read from a JSON order, or built from a CSV order) into an ``Order``, resolving every drug
/// against the vocabulary. Collects every problem instead of stopping at the first (capped: ``ErrorList``).
///
/// `null` is not a value (ORDERS.md section 2): a field given as `null` is reported exactly as a wrong type would be
/// ("must be a string, found null"), never read as absent. Observation types, units and ranges come from the
/// vocabulary's observation table. The decoder charges its ``WorkBudget`` one unit per object member and array
/// element it reads, and refuses an order with more than ``OrderLimits/maximumItems`` items before reading them.
struct OrderDecoder {
    let vocabulary: Vocabulary
    let ruleIDs: Set<String>
    let document: any OrderDocument
    private var list = ErrorList()
    /// Work charged so far; handed on to the rules in ``Result/budget``.
    private(set) var budget: WorkBudget
    private var overBudget = false
    /// The object kinds whose field names an error has already listed (each list is given once per order).
    private var listedFields: [String] = []
    private var listedRuleIDs = false

    /// The errors found (capped, with a last "and N more errors" entry when there were more).
    var errors: [OrderError] { list.result }

    init(vocabulary: Vocabulary, ruleIDs: Set<String>, document: any OrderDocument, budget: WorkBudget = WorkBudget()) {
        self.vocabulary = vocabulary
        self.ruleIDs = ruleIDs
        self.document = document
        self.budget = budget
    }

    /// A resolved medication item: the item plus the agent its name or code resolved to.
    typealias Resolved = (item: MedicationItem, agent: Agent)

    struct Result {
        var order: Order
        var medications: [Resolved]
        var history: [Resolved]
        /// The budget after decoding, for the rules to charge further.
        var budget: WorkBudget
    }

    // MARK: - Reporting

    /// Records an error; the path and message are built only here, and only while the error list is not full, so a
    /// valid order builds no paths at all. The document that was read says where the value is in its own terms (a
    /// CSV cell, a FHIR element).
    private mutating func fail(
        _ node: JSONNode?,
        _ path: @autoclosure () -> String,
        _ message: @autoclosure () -> String
    ) {
        let document = self.document
        list.append(document.error(at: node?.location ?? .none, path: path(), message: message()))
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Charges the budget; false (after reporting once) when the order is over it.
    private mutating func charge(_ units: Int) -> Bool {
        if budget.charge(units) { return true }
        if !overBudget {
            overBudget = true
            let message = budget.exhaustedMessage
            fail(nil, "", message)
        }
        return false
    }

    // MARK: - Shapes

    /// The members of an object, reporting duplicates and fields not in `allowed`. Duplicates are found in linear
    /// time (a hash set once an object is larger than any the contract defines).
    private mutating func fields(
        _ node: JSONNode,
        _ path: String,
        allowed: [String],
        what: String
    ) -> Fields? {
        guard case .object(let members) = node.kind else {
            fail(node, path, "must be an object (\(what)), found \(node.typeName)")
            return nil
        }
        guard charge(members.count + 1) else { return nil }
        var dropped = false
        if members.count <= 24 {
            for (position, member) in members.enumerated() {
                if members[..<position].contains(where: { $0.key == member.key }) {
                    reportDuplicate(member, path)
                    dropped = true
                } else if !allowed.contains(member.key) {
                    reportUnknown(member, path, allowed: allowed, what: what)
                    dropped = true
                }
            }
        } else {
            var seen = Set<String>(minimumCapacity: members.count)
            for member in members {
                if !seen.insert(member.key).inserted {
                    reportDuplicate(member, path)
                } else if !allowed.contains(member.key) {
                    reportUnknown(member, path, allowed: allowed, what: what)
                }
            }
            dropped = true
        }
        guard dropped else { return Fields(members: members) }
        // Keep the first of duplicates and only known fields, as the fields to read further (at most `allowed.count`).
        var kept: [JSONNode.Member] = []
        for member in members where allowed.contains(member.key) && !kept.contains(where: { $0.key == member.key }) {
            kept.append(member)
        }
        return Fields(members: kept)
    }

    private mutating func reportDuplicate(_ member: JSONNode.Member, _ path: String) {
        fail(member.value, OrderDecoder.join(path, member.key), "appears twice; each field may be given once")
    }

    /// An unknown field: a "did you mean" when one is close, and the list of valid names only the first time this
    /// kind of object has an unknown field in the order (a hostile order with thousands of them gets short errors).
    private mutating func reportUnknown(_ member: JSONNode.Member, _ path: String, allowed: [String], what: String) {
        let list = !listedFields.contains(what)
        if list { listedFields.append(what) }
        fail(
            member.value,
            OrderDecoder.join(path, member.key),
            {
                let hint = OrderDecoder.closest(member.key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                return list
                    ? "unknown field\(hint); \(what) fields are \(allowed.sorted().joined(separator: ", "))"
                    : "unknown field\(hint)"
            }()
        )
    }

    private static func closest(_ key: String, in allowed: [String]) -> String? {
        guard key.utf8.count <= 64 else { return nil }
        return allowed.map { ($0, Vocabulary.editDistance(key, $0, limit: 3)) }.filter { $0.1 <= 3 }
            .min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    private mutating func string(
        _ fields: Fields,
        _ key: String,
        _ path: String,
        parent: JSONNode,
        required: Bool
    ) -> String? {
        guard let node = fields[key] else {
            if required { fail(parent, OrderDecoder.join(path, key), "is required") }
            return nil
        }
        guard case .string(let text) = node.kind else {
            fail(node, OrderDecoder.join(path, key), "must be a string, found \(node.typeName)")
            return nil
        }
        if text.trimmingSpaces.isEmpty {
            fail(
                node,
                OrderDecoder.join(path, key),
                required ? "must not be empty" : "must not be empty (leave it out instead)"
            )
            return nil
        }
        return text
    }

    private mutating func enumValue<E: RawRepresentable & CaseIterable>(
        _ fields: Fields,
        _ key: String,
        _ path: String,
        parent: JSONNode,
        required: Bool,
        synonyms: [String: E] = [:]
    ) -> E? where E.RawValue == String {
        guard let text = string(fields, key, path, parent: parent, required: required) else { return nil }
        let normalized = text.trimmingSpaces.lowercased()
        if let value = E(rawValue: normalized) ?? synonyms[normalized] { return value }
        fail(
            fields[key],
            OrderDecoder.join(path, key),
            {
                let allowed = E.allCases.map(\.rawValue) + synonyms.keys.sorted()
                return
                    "unknown value '\(OrderDecoder.quoted(text))'; expected one of \(allowed.joined(separator: ", "))"
            }()
        )
        return nil
    }

    /// A value quoted back in a message, shortened when long (a message never carries a megabyte).
    static func quoted(_ text: String) -> String {
        text.utf8.count <= 80 ? text : String(text.prefix(60)) + "... (\(text.utf8.count) bytes)"
    }

    private mutating func integer(
        _ fields: Fields,
        _ key: String,
        _ path: String,
        parent: JSONNode,
        range: ClosedRange<Int>,
        required: Bool = false
    ) -> Int? {
        guard let node = fields[key] else {
            if required { fail(parent, OrderDecoder.join(path, key), "is required") }
            return nil
        }
        guard case .number(let literal) = node.kind, let value = OrderDecoder.wholeNumber(literal) else {
            fail(
                node,
                OrderDecoder.join(path, key),
                "must be a whole number, found \(node.typeName == "a number" ? "a fraction" : node.typeName)"
            )
            return nil
        }
        guard range.contains(value) else {
            fail(
                node,
                OrderDecoder.join(path, key),
                "must be between \(range.lowerBound) and \(range.upperBound), found \(value)"
            )
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

    /// A required finite number.
    private mutating func number(
        _ fields: Fields,
        _ key: String,
        _ path: String,
        parent: JSONNode
    ) -> (value: Double, literal: String)? {
        guard let node = fields[key] else {
            fail(parent, OrderDecoder.join(path, key), "is required")
            return nil
        }
        guard case .number(let literal) = node.kind else {
            fail(node, OrderDecoder.join(path, key), "must be a number, found \(node.typeName)")
            return nil
        }
        guard let value = Double(literal), value.isFinite else {
            fail(node, OrderDecoder.join(path, key), "must be a finite number, found \(OrderDecoder.quoted(literal))")
            return nil
        }
        return (value, literal)
    }

    private mutating func day(
        _ fields: Fields,
        _ key: String,
        _ path: String,
        parent: JSONNode,
        required: Bool
    ) -> Day? {
        guard let text = string(fields, key, path, parent: parent, required: required) else { return nil }
        guard let day = Day(iso: text.trimmingSpaces) else {
            fail(
                fields[key],
                OrderDecoder.join(path, key),
                "'\(OrderDecoder.quoted(text))' is not a calendar date in the form YYYY-MM-DD"
            )
            return nil
        }
        return day
    }

    private mutating func array(_ fields: Fields, _ key: String, _ path: String) -> [JSONNode]? {
        guard let node = fields[key] else { return nil }
        guard case .array(let elements) = node.kind else {
            fail(node, OrderDecoder.join(path, key), "must be an array, found \(node.typeName)")
            return nil
        }
        guard charge(elements.count + 1) else { return nil }
        return elements
    }

    // MARK: - Order

    static let orderFields: [String] = [
        "order_id", "submitted_at", "patient", "line_of_therapy", "medications", "history", "observations",
        "adverse_events", "overrides", "extensions",
    ]
    static let patientFields: [String] = [
        "id", "menopausal_status", "her2_status", "hr_status", "disease_setting", "metastatic_since",
    ]
    static let itemFields: [String] = [
        "drug", "code", "start", "end", "cycles", "cycle_length_days", "doses_per_cycle", "dose", "loading_dose",
        "cumulative_dose", "setting", "phase", "stop_reason",
    ]
    static let codeFields: [String] = ["system", "code"]
    static let doseFields: [String] = ["value", "unit"]
    static let observationFields: [String] = ["type", "loinc", "value", "unit", "date"]
    static let adverseEventFields: [String] = ["event", "grade", "date", "drug"]
    static let overrideFields: [String] = ["rule", "reason", "by"]
    /// The top-level arrays whose elements count towards ``OrderLimits/maximumItems``.
    static let itemArrays: [String] = ["medications", "history", "observations", "adverse_events", "overrides"]

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
        let line = integer(top, "line_of_therapy", "", parent: root, range: 1...99)
        if let extensions = top["extensions"] {
            if case .object = extensions.kind {
            } else {
                fail(extensions, "extensions", "must be an object, found \(extensions.typeName)")
            }
        }

        // The size bound comes before any item is read: an order over it costs one count per array.
        var itemCount = 0
        for key in OrderDecoder.itemArrays {
            if let node = top[key], case .array(let elements) = node.kind { itemCount += elements.count }
        }
        if itemCount > OrderLimits.maximumItems {
            fail(
                root,
                "",
                "the order has \(itemCount) items (medications, history, observations, adverse_events and overrides together); at most \(OrderLimits.maximumItems) are accepted in one order"
            )
            return nil
        }

        var medications: [Resolved] = []
        if let elements = array(top, "medications", "") {
            if elements.isEmpty { fail(top["medications"], "medications", "must list at least one medication") }
            medications.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() where !overBudget {
                if let item = decodeItem(element, path: "medications[\(index)]", inHistory: false) {
                    medications.append(item)
                }
            }
        } else if top["medications"] == nil {
            fail(root, "medications", "is required: the proposed regimen")
        }
        var history: [Resolved] = []
        for (index, element) in (array(top, "history", "") ?? []).enumerated() where !overBudget {
            if let item = decodeItem(element, path: "history[\(index)]", inHistory: true) { history.append(item) }
        }
        var observations: [Observation] = []
        for (index, element) in (array(top, "observations", "") ?? []).enumerated() where !overBudget {
            if let observation = decodeObservation(element, path: "observations[\(index)]") {
                observations.append(observation)
            }
        }
        var adverseEvents: [AdverseEvent] = []
        for (index, element) in (array(top, "adverse_events", "") ?? []).enumerated() where !overBudget {
            if let event = decodeAdverseEvent(element, path: "adverse_events[\(index)]") { adverseEvents.append(event) }
        }
        var overrides: [Override] = []
        for (index, element) in (array(top, "overrides", "") ?? []).enumerated() where !overBudget {
            if let value = decodeOverride(element, path: "overrides[\(index)]") { overrides.append(value) }
        }

        guard list.isEmpty, let orderID, let patient else { return nil }
        let order = Order(
            orderID: orderID,
            submittedAt: submittedAt,
            patient: patient,
            lineOfTherapy: line,
            medications: medications.map(\.item),
            history: history.map(\.item),
            observations: observations,
            overrides: overrides,
            adverseEvents: adverseEvents
        )
        return Result(order: order, medications: medications, history: history, budget: budget)
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
        guard let node else {
            fail(parent, "patient", "is required")
            return nil
        }
        guard let f = fields(node, "patient", allowed: OrderDecoder.patientFields, what: "patient") else { return nil }
        // The identifier is protected health information: it is checked for presence, never echoed.
        let id = string(f, "id", "patient", parent: node, required: true)
        let her2: HER2Status? = enumValue(f, "her2_status", "patient", parent: node, required: true)
        let hr: HRStatus? = enumValue(f, "hr_status", "patient", parent: node, required: true)
        let setting: DiseaseSetting? = enumValue(
            f,
            "disease_setting",
            "patient",
            parent: node,
            required: true,
            synonyms: ["advanced": .metastatic]
        )
        let menopausal: MenopausalStatus? = enumValue(f, "menopausal_status", "patient", parent: node, required: false)
        let metastaticSince = day(f, "metastatic_since", "patient", parent: node, required: false)
        guard let id, let her2, let hr, let setting else { return nil }
        return Patient(
            id: id,
            her2Status: her2,
            hrStatus: hr,
            diseaseSetting: setting,
            menopausalStatus: menopausal ?? .unknown,
            metastaticSince: metastaticSince
        )
    }

    private mutating func decodeItem(_ node: JSONNode, path: String, inHistory: Bool) -> Resolved? {
        guard let f = fields(node, path, allowed: OrderDecoder.itemFields, what: "medication item") else { return nil }
        let errorsBefore = list.count
        let drug = string(f, "drug", path, parent: node, required: false)
        var code: DrugCode?
        if let codeNode = f["code"] {
            code = decodeCode(codeNode, path: OrderDecoder.join(path, "code"))
        }
        if f["drug"] == nil && f["code"] == nil {
            fail(node, OrderDecoder.join(path, "drug"), "is required (or give a code)")
        }
        let start = day(f, "start", path, parent: node, required: true)
        let end = day(f, "end", path, parent: node, required: false)
        let cycles = integer(f, "cycles", path, parent: node, range: 1...1000)
        let cycleLength = integer(f, "cycle_length_days", path, parent: node, range: 1...365)
        let dosesPerCycle = integer(f, "doses_per_cycle", path, parent: node, range: 1...100)
        let phase = string(f, "phase", path, parent: node, required: false)
        let stopReason: StopReason? = enumValue(f, "stop_reason", path, parent: node, required: false)
        let dose = decodeDose(f, "dose", path, units: DoseUnit.allCases)
        let loadingDose = decodeDose(f, "loading_dose", path, units: DoseUnit.allCases)
        var cumulativeDose: Dose?
        var setting: DiseaseSetting?
        if inHistory {
            cumulativeDose = decodeDose(f, "cumulative_dose", path, units: [.mgPerM2])
            setting = enumValue(f, "setting", path, parent: node, required: false)
        } else {
            for key in ["cumulative_dose", "setting"] where f[key] != nil {
                fail(
                    f[key],
                    OrderDecoder.join(path, key),
                    "is for history items only (treatment already given), not for medications"
                )
            }
        }

        if end != nil && (f["cycles"] != nil || f["cycle_length_days"] != nil) {
            fail(f["end"], OrderDecoder.join(path, "end"), "give either end or cycles with cycle_length_days, not both")
        }
        if (f["cycles"] == nil) != (f["cycle_length_days"] == nil) {
            let missing = f["cycles"] == nil ? "cycles" : "cycle_length_days"
            fail(
                node,
                OrderDecoder.join(path, missing),
                "is required together with \(missing == "cycles" ? "cycle_length_days" : "cycles")"
            )
        }
        if let start, let end, end < start {
            fail(f["end"], OrderDecoder.join(path, "end"), "\(end) is before the start \(start)")
        }

        let agent = resolve(drug: drug, code: code, fields: f, key: "drug", path: path)
        guard list.count == errorsBefore, let start, let agent else { return nil }
        let item = MedicationItem(
            path: path,
            inHistory: inHistory,
            drug: drug,
            code: code,
            start: start,
            end: end,
            cycles: cycles,
            cycleLengthDays: cycleLength,
            phase: phase,
            stopReason: stopReason,
            dosesPerCycle: dosesPerCycle ?? 1,
            dose: dose,
            loadingDose: loadingDose,
            cumulativeDose: cumulativeDose,
            setting: setting
        )
        return (item, agent)
    }

    /// `{ "value": <number above 0>, "unit": <one of units, spelled exactly> }`, when the field is given.
    private mutating func decodeDose(_ f: Fields, _ key: String, _ itemPath: String, units: [DoseUnit]) -> Dose? {
        guard let node = f[key] else { return nil }
        let path = OrderDecoder.join(itemPath, key)
        guard let d = fields(node, path, allowed: OrderDecoder.doseFields, what: "dose") else { return nil }
        var value: Double?
        if let number = number(d, "value", path, parent: node) {
            if number.value > 0 {
                value = number.value
            } else {
                fail(
                    d["value"],
                    OrderDecoder.join(path, "value"),
                    "a dose must be above 0, found \(OrderDecoder.quoted(number.literal))"
                )
            }
        }
        var unit: DoseUnit?
        if let text = string(d, "unit", path, parent: node, required: true) {
            let trimmed = text.trimmingSpaces
            if let known = DoseUnit(rawValue: trimmed), units.contains(known) {
                unit = known
            } else {
                fail(
                    d["unit"],
                    OrderDecoder.join(path, "unit"),
                    {
                        let expected = units.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                        let only =
                            units.count == 1
                            ? "\(key) is given in \(expected)" : "expected one of \(expected), spelled exactly so"
                        return "unknown unit '\(OrderDecoder.quoted(text))'; \(only)"
                    }()
                )
            }
        }
        guard let value, let unit else { return nil }
        return Dose(value: value, unit: unit)
    }

    private mutating func decodeCode(_ node: JSONNode, path: String) -> DrugCode? {
        guard let f = fields(node, path, allowed: OrderDecoder.codeFields, what: "code") else { return nil }
        let system = string(f, "system", path, parent: node, required: true)
        let code = string(f, "code", path, parent: node, required: true)
        guard let system, let code else { return nil }
        let known: DrugCode.System
        switch system.trimmingSpaces.lowercased() {
        case "rxnorm", "http://www.nlm.nih.gov/research/umls/rxnorm": known = .rxnorm
        case "atc", "http://www.whocc.no/atc": known = .atc
        default:
            fail(
                f["system"],
                OrderDecoder.join(path, "system"),
                "unknown code system '\(OrderDecoder.quoted(system))'; expected rxnorm or atc (or their FHIR URIs)"
            )
            return nil
        }
        return DrugCode(system: known, code: code.trimmingSpaces)
    }

    /// The agent of a drug name and/or code (`key` names the drug field: `drug`).
    private mutating func resolve(
        drug: String?,
        code: DrugCode?,
        fields f: Fields,
        key: String,
        path: String
    ) -> Agent? {
        var byName: Agent?
        if let drug {
            byName = vocabulary.agent(named: drug)
            if byName == nil {
                let vocabulary = self.vocabulary
                fail(
                    f[key],
                    OrderDecoder.join(path, key),
                    {
                        if Vocabulary.containsControlCharacter(drug) {
                            return
                                "unknown drug: the name holds a control character. A drug the vocabulary does not know cannot be checked, so the order is not accepted."
                        }
                        let suggestions = vocabulary.suggestions(for: drug)
                        let hint =
                            suggestions.isEmpty
                            ? "" : "; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?"
                        return
                            "unknown drug '\(OrderDecoder.quoted(drug.trimmingSpaces))'\(hint) A drug the vocabulary does not know cannot be checked, so the order is not accepted."
                    }()
                )
                return nil
            }
        }
        var byCode: Agent?
        if let code {
            byCode = vocabulary.agent(for: code)
            if byCode == nil {
                fail(
                    f["code"],
                    OrderDecoder.join(path, "code"),
                    "unknown \(code.system == .atc ? "ATC" : "RxNorm") code '\(OrderDecoder.quoted(code.code))'"
                )
                return nil
            }
        }
        if let byName, let byCode, byName.id != byCode.id,
            !(byName.drugClass == byCode.drugClass && Set(byName.ingredients) == Set(byCode.ingredients))
        {
            fail(
                f["code"],
                OrderDecoder.join(path, "code"),
                "code \(code!.code) is \(byCode.name), but the drug is \(byName.name)"
            )
            return nil
        }
        return byName ?? byCode
    }

    private mutating func decodeObservation(_ node: JSONNode, path: String) -> Observation? {
        guard let f = fields(node, path, allowed: OrderDecoder.observationFields, what: "observation") else {
            return nil
        }
        let errorsBefore = list.count
        let typeText = string(f, "type", path, parent: node, required: false)
        let loinc = string(f, "loinc", path, parent: node, required: false)?.trimmingSpaces
        var byType: ObservationType?
        if let typeText {
            byType = vocabulary.observationType(id: typeText.trimmingSpaces.lowercased())
            if byType == nil {
                let known = vocabulary.observationTypes.map(\.id).joined(separator: ", ")
                fail(
                    f["type"],
                    OrderDecoder.join(path, "type"),
                    "unknown observation type '\(OrderDecoder.quoted(typeText))'; known types are \(known)"
                )
            }
        }
        var byCode: ObservationType?
        if let loinc {
            byCode = vocabulary.observationType(loinc: loinc)
            if byCode == nil {
                let vocabulary = self.vocabulary
                fail(
                    f["loinc"],
                    OrderDecoder.join(path, "loinc"),
                    {
                        let accepted = vocabulary.observationTypes.map {
                            "\($0.id) \($0.loinc.joined(separator: ", "))"
                        }
                        .joined(separator: "; ")
                        return
                            "LOINC \(OrderDecoder.quoted(loinc)) is not a code of a known observation type (it is not an LVEF code); accepted: \(accepted)"
                    }()
                )
            }
        }
        if let byType, let byCode, byType.id != byCode.id {
            fail(
                f["loinc"],
                OrderDecoder.join(path, "loinc"),
                "LOINC \(loinc!) is a \(byCode.title) code, but type is \(byType.id)"
            )
        }
        if f["type"] == nil && f["loinc"] == nil {
            let known = vocabulary.observationTypes.map(\.id).joined(separator: ", ")
            fail(node, OrderDecoder.join(path, "type"), "is required (\(known), or a loinc code)")
        }
        let type = byType ?? byCode
        var unitFactor: Double? = 1
        let unit = string(f, "unit", path, parent: node, required: false)
        if let unit, let type {
            unitFactor = type.factor(for: unit.trimmingSpaces)
            if unitFactor == nil {
                fail(
                    f["unit"],
                    OrderDecoder.join(path, "unit"),
                    {
                        let units = type.units.map { "\"\($0)\"" }.joined(separator: " or ")
                        return "unknown unit '\(OrderDecoder.quoted(unit))' for \(type.title); give it in \(units)"
                    }()
                )
            }
        }
        var value: Double?
        if let number = number(f, "value", path, parent: node), let type, let unitFactor {
            let canonical = number.value * unitFactor
            let given = unit.map { "\(number.literal) \($0.trimmingSpaces)" } ?? number.literal
            let converted = unitFactor == 1 ? "" : " (\(OrderDecoder.short(canonical)) \(type.unit))"
            if let fraction = type.fractionAtMost, canonical <= fraction, canonical > 0 {
                fail(
                    f["value"],
                    OrderDecoder.join(path, "value"),
                    "\(type.title) \(number.literal) looks like a fraction: give it in \(type.unit) (\(OrderDecoder.short(canonical * 100)), not \(number.literal))"
                )
            } else if !type.isPlausible(canonical) {
                fail(
                    f["value"],
                    OrderDecoder.join(path, "value"),
                    {
                        let low =
                            type.minimumExclusive
                            ? "above \(OrderDecoder.short(type.minimum))" : "from \(OrderDecoder.short(type.minimum))"
                        let high =
                            type.minimumExclusive
                            ? "at most \(OrderDecoder.short(type.maximum))" : "to \(OrderDecoder.short(type.maximum))"
                        return "\(type.title) must be \(low) \(high) \(type.unit), found \(given)\(converted)"
                    }()
                )
            } else {
                value = canonical
            }
        }
        let date = day(f, "date", path, parent: node, required: true)
        guard list.count == errorsBefore, let type, let value, let date, case .number(let literal)? = f["value"]?.kind
        else { return nil }
        return Observation(
            path: path,
            type: type.id,
            loinc: loinc,
            value: value,
            unit: type.unit,
            givenValue: literal,
            givenUnit: unit?.trimmingSpaces,
            date: date
        )
    }

    /// A number for messages: whole numbers without a fraction, others to at most two decimals.
    static func short(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int(value)) }
        let rounded = (value * 100).rounded() / 100
        return "\(rounded)"
    }

    private mutating func decodeAdverseEvent(_ node: JSONNode, path: String) -> AdverseEvent? {
        guard let f = fields(node, path, allowed: OrderDecoder.adverseEventFields, what: "adverse event") else {
            return nil
        }
        let errorsBefore = list.count
        let event: AdverseEventKind? = enumValue(f, "event", path, parent: node, required: true)
        let grade = integer(f, "grade", path, parent: node, range: 1...5, required: true)
        let date = day(f, "date", path, parent: node, required: true)
        let drug = string(f, "drug", path, parent: node, required: false)
        var agent: Agent?
        if let drug { agent = resolve(drug: drug, code: nil, fields: f, key: "drug", path: path) }
        guard list.count == errorsBefore, let event, let grade, let date else { return nil }
        return AdverseEvent(path: path, event: event, grade: grade, date: date, drug: drug, agent: agent)
    }

    private mutating func decodeOverride(_ node: JSONNode, path: String) -> Override? {
        guard let f = fields(node, path, allowed: OrderDecoder.overrideFields, what: "override") else { return nil }
        let rule = string(f, "rule", path, parent: node, required: true)
        let reason = string(f, "reason", path, parent: node, required: true)
        let by = string(f, "by", path, parent: node, required: false)
        if let rule, !ruleIDs.contains(rule.trimmingSpaces) {
            let list = !listedRuleIDs
            listedRuleIDs = true
            let ruleIDs = self.ruleIDs
            fail(
                f["rule"],
                OrderDecoder.join(path, "rule"),
                {
                    let known = list ? "; rule ids are \(ruleIDs.sorted().joined(separator: ", "))" : ""
                    return "unknown rule id '\(OrderDecoder.quoted(rule))'\(known)"
                }()
            )
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
