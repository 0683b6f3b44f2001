/// Medications: which MedicationRequests are the proposed regimen and which are history, and how each
/// MedicationRequest, MedicationAdministration and MedicationStatement becomes a native medication item
/// (FHIR.md sections 1 and 2).
extension FHIRBundleReader {
    struct Medications {
        var proposed: [JSONNode] = []
        var history: [JSONNode] = []
        var line: JSONNode?
    }

    static let proposedMarker = FHIRBundleFormat.proposedExtensionURL
    static let lineExtension = "urn:regimen-guard:line-of-therapy"
    static let cumulativeExtension = "urn:regimen-guard:cumulative-dose"
    static let intentExtension = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-procedure-intent"
    static let requestStatuses: Set<String> = [
        "active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown",
    ]

    mutating func readMedications() -> Medications {
        var out = Medications()
        let requests = entries.filter { $0.type == "MedicationRequest" }
        // A request marked proposed (the CDS Hooks draft orders) is proposed whatever its status; then every other
        // request is history.
        var marked: Set<Int> = []
        for entry in requests {
            for ext in extensions(entry.resource, url: FHIRBundleReader.proposedMarker) {
                guard let value = child(ext, "valueBoolean") else { continue }
                guard case .bool(let flag) = value.node.kind else {
                    fail(value.place, "must be true or false, found \(value.node.typeName)")
                    continue
                }
                if flag { marked.insert(entry.index) }
            }
        }
        var statuses: [Int: String] = [:]
        for entry in requests {
            guard let status = string(entry.resource, "status") else {
                markRead(entry)
                if !has(entry.resource, "status") { fail(paths.member(entry.resource.place, "status"), "is required") }
                continue
            }
            guard FHIRBundleReader.requestStatuses.contains(status.text) else {
                markRead(entry)
                fail(
                    status.place,
                    "unknown MedicationRequest status '\(status.text)'; FHIR R4 statuses are \(FHIRBundleReader.requestStatuses.sorted().joined(separator: ", "))"
                )
                continue
            }
            statuses[entry.index] = status.text
        }
        let hasDraft = statuses.values.contains("draft")
        var lines: [(value: Int, place: Int32)] = []
        for entry in requests {
            guard let status = statuses[entry.index] else { continue }
            let proposed: Bool
            if marked.contains(entry.index) {
                proposed = true
            } else if ["cancelled", "entered-in-error", "unknown"].contains(status) {
                skip(entry, "MedicationRequest status \(status)")
                continue
            } else if !marked.isEmpty {
                proposed = false
            } else {
                switch status {
                case "draft": proposed = true
                case "active", "on-hold": proposed = !hasDraft
                default: proposed = false
                }
            }
            markRead(entry)
            checkSubject(entry)
            if proposed {
                for ext in extensions(entry.resource, url: FHIRBundleReader.lineExtension) {
                    guard let value = integer(ext, "valueInteger", minimum: 1) else {
                        if !has(ext, "valueInteger") { fail(ext.place, "needs a valueInteger (the line of therapy)") }
                        continue
                    }
                    if let first = lines.first, first.value != value.value {
                        fail(
                            value.place,
                            "line of therapy \(value.value) disagrees with \(first.value) at \(paths.render(first.place))"
                        )
                    }
                    lines.append(value)
                }
                out.proposed.append(requestItem(entry, path: "medications[\(out.proposed.count)]", inHistory: false))
            } else {
                out.history.append(requestItem(entry, path: "history[\(out.history.count)]", inHistory: true))
            }
        }
        if let line = lines.first { out.line = JSONNode(.number(String(line.value)), at: paths.location(line.place)) }
        if out.proposed.isEmpty {
            fail(
                FHIRPathTable.root,
                "no proposed regimen: no MedicationRequest with status draft (or, with no draft, active or on-hold)"
            )
        }

        for entry in entries where entry.type == "MedicationAdministration" {
            guard let status = string(entry.resource, "status") else {
                markRead(entry)
                fail(paths.member(entry.resource.place, "status"), "is required")
                continue
            }
            guard status.text == "completed" else {
                skip(
                    entry,
                    "MedicationAdministration status \(FHIRBundleReader.plain(status.text)): only completed administrations are history"
                )
                continue
            }
            markRead(entry)
            checkSubject(entry)
            out.history.append(administrationItem(entry, path: "history[\(out.history.count)]"))
        }
        for entry in entries where entry.type == "MedicationStatement" {
            guard let status = string(entry.resource, "status") else {
                markRead(entry)
                fail(paths.member(entry.resource.place, "status"), "is required")
                continue
            }
            guard ["completed", "stopped", "active"].contains(status.text) else {
                skip(
                    entry,
                    "MedicationStatement status \(FHIRBundleReader.plain(status.text)): only completed, stopped and active statements are history"
                )
                continue
            }
            markRead(entry)
            checkSubject(entry)
            out.history.append(statementItem(entry, path: "history[\(out.history.count)]"))
        }
        return out
    }

