/// Patient facts (FHIR.md section 3): HER2 and hormone-receptor results, the disease setting from Conditions and
/// the M category, menopausal status, measurements, adverse events, and overrides as DetectedIssues.
extension FHIRBundleReader {
    struct Facts {
        var patient: [(String, JSONNode)] = []
        var observations: [JSONNode] = []
        var adverseEvents: [JSONNode] = []
        var overrides: [JSONNode] = []
    }

    /// What a coded result says about HER2.
    enum HER2Part: Equatable {
        case status(String)
        case equivocal  // IHC 2+: low unless an ISH of the same date is positive
        case ish(positive: Bool)
        case ihc(String)  // IHC 0, 0+/ultralow, 1+, 3+ as a status

        var text: String {
            switch self {
            case .status(let s): s
            case .equivocal: "IHC 2+"
            case .ish(let positive): positive ? "ISH positive" : "ISH negative"
            case .ihc(let s): "IHC \(s)"
            }
        }
    }

    private enum ObservationKind {
        case her2(ish: Bool), estrogen, progesterone, measurement(String), mCategory, menopausal
    }

    static let secondaryProfile = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-secondary-cancer-condition"
    static let primaryProfile = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"
    static let positiveAnswer = "LA6576-8"
    static let negativeAnswer = "LA6577-6"

    mutating func readFacts() -> Facts {
        var facts = Facts()
        var her2: [(day: Day, part: HER2Part, place: Int32, entry: Int32)] = []
        var receptors: [(estrogen: Bool, day: Day, positive: Bool, place: Int32)] = []
        var menopausal: (day: Day, node: JSONNode)?
        var mCategory: Int32?

        for entry in entries where entry.type == "Observation" {
            let resource = entry.resource
            let status = string(resource, "status")?.text ?? "(none)"
            guard ["final", "amended", "corrected"].contains(status) else {
                skip(
                    entry,
                    "Observation status \(FHIRBundleReader.plain(status)): only final, amended and corrected results are read"
                )
                continue
            }
            guard let (kind, codePlace, observationCode) = observationKind(object(resource, "code")) else {
                skip(
                    entry,
                    "Observation code not read (not HER2, ER, PR, LVEF, weight, height, BSA, M category or menopausal status)"
                )
                continue
            }
            markRead(entry)
            checkSubject(entry)
            let period = object(resource, "effectivePeriod")
            let effective = string(resource, "effectiveDateTime") ?? string(period, "end") ?? string(period, "start")
            if case .measurement(let type) = kind {
                facts.observations.append(
                    measurement(
                        entry,
                        type: type,
                        code: observationCode,
                        codePlace: codePlace,
                        date: effective,
                        path: "observations[\(facts.observations.count)]"
                    )
                )
                continue
            }
            guard let effective else {
                fail(
                    paths.member(resource.place, "effectiveDateTime"),
                    "is required (or effectivePeriod): the date of the result"
                )
                continue
            }
            guard let day = day(effective) else { continue }
            switch kind {
            case .her2(let ish):
                if let part = her2Part(resource, ish: ish) { her2.append((day, part.part, part.place, entry.place)) }
            case .estrogen, .progesterone:
                if let answer = answer(resource) {
                    var isEstrogen = false
                    if case .estrogen = kind { isEstrogen = true }
                    receptors.append((isEstrogen, day, answer.positive, answer.place))
                }
            case .mCategory:
                if isM1(resource) { mCategory = mCategory ?? entry.place }
            case .menopausal:
                let value = object(resource, "valueCodeableConcept")
                let known: Set<String> = ["premenopausal", "perimenopausal", "postmenopausal", "unknown"]
                if let code = code(in: value, system: "urn:regimen-guard:menopausal-status", known: known) {
                    if menopausal == nil || day >= menopausal!.day { menopausal = (day, node(code.code, code.place)) }
                } else if !errors.contains(where: { $0.path.hasPrefix(paths.render(resource.place)) }) {
                    fail(
                        paths.member(resource.place, "valueCodeableConcept"),
                        "needs a coding in urn:regimen-guard:menopausal-status (premenopausal, perimenopausal, postmenopausal, unknown)"
                    )
                }
            case .measurement: break
            }
        }

        facts.patient.append(("her2_status", her2Status(her2)))
        facts.patient.append(("hr_status", hrStatus(receptors)))
        facts.patient += diseaseSetting(mCategory: mCategory)
        if let menopausal { facts.patient.append(("menopausal_status", menopausal.node)) }
        facts.adverseEvents = adverseEvents()
        facts.overrides = overrides()
        return facts
    }

