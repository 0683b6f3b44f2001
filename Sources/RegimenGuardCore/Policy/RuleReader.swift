import Yams

/// Reads one rule of the policy, checking its kind's parameters and every class, group and ingredient it names.
struct RuleReader {
    let classes: Set<String>
    let groups: [String: Set<String>]
    let groupIngredients: [String: Set<String>]
    let ingredients: Set<String>
    let hasLVEF: Bool
    let vocabulary: Vocabulary

    static let common: Set<String> = [
        "kind", "severity", "enabled", "title", "detail", "recommendation", "references", "message_id", "when",
    ]
    static let parameters: [RuleKind: Set<String>] = [
        .overlap: ["first", "second", "washout_after_first", "exempt"],
        .missingObservation: ["trigger", "observation", "baseline_days"],
        .continuation: [
            "targeted", "companion", "end_tolerance_days", "accepted_stop_reasons", "progression_on_any_item",
            "maintenance_lookback_days",
        ],
        .requiredBackbone: [
            "trigger", "backbone", "first_line_only", "prior_therapy", "supported_after_backbone",
            "off_evidence_severity",
        ],
    ]

    mutating func read(_ id: String, _ node: Node, _ reader: inout YAMLReader) -> RuleDefinition? {
        let path = "rules.\(id)"
        if !RuleReader.isValidID(id) {
            reader.fail(node, path, "rule ids are lower-case letters, digits and '-'")
        }
        guard let kindNode = node.mapping?["kind"], let kindText = kindNode.string else {
            reader.fail(node, "\(path).kind", "is required: one of \(RuleKind.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let kind = RuleKind(rawValue: kindText) else {
            reader.fail(kindNode, "\(path).kind", "unknown rule kind '\(kindText)'; the kinds are \(RuleKind.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        let allowed = RuleReader.common.union(RuleReader.parameters[kind] ?? [])
        guard let f = reader.mapping(node, path, allowed: allowed, required: ["severity", "title", "detail", "recommendation", "message_id"]) else { return nil }
        let before = reader.issues.count
        let severity: Severity? = reader.enumValue(f, "severity", path)
        let enabled = reader.bool(f, "enabled", path) ?? true
        let messageID = reader.string(f, "message_id", path)
        if let messageID, !RuleReader.isMessageID(messageID) {
            reader.fail(f["message_id"], "\(path).message_id", "must be 32 lower-case hex digits (journalctl --new-id128)")
        }
        let when = readCondition(f["when"], "\(path).when", &reader)
        let parameters = readParameters(kind, f, path, &reader)
        guard reader.issues.count == before, let severity, let messageID, let parameters else { return nil }
        return RuleDefinition(
            id: id, kind: kind, severity: severity, enabled: enabled, title: reader.string(f, "title", path) ?? id,
            detail: reader.string(f, "detail", path) ?? "", recommendation: reader.string(f, "recommendation", path) ?? "",
            references: reader.strings(f, "references", path) ?? [], messageID: messageID, when: when,
            parameters: parameters)
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    static func isMessageID(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    private func readParameters(
        _ kind: RuleKind, _ f: [String: Node], _ path: String, _ reader: inout YAMLReader
    ) -> RuleParameters? {
        switch kind {
        case .overlap:
            let first = gradedSelectors(f, "first", path, &reader, required: true)
            let second = gradedSelectors(f, "second", path, &reader, required: true)
            let washout = f["washout_after_first"].flatMap { duration($0, "\(path).washout_after_first", &reader) }
            let exempt = selectors(f, "exempt", path, &reader, required: false)
            guard let first, let second else { return nil }
            return .overlap(first: first, second: second, washout: washout, exempt: exempt ?? [])
        case .missingObservation:
            let trigger = selectors(f, "trigger", path, &reader, required: true)
            let observation = reader.string(f, "observation", path)
            if observation == nil { reader.fail(nil, "\(path).observation", "is required (lvef)") }
            if let observation, observation != "lvef" {
                reader.fail(f["observation"], "\(path).observation", "unknown observation '\(observation)'; this version knows lvef")
            }
            if observation == "lvef" && !hasLVEF {
                reader.fail(f["observation"], "\(path).observation", "the policy set lists no LVEF LOINC codes (observations.lvef.loinc)")
            }
            let days = reader.integer(f, "baseline_days", path, range: 0...3650)
            if f["baseline_days"] == nil { reader.fail(nil, "\(path).baseline_days", "is required") }
            guard let trigger, let observation, let days else { return nil }
            return .missingObservation(trigger: trigger, observation: observation, baselineDays: days)
        case .continuation:
            let targeted = selectors(f, "targeted", path, &reader, required: true)
            let companion = selectors(f, "companion", path, &reader, required: true)
            let tolerance = reader.integer(f, "end_tolerance_days", path, range: 0...365) ?? 0
            let lookback = reader.integer(f, "maintenance_lookback_days", path, range: 0...3650) ?? 180
            var reasons: Set<StopReason> = []
            for (index, text) in (reader.strings(f, "accepted_stop_reasons", path) ?? []).enumerated() {
                if let reason = StopReason(rawValue: text) { reasons.insert(reason) } else {
                    reader.fail(f["accepted_stop_reasons"], "\(path).accepted_stop_reasons[\(index)]", "unknown stop reason '\(text)'; expected one of \(StopReason.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
            let progressionAny = reader.bool(f, "progression_on_any_item", path) ?? true
            guard let targeted, let companion else { return nil }
            return .continuation(
                targeted: targeted, companion: companion, toleranceDays: tolerance, acceptedStopReasons: reasons,
                progressionOnAnyItem: progressionAny, lookbackDays: lookback)
        case .requiredBackbone:
            let trigger = selectors(f, "trigger", path, &reader, required: true)
            let backbone = selectors(f, "backbone", path, &reader, required: true)
            let firstLineOnly = reader.bool(f, "first_line_only", path) ?? true
            let prior = selectors(f, "prior_therapy", path, &reader, required: false) ?? []
            let supported = selectors(f, "supported_after_backbone", path, &reader, required: false) ?? []
            let offEvidence: Severity? = reader.enumValue(f, "off_evidence_severity", path)
            guard let trigger, let backbone else { return nil }
            return .requiredBackbone(
                trigger: trigger, backbone: backbone, firstLineOnly: firstLineOnly, priorTherapy: prior,
                supportedAfterBackbone: supported, offEvidenceSeverity: offEvidence)
        }
    }

    func selector(_ text: String) -> Selector? {
        var selector: Selector
        if text.hasPrefix("ingredient:") {
            let id = String(text.dropFirst("ingredient:".count))
            guard ingredients.contains(id) else { return nil }
            selector = Selector(text: text, classes: [], ingredients: [id])
        } else if let members = groups[text] {
            selector = Selector(text: text, classes: members, ingredients: groupIngredients[text] ?? [])
        } else if classes.contains(text) {
            selector = Selector(text: text, classes: [text], ingredients: [])
        } else {
            return nil
        }
        selector.classMask = vocabulary.classMask(selector.classes)
        return selector
    }

    private func selectors(
        _ f: [String: Node], _ key: String, _ path: String, _ reader: inout YAMLReader, required: Bool
    ) -> [Selector]? {
        guard let texts = reader.strings(f, key, path) else {
            if required { reader.fail(nil, "\(path).\(key)", "is required") }
            return nil
        }
        var result: [Selector] = []
        for (index, text) in texts.enumerated() {
            if let selector = selector(text) { result.append(selector) } else {
                reader.fail(f[key], "\(path).\(key)[\(index)]", "unknown class, group or ingredient '\(text)'")
            }
        }
        if result.isEmpty && required { reader.fail(f[key], "\(path).\(key)", "must name at least one class") }
        return result
    }

    /// `[group, {select: CLASS, severity: warning}, ...]`
    private func gradedSelectors(
        _ f: [String: Node], _ key: String, _ path: String, _ reader: inout YAMLReader, required: Bool
    ) -> [GradedSelector]? {
        guard let node = f[key] else {
            if required { reader.fail(nil, "\(path).\(key)", "is required") }
            return nil
        }
        let elements: [Node]
        if case .sequence(let sequence) = node { elements = Array(sequence) } else { elements = [node] }
        var result: [GradedSelector] = []
        for (index, element) in elements.enumerated() {
            let elementPath = "\(path).\(key)[\(index)]"
            var text: String?
            var severity: Severity?
            if let scalar = element.string, element.mapping == nil {
                text = scalar
            } else if let fields = reader.mapping(element, elementPath, allowed: ["select", "severity"], required: ["select"]) {
                text = reader.string(fields, "select", elementPath)
                severity = reader.enumValue(fields, "severity", elementPath)
            }
            guard let text else { continue }
            if let selector = selector(text) { result.append(GradedSelector(selector: selector, severity: severity)) } else {
                reader.fail(element, elementPath, "unknown class, group or ingredient '\(text)'")
            }
        }
        return result.isEmpty ? nil : result
    }

    private func readCondition(_ node: Node?, _ path: String, _ reader: inout YAMLReader) -> PatientCondition {
        guard let f = reader.mapping(node, path, allowed: ["her2_status", "hr_status", "disease_setting", "menopausal_status"]) else {
            return PatientCondition()
        }
        func values<E: RawRepresentable & CaseIterable & Hashable>(_ key: String, _ type: E.Type) -> Set<E>? where E.RawValue == String {
            guard let texts = reader.strings(f, key, path) else { return nil }
            var set: Set<E> = []
            for text in texts {
                if let value = E(rawValue: text) { set.insert(value) } else {
                    reader.fail(f[key], "\(path).\(key)", "unknown value '\(text)'; expected one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
            return set
        }
        return PatientCondition(
            her2Status: values("her2_status", HER2Status.self), hrStatus: values("hr_status", HRStatus.self),
            diseaseSetting: values("disease_setting", DiseaseSetting.self),
            menopausalStatus: values("menopausal_status", MenopausalStatus.self))
    }

    /// `{months: 7}`, `{days: 210}` or `{weeks: 30}`.
    private func duration(_ node: Node, _ path: String, _ reader: inout YAMLReader) -> PolicyDuration? {
        guard let f = reader.mapping(node, path, allowed: ["days", "weeks", "months"]) else { return nil }
        guard f.count == 1, let (unit, _) = f.first else {
            reader.fail(node, path, "give exactly one of days, weeks or months")
            return nil
        }
        guard let n = reader.integer(f, unit, path, range: 0...3650) else { return nil }
        switch unit {
        case "days": return .days(n)
        case "weeks": return .weeks(n)
        default: return .months(n)
        }
    }
}