    // MARK: - Items

    private mutating func finish(
        _ members: [(String, JSONNode)],
        _ entry: Entry,
        path: String,
        kind: FHIRDocument.Kind
    ) -> JSONNode {
        kinds[entry.place] = kind
        places[path] = EvidencePlace(path: paths.render(entry.place), reference: entry.reference)
        return object(members, entry.place)
    }

    mutating func requestItem(_ entry: Entry, path: String, inHistory: Bool) -> JSONNode {
        let resource = entry.resource
        var m: [(String, JSONNode)] = []
        drug(entry, into: &m)
        let instructions = array(resource, "dosageInstruction")
        for extra in instructions.dropFirst() {
            ignore(extra.place, entry: entry.index, "only dosageInstruction[0] is read: it holds the whole course")
        }
        let dosage = instructions.first
        let timing = object(dosage, "timing")
        let repeating = object(timing, "repeat")
        let bounds = object(repeating, "boundsPeriod")
        if let start = string(bounds, "start") {
            m.append(("start", dateNode(start)))
        } else if let event = first(timing, "event") {
            if case .string(let text) = event.node.kind {
                m.append(("start", dateNode((text, event.place))))
            } else {
                fail(event.place, "must be a dateTime string, found \(event.node.typeName)")
            }
        }
        if let end = string(bounds, "end") { m.append(("end", dateNode(end))) }
        m += schedule(repeating)
        m += doses(dosage, entry: entry)
        if let reason = stopReason([object(resource, "statusReason")].compactMap { $0 }, entry: entry) {
            m.append(("stop_reason", reason))
        }
        m += historyExtensions(entry, inHistory: inHistory)
        return finish(m, entry, path: path, kind: .request)
    }

    /// `timing.repeat`: count / frequency cycles of `period periodUnit`; administrations per period.
    private mutating func schedule(_ repeating: Element?) -> [(String, JSONNode)] {
        guard let repeating else { return [] }
        var m: [(String, JSONNode)] = []
        var valid = true
        var lengthDays: (value: Int, place: Int32)?
        let unit = string(repeating, "periodUnit")
        var factor = 1
        if let unit {
            switch unit.text {
            case "d": factor = 1
            case "wk": factor = 7
            default:
                fail(
                    unit.place,
                    "periodUnit '\(unit.text)' is not read: a cycle is given in d or wk (3 wk is a 21-day cycle)"
                )
                valid = false
            }
        }
        if let period = child(repeating, "period") {
            if case .number(let literal) = period.node.kind, let value = Double(literal), value > 0 {
                let days = value * Double(factor)
                if unit == nil {
                    fail(period.place, "needs a periodUnit (d or wk)")
                    valid = false
                } else if days.rounded() != days || days > 365 {
                    fail(period.place, "\(literal) \(unit?.text ?? "") is not a whole number of days up to 365")
                    valid = false
                } else {
                    lengthDays = (Int(days), period.place)
                }
            } else {
                fail(period.place, "must be a number above 0, found \(period.node.typeName)")
                valid = false
            }
        }
        let frequency = integer(repeating, "frequency", minimum: 1)
        if has(repeating, "frequency") && frequency == nil { valid = false }
        let count = integer(repeating, "count", minimum: 1)
        if has(repeating, "count") && count == nil { valid = false }
        if let count, valid {
            let perPeriod = frequency?.value ?? 1
            if count.value % perPeriod != 0 {
                fail(
                    count.place,
                    "count \(count.value) is the total number of administrations; it must be a whole number of periods of \(perPeriod) (frequency)"
                )
                valid = false
            } else {
                m.append(
                    ("cycles", JSONNode(.number(String(count.value / perPeriod)), at: paths.location(count.place)))
                )
                if let lengthDays {
                    m.append(
                        (
                            "cycle_length_days",
                            JSONNode(.number(String(lengthDays.value)), at: paths.location(lengthDays.place))
                        )
                    )
                }
            }
        }
        if valid, let frequency, frequency.value > 1 {
            m.append(
                ("doses_per_cycle", JSONNode(.number(String(frequency.value)), at: paths.location(frequency.place)))
            )
        }
        return m
    }