    /// What an Observation's code says it is, the code's place and the code.
    private mutating func observationKind(_ code: Element?) -> (ObservationKind, Int32, String)? {
        for coding in codings(code) {
            guard let system = coding.system, let value = coding.code else { continue }
            let place = coding.codePlace ?? coding.place
            switch system {
            case FHIRBundleReader.loinc:
                switch value {
                case "48676-1", "85319-2": return (.her2(ish: false), place, value)
                case "85318-4": return (.her2(ish: true), place, value)
                case "16112-5", "85337-4": return (.estrogen, place, value)
                case "16113-3", "85339-0": return (.progesterone, place, value)
                case "21907-1": return (.mCategory, place, value)
                default:
                    // LVEF, weight, height, BSA: the vocabulary's observation table says which codes are which.
                    if let type = vocabulary.observationType(loinc: value) {
                        return (.measurement(type.id), place, value)
                    }
                }
            case FHIRBundleReader.snomed where value == "399387003": return (.mCategory, place, value)
            case "urn:regimen-guard:observation":
                if value == "menopausal-status" { return (.menopausal, place, value) }
                fail(place, "unknown code '\(value)' in urn:regimen-guard:observation; its code is menopausal-status")
                return nil
            default: continue
            }
        }
        return nil
    }

    /// An LVEF, weight, height or BSA as a native observation.
    private mutating func measurement(
        _ entry: Entry,
        type: String,
        code: String,
        codePlace: Int32,
        date: (text: String, place: Int32)?,
        path: String
    ) -> JSONNode {
        var m: [(String, JSONNode)] = [("type", node(type, codePlace))]
        m.append(("loinc", node(code, codePlace)))
        if let quantity = object(entry.resource, "valueQuantity").flatMap({ self.quantity($0) }),
            case .object(let members) = quantity.kind
        {
            m += members.map { ($0.key, $0.value) }
        } else if let value = child(entry.resource, "valueInteger") {
            m.append(("value", JSONNode(value.node.kind, at: paths.location(value.place))))
        }
        if let date { m.append(("date", dateNode(date))) }
        kinds[entry.place] = .observation
        places[path] = EvidencePlace(path: paths.render(entry.place), reference: entry.reference)
        return object(m, entry.place)
    }

    /// A positive or negative answer (LOINC LA6576-8 / LA6577-6) of a receptor or ISH result.
    private mutating func answer(_ resource: Element) -> (positive: Bool, place: Int32)? {
        let value = object(resource, "valueCodeableConcept")
        for coding in codings(value) where coding.system == FHIRBundleReader.loinc {
            if coding.code == FHIRBundleReader.positiveAnswer { return (true, coding.codePlace ?? coding.place) }
            if coding.code == FHIRBundleReader.negativeAnswer { return (false, coding.codePlace ?? coding.place) }
        }
        if let text = string(value, "text") ?? string(resource, "valueString") {
            switch text.text.trimmingSpaces.lowercased() {
            case "positive": return (true, text.place)
            case "negative": return (false, text.place)
            default: break
            }
        }
        fail(
            value?.place ?? paths.member(resource.place, "valueCodeableConcept"),
            "needs a positive or negative answer (LOINC \(FHIRBundleReader.positiveAnswer) or \(FHIRBundleReader.negativeAnswer))"
        )
        return nil
    }