    /// `doseAndRate`: the dose of each administration, and a loading dose typed `urn:regimen-guard:dose-type|loading`.
    private mutating func doses(_ dosage: Element?, entry: Entry) -> [(String, JSONNode)] {
        var m: [(String, JSONNode)] = []
        for rate in array(dosage, "doseAndRate") {
            let loading =
                code(in: object(rate, "type"), system: "urn:regimen-guard:dose-type", known: ["loading"]) != nil
            guard let quantity = object(rate, "doseQuantity").flatMap({ self.quantity($0) }) else { continue }
            let key = loading ? "loading_dose" : "dose"
            if m.contains(where: { $0.0 == key }) {
                ignore(rate.place, entry: entry.index, "a second \(loading ? "loading dose" : "dose") is not read")
            } else {
                m.append((key, quantity))
            }
        }
        return m
    }

    /// A Quantity as a native `{value, unit}`, UCUM units read as the native ones.
    mutating func quantity(_ element: Element) -> JSONNode? {
        var m: [(String, JSONNode)] = []
        if let value = child(element, "value") {
            if case .number = value.node.kind {
                m.append(("value", JSONNode(value.node.kind, at: paths.location(value.place))))
            } else {
                fail(value.place, "must be a number, found \(value.node.typeName)")
            }
        }
        let system = string(element, "system")?.text
        if let unit = (system == nil || system == FHIRBundleReader.ucum ? string(element, "code") : nil)
            ?? string(element, "unit")
        {
            let native = ["[lb_av]": "lb", "[in_i]": "in", "m2": "m2", "mg/m2": "mg/m2"][unit.text] ?? unit.text
            m.append(("unit", node(native, unit.place)))
        }
        return object(m, element.place)
    }

    mutating func administrationItem(_ entry: Entry, path: String) -> JSONNode {
        let resource = entry.resource
        var m: [(String, JSONNode)] = []
        drug(entry, into: &m)
        let period = object(resource, "effectivePeriod")
        if let start = string(resource, "effectiveDateTime") ?? string(period, "start") {
            m.append(("start", dateNode(start)))
            // One administration covers its day, unless its period ends later.
            m.append(("end", dateNode(string(period, "end") ?? start)))
        }
        if let dose = object(object(resource, "dosage"), "dose").flatMap({ quantity($0) }) { m.append(("dose", dose)) }
        if let reason = child(resource, "statusReason") {
            ignore(
                reason.place,
                entry: entry.index,
                "an administration's statusReason says why it was not given; it is not a stop reason"
            )
        }
        m += historyExtensions(entry, inHistory: true)
        return finish(m, entry, path: path, kind: .administration)
    }

    mutating func statementItem(_ entry: Entry, path: String) -> JSONNode {
        let resource = entry.resource
        var m: [(String, JSONNode)] = []
        drug(entry, into: &m)
        let period = object(resource, "effectivePeriod")
        if let start = string(period, "start") ?? string(resource, "effectiveDateTime") {
            m.append(("start", dateNode(start)))
        }
        if let end = string(period, "end") { m.append(("end", dateNode(end))) }
        let rate = first(first(resource, "dosage"), "doseAndRate")
        if let dose = object(rate, "doseQuantity").flatMap({ quantity($0) }) { m.append(("dose", dose)) }
        if let reason = stopReason(array(resource, "statusReason"), entry: entry) { m.append(("stop_reason", reason)) }
        m += historyExtensions(entry, inHistory: true)
        return finish(m, entry, path: path, kind: .statement)
    }

    /// The stop reason of `statusReason` concepts: a `urn:regimen-guard:stop-reason` coding, else an mCODE
    /// termination reason (SNOMED CT) through the policy's table (`other` when the table does not list it).
    private mutating func stopReason(_ concepts: [Element], entry: Entry) -> JSONNode? {
        let native = Set(StopReason.allCases.map(\.rawValue))
        for concept in concepts {
            if let code = code(in: concept, system: "urn:regimen-guard:stop-reason", known: native) {
                return node(code.code, code.place)
            }
        }
        for concept in concepts {
            for coding in codings(concept) where coding.system == FHIRBundleReader.snomed {
                guard let code = coding.code else { continue }
                return node(vocabulary.fhir.stopReasons[code]?.rawValue ?? StopReason.other.rawValue, coding.codePlace)
            }
        }
        for concept in concepts {
            ignore(
                concept.place,
                entry: entry.index,
                "statusReason without a urn:regimen-guard:stop-reason or SNOMED CT coding is not read"
            )
        }
        return nil
    }

    /// `setting` (mCODE treatment intent) and `cumulative_dose`, on history items.
    private mutating func historyExtensions(_ entry: Entry, inHistory: Bool) -> [(String, JSONNode)] {
        var m: [(String, JSONNode)] = []
        for ext in extensions(entry.resource, url: FHIRBundleReader.intentExtension) {
            let concept = object(ext, "valueCodeableConcept")
            guard inHistory else {
                ignore(ext.place, entry: entry.index, "treatment intent of a proposed MedicationRequest is not read")
                continue
            }
            var setting: JSONNode?
            for coding in codings(concept) where coding.system == FHIRBundleReader.snomed {
                switch coding.code {
                case "373808002": setting = node("early", coding.codePlace)
                case "363676003": setting = node("metastatic", coding.codePlace)
                default: continue
                }
                break
            }
            if let setting {
                m.append(("setting", setting))
            } else {
                ignore(
                    ext.place,
                    entry: entry.index,
                    "treatment intent other than curative or palliative gives no setting"
                )
            }
        }
        for ext in extensions(entry.resource, url: FHIRBundleReader.cumulativeExtension) {
            guard let quantity = object(ext, "valueQuantity").flatMap({ self.quantity($0) }) else {
                fail(ext.place, "needs a valueQuantity (mg/m2)")
                continue
            }
            m.append(("cumulative_dose", quantity))
        }
        return m
    }

    // MARK: - Drugs

    /// The drug of a medication resource: its `medicationCodeableConcept`, or the `code` of the Medication its
    /// `medicationReference` points to (in the Bundle, or contained).
    mutating func drug(_ entry: Entry, into m: inout [(String, JSONNode)]) {
        let resource = entry.resource
        if let concept = object(resource, "medicationCodeableConcept") {
            m += self.concept(concept, entry: entry.index)
            return
        }
        guard let reference = object(resource, "medicationReference") else { return }
        m += medication(reference, from: entry.index)
    }

    /// The drug a Reference to a Medication (or to a medication resource, for an AdverseEvent's suspect) names.
    mutating func medication(_ reference: Element, from entry: Int) -> [(String, JSONNode)] {
        guard let text = string(reference, "reference") else {
            if let display = string(reference, "display") { return [("drug", node(display.text, display.place))] }
            fail(reference.place, "has neither a reference nor a display: the drug is unknown")
            return [("drug", node("?", reference.place))]
        }
        guard let target = resolve(text.text, from: entry) else {
            fail(text.place, "points to nothing in the Bundle (nor in the resource's contained): the drug is unknown")
            return [("drug", node("?", text.place))]
        }
        guard target.type == "Medication" else {
            fail(text.place, "must point to a Medication, found a \(FHIRBundleReader.plain(target.type))")
            return [("drug", node("?", text.place))]
        }
        if target.contained {
            if let nested = child(target.resource, "contained") {
                ignore(nested.place, entry: entry, "a contained resource inside a contained resource is not read")
            }
        } else {
            markRead(entries[target.entry])
        }
        guard let code = object(target.resource, "code") else {
            fail(target.resource.place, "the Medication has no code: the drug is unknown")
            return [("drug", node("?", target.resource.place))]
        }
        return concept(code, entry: target.contained ? entry : target.entry)
    }