    private mutating func her2Part(_ resource: Element, ish: Bool) -> (part: HER2Part, place: Int32)? {
        let value = object(resource, "valueCodeableConcept")
        for coding in codings(value) {
            let place = coding.codePlace ?? coding.place
            if coding.system == FHIRBundleReader.loinc {
                if coding.code == FHIRBundleReader.positiveAnswer {
                    return (ish ? .ish(positive: true) : .status("positive"), place)
                }
                if coding.code == FHIRBundleReader.negativeAnswer {
                    return (ish ? .ish(positive: false) : .status("negative"), place)
                }
            }
            if coding.system == "urn:regimen-guard:her2-status" {
                let known: Set<String> = ["positive", "negative", "low", "ultralow", "unknown"]
                guard let code = coding.code, known.contains(code) else {
                    fail(
                        place,
                        "unknown code '\(coding.code ?? "")' in urn:regimen-guard:her2-status; its codes are \(known.sorted().joined(separator: ", "))"
                    )
                    return nil
                }
                return (.status(code), place)
            }
        }
        var score: (text: String, place: Int32)?
        if let text = string(resource, "valueString") ?? string(value, "text") {
            score = text
        } else if let number = integer(resource, "valueInteger", minimum: 0) {
            score = (String(number.value), number.place)
        }
        if let score {
            switch score.text.trimmingSpaces.lowercased() {
            case "0": return (.ihc("negative"), score.place)
            case "0+", "ultralow": return (.ihc("ultralow"), score.place)
            case "1", "1+": return (.ihc("low"), score.place)
            case "2", "2+": return (.equivocal, score.place)
            case "3", "3+": return (.ihc("positive"), score.place)
            case "positive": return (ish ? .ish(positive: true) : .status("positive"), score.place)
            case "negative": return (ish ? .ish(positive: false) : .status("negative"), score.place)
            default:
                fail(
                    score.place,
                    "HER2 result '\(score.text)' is not read: an IHC score is 0, 0+ (ultralow), 1+, 2+ or 3+"
                )
                return nil
            }
        }
        fail(
            value?.place ?? paths.member(resource.place, "value[x]"),
            "the HER2 result has no value the mapping reads (answer code, IHC score or urn:regimen-guard:her2-status)"
        )
        return nil
    }

    /// The latest date's HER2 results combined into one status; `unknown` with none.
    private mutating func her2Status(_ results: [(day: Day, part: HER2Part, place: Int32, entry: Int32)]) -> JSONNode {
        guard let latest = results.map(\.day).max() else { return node("unknown", nil) }
        let today = results.filter { $0.day == latest }
        let ishPositive = today.contains { $0.part == .ish(positive: true) }
        let hasIHC = today.contains { if case .ihc = $0.part { true } else { $0.part == .equivocal } }
        var statuses: [(status: String, place: Int32, entry: Int32, part: HER2Part)] = []
        for result in today {
            switch result.part {
            case .status(let s): statuses.append((s, result.place, result.entry, result.part))
            case .ihc(let s): statuses.append((s, result.place, result.entry, result.part))
            case .equivocal:
                statuses.append((ishPositive ? "positive" : "low", result.place, result.entry, result.part))
            case .ish(let positive):
                if positive {
                    statuses.append(("positive", result.place, result.entry, result.part))
                } else if !hasIHC {
                    statuses.append(("negative", result.place, result.entry, result.part))
                }
            }
        }
        if Set(statuses.map(\.status)).count > 1 { statuses.removeAll { $0.status == "unknown" } }
        guard let first = statuses.first else { return node("unknown", nil) }
        if let other = statuses.first(where: { $0.status != first.status }) {
            fail(
                other.entry,
                "HER2 results of \(latest) disagree: \(first.part.text) at \(paths.render(first.entry)) is \(first.status), \(other.part.text) here is \(other.status)"
            )
        }
        return node(first.status, first.place)
    }

    private func hrStatus(_ results: [(estrogen: Bool, day: Day, positive: Bool, place: Int32)]) -> JSONNode {
        func latest(_ estrogen: Bool) -> (positive: Bool, place: Int32)? {
            let mine = results.filter { $0.estrogen == estrogen }
            guard let day = mine.map(\.day).max() else { return nil }
            let today = mine.filter { $0.day == day }
            return today.first { $0.positive }.map { (true, $0.place) } ?? today.first.map { (false, $0.place) }
        }
        let er = latest(true), pr = latest(false)
        if let positive = [er, pr].compactMap({ $0 }).first(where: { $0.positive }) {
            return node("positive", positive.place)
        }
        if let er, let pr { return node("negative", pr.place > er.place ? pr.place : er.place) }
        return node("unknown", nil)
    }