    /// A drug's CodeableConcept as native `code` and `drug` (FHIR.md section 2): the RxNorm and ATC codings the
    /// vocabulary knows decide; other codings are listed as not read; without a known coding, the text (or a
    /// display) is resolved as a drug name; without either, the codes are the unknown drug's name.
    mutating func concept(_ concept: Element, entry: Int) -> [(String, JSONNode)] {
        let all = codings(concept)
        let text = string(concept, "text")
        var known: [(coding: Coding, code: DrugCode, agent: Agent)] = []
        var unread: [Coding] = []
        for coding in all {
            if let system = coding.system, let code = coding.code, let kind = FHIRBundleReader.drugSystem(system),
                let agent = vocabulary.agent(for: DrugCode(system: kind, code: code))
            {
                known.append((coding, DrugCode(system: kind, code: code), agent))
            } else {
                unread.append(coding)
            }
        }
        var m: [(String, JSONNode)] = []
        guard var chosen = known.first else {
            for coding in unread {
                ignore(
                    coding.place,
                    entry: entry,
                    "coding \(FHIRBundleReader.label(coding)) is not in the vocabulary; the drug is read from the text"
                )
            }
            if let text, !text.text.trimmingSpaces.isEmpty {
                m.append(("drug", node(text.text, text.place)))
            } else if let named = all.first(where: { !($0.display ?? "").trimmingSpaces.isEmpty }) {
                m.append(("drug", node(named.display ?? "", named.place)))
            } else if !all.isEmpty {
                m.append(("drug", node(all.map(FHIRBundleReader.label).joined(separator: ", "), concept.place)))
            }
            return m
        }
        for other in known.dropFirst() where other.agent.id != chosen.agent.id {
            let a = Set(chosen.agent.ingredients), b = Set(other.agent.ingredients)
            if a.isSuperset(of: b) { continue }
            if b.isSuperset(of: a) {
                unread.append(chosen.coding)
                chosen = other
                continue
            }
            fail(
                concept.place,
                "codings name different agents: \(FHIRBundleReader.label(chosen.coding)) is \(chosen.agent.name), \(FHIRBundleReader.label(other.coding)) is \(other.agent.name)"
            )
            break
        }
        for coding in unread {
            ignore(
                coding.place,
                entry: entry,
                "coding \(FHIRBundleReader.label(coding)) is not read: \(FHIRBundleReader.label(chosen.coding)) decides the drug"
            )
        }
        m.append(
            (
                "code",
                object(
                    [
                        ("system", node(chosen.code.system.rawValue, chosen.coding.systemPlace)),
                        ("code", node(chosen.code.code, chosen.coding.codePlace)),
                    ],
                    chosen.coding.place
                )
            )
        )
        if let text, !text.text.trimmingSpaces.isEmpty {
            if vocabulary.agent(named: text.text) != nil {
                m.append(("drug", node(text.text, text.place)))
            } else {
                ignore(
                    text.place,
                    entry: entry,
                    "text is not a drug name the vocabulary knows; the coding decides the drug"
                )
            }
        }
        return m
    }

    static func drugSystem(_ system: String) -> DrugCode.System? {
        switch system {
        case rxnorm: .rxnorm
        case atc: .atc
        default: nil
        }
    }

    /// `RxNorm 224905`, `NDC 50242-0134-01`: a coding as a message names it.
    static func label(_ coding: Coding) -> String {
        let names = [
            rxnorm: "RxNorm", atc: "ATC", snomed: "SNOMED CT", loinc: "LOINC", "http://hl7.org/fhir/sid/ndc": "NDC",
        ]
        let system = coding.system.map { names[$0] ?? $0 } ?? "(no system)"
        return "\(system) \(coding.code ?? "(no code)")"
    }
}