    private mutating func isM1(_ resource: Element) -> Bool {
        func m1(_ text: String?) -> Bool {
            guard var t = text?.trimmingSpaces.uppercased() else { return false }
            if t.hasPrefix("C") || t.hasPrefix("P") { t.removeFirst() }
            return t.hasPrefix("M1")
        }
        let value = object(resource, "valueCodeableConcept")
        if m1(string(value, "text")?.text) || m1(string(resource, "valueString")?.text) { return true }
        return codings(value).contains { m1($0.code) || m1($0.display) }
    }

    /// `disease_setting` and `metastatic_since` from Conditions, else the M category, else invalid.
    private mutating func diseaseSetting(mCategory: Int32?) -> [(String, JSONNode)] {
        var metastatic: Int32?, primary: Int32?
        var since: (day: Day, node: JSONNode)?
        let counting: Set<String> = ["active", "recurrence", "relapse"]
        for entry in entries where entry.type == "Condition" {
            let resource = entry.resource
            let clinical = codings(object(resource, "clinicalStatus")).compactMap(\.code)
            if let status = clinical.first, !counting.contains(status) {
                skip(
                    entry,
                    "Condition clinicalStatus \(FHIRBundleReader.plain(status)): only active, recurrent or relapsed conditions count"
                )
                continue
            }
            let verification = codings(object(resource, "verificationStatus")).compactMap(\.code)
            if let status = verification.first(where: { $0 == "refuted" || $0 == "entered-in-error" }) {
                skip(entry, "Condition verificationStatus \(status)")
                continue
            }
            var profiles: [String] = []
            if let meta = object(resource, "meta") {
                for profile in array(meta, "profile") {
                    if case .string(let url) = profile.node.kind {
                        profiles.append(String(url.split(separator: "|").first ?? ""))
                    }
                }
            }
            let codes = codings(object(resource, "code")).filter { $0.system == FHIRBundleReader.snomed }.compactMap(
                \.code
            )
            let isMetastatic =
                profiles.contains(FHIRBundleReader.secondaryProfile)
                || codes.contains { vocabulary.fhir.metastaticConditions.contains($0) }
            let isPrimary =
                profiles.contains(FHIRBundleReader.primaryProfile)
                || codes.contains { vocabulary.fhir.primaryConditions.contains($0) }
            guard isMetastatic || isPrimary else {
                skip(entry, "Condition is not a primary or secondary cancer condition the mapping reads")
                continue
            }
            markRead(entry)
            checkSubject(entry)
            if isMetastatic {
                metastatic = metastatic ?? entry.place
                if let onset = string(resource, "onsetDateTime"), let day = day(onset), since == nil || day < since!.day
                {
                    since = (day, node(day.description, onset.place))
                }
            } else {
                primary = primary ?? entry.place
            }
        }
        if let metastatic {
            var m: [(String, JSONNode)] = [("disease_setting", node("metastatic", metastatic))]
            if let since { m.append(("metastatic_since", since.node)) }
            return m
        }
        if let mCategory { return [("disease_setting", node("metastatic", mCategory))] }
        if let primary { return [("disease_setting", node("early", primary))] }
        fail(
            FHIRPathTable.root,
            "no disease setting: no active secondary (metastatic) or primary breast cancer Condition, and no M1 category"
        )
        return [("disease_setting", node("metastatic", FHIRPathTable.root))]
    }

    // MARK: - Adverse events and overrides

    private mutating func adverseEvents() -> [JSONNode] {
        var out: [JSONNode] = []
        for entry in entries where entry.type == "AdverseEvent" {
            let resource = entry.resource
            let actuality = string(resource, "actuality")?.text ?? "(none)"
            guard actuality == "actual" else {
                skip(entry, "AdverseEvent actuality \(FHIRBundleReader.plain(actuality)): only actual events are read")
                continue
            }
            var event: JSONNode?
            for coding in codings(object(resource, "event")) where coding.system == FHIRBundleReader.snomed {
                switch coding.code {
                case "233703007", "205237003": event = node("ild", coding.codePlace)
                case "84114007": event = node("heart_failure", coding.codePlace)
                default: continue
                }
                break
            }
            guard let event else {
                skip(
                    entry,
                    "AdverseEvent event not read (only interstitial lung disease, pneumonitis and heart failure)"
                )
                continue
            }
            markRead(entry)
            checkSubject(entry)
            var m: [(String, JSONNode)] = [("event", event)]
            if let grade = extensions(resource, url: "urn:regimen-guard:ctcae-grade").first.flatMap({
                child($0, "valueInteger")
            }) {
                m.append(("grade", JSONNode(grade.node.kind, at: paths.location(grade.place))))
            } else {
                for coding in codings(object(resource, "severity")) {
                    guard let grade = ["mild": 1, "moderate": 2, "severe": 3][coding.code ?? ""] else { continue }
                    m.append(
                        (
                            "grade",
                            JSONNode(.number(String(grade)), at: paths.location(coding.codePlace ?? coding.place))
                        )
                    )
                    break
                }
            }
            if let date = string(resource, "date") { m.append(("date", dateNode(date))) }
            if let instance = object(first(resource, "suspectEntity"), "instance"),
                let drug = suspect(instance, from: entry.index)
            {
                m.append(("drug", drug))
            }
            kinds[entry.place] = .adverseEvent
            places["adverse_events[\(out.count)]"] = EvidencePlace(
                path: paths.render(entry.place),
                reference: entry.reference
            )
            out.append(object(m, entry.place))
        }
        return out
    }

    /// The suspected drug of an adverse event: a Medication, or a medication resource's drug, as a native name.
    private mutating func suspect(_ reference: Element, from entry: Int) -> JSONNode? {
        var members: [(String, JSONNode)]
        if let text = string(reference, "reference"), let target = resolve(text.text, from: entry),
            ["MedicationRequest", "MedicationAdministration", "MedicationStatement"].contains(target.type),
            !target.contained
        {
            members = []
            drug(entries[target.entry], into: &members)
        } else {
            members = medication(reference, from: entry)
        }
        if let code = members.first(where: { $0.0 == "code" })?.1, case .object(let fields) = code.kind,
            case .string(let system)? = fields.first(where: { $0.key == "system" })?.value.kind,
            case .string(let value)? = fields.first(where: { $0.key == "code" })?.value.kind,
            let kind = DrugCode.System(rawValue: system),
            let agent = vocabulary.agent(for: DrugCode(system: kind, code: value))
        {
            return JSONNode(.string(agent.id), at: code.location)
        }
        return members.first { $0.0 == "drug" }?.1
    }

    private mutating func overrides() -> [JSONNode] {
        var out: [JSONNode] = []
        for entry in entries where entry.type == "DetectedIssue" {
            let resource = entry.resource
            let status = string(resource, "status")?.text ?? "(none)"
            guard status == "final" else {
                skip(entry, "DetectedIssue status \(FHIRBundleReader.plain(status)): only final ones are overrides")
                continue
            }
            guard let rule = codings(object(resource, "code")).first(where: { $0.system == "urn:regimen-guard:rule" })
            else {
                skip(entry, "DetectedIssue without a urn:regimen-guard:rule coding is not an override")
                continue
            }
            markRead(entry)
            checkSubject(entry, key: "patient")
            var m: [(String, JSONNode)] = []
            if let code = rule.code { m.append(("rule", node(code, rule.codePlace))) }
            if let reason = string(object(first(resource, "mitigation"), "action"), "text") {
                m.append(("reason", node(reason.text, reason.place)))
            }
            let author = object(resource, "author")
            if let by = string(author, "display") ?? string(author, "reference") {
                m.append(("by", node(by.text, by.place)))
            }
            kinds[entry.place] = .override
            out.append(object(m, entry.place))
        }
        return out
    }
}
