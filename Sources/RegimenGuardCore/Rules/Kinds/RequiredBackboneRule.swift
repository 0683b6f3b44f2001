/// A class ordered in first line (ORDERS.md 4.1) without a required backbone in the order or the history
/// (`cdk46-replaces-thp`, `first-line-without-thp`); after the backbone, only the supported agents of the class have
/// evidence. `unless_ordered`: classes whose presence in the order leaves the case to another rule.
/// `backbone_history: metastatic` counts only history given for metastatic disease towards the backbone (adjuvant
/// THP is not first-line THP); `any` (the default) counts every history item.
struct RequiredBackboneRule: RuleKind {
    static let name = "required-backbone"
    static let parameterKeys: Set<String> = [
        "trigger", "backbone", "first_line_only", "prior_therapy", "supported_after_backbone", "off_evidence_severity",
        "unless_ordered", "backbone_history",
    ]

    var trigger: [Selector]
    var backbone: [Selector]
    var firstLineOnly: Bool
    var priorTherapy: [Selector]
    var supportedAfterBackbone: [Selector]
    var offEvidenceSeverity: Severity?
    var unlessOrdered: [Selector]
    var metastaticBackboneOnly: Bool
    /// `missing` (`{trigger} {backbone} {missing} {present}`), `present` (`{present}`: the part naming what is
    /// there, empty when nothing is), `off_evidence` (`{trigger} {backbone} {supported}`, only with
    /// `supported_after_backbone`).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> RequiredBackboneRule? {
        let trigger = p.selectors("trigger", required: true)
        let backbone = p.selectors("backbone", required: true)
        let firstLineOnly = p.bool("first_line_only") ?? true
        let prior = p.selectors("prior_therapy", required: false) ?? []
        let supported = p.selectors("supported_after_backbone", required: false) ?? []
        let offEvidence = p.severity("off_evidence_severity")
        let unless = p.selectors("unless_ordered", required: false) ?? []
        let backboneHistory = p.choice("backbone_history", ["any", "metastatic"]) ?? "any"
        var templates: [String: [String]] = [
            "missing": ["trigger", "backbone", "missing", "present"],
            "present": ["present"],
        ]
        if p.has("supported_after_backbone") { templates["off_evidence"] = ["trigger", "backbone", "supported"] }
        let messages = p.messages(templates)
        guard let trigger, let backbone, let messages else { return nil }
        return RequiredBackboneRule(
            trigger: trigger,
            backbone: backbone,
            firstLineOnly: firstLineOnly,
            priorTherapy: prior,
            supportedAfterBackbone: supported,
            offEvidenceSeverity: offEvidence,
            unlessOrdered: unless,
            metastaticBackboneOnly: backboneHistory == "metastatic",
            messages: messages
        )
    }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        let triggers = context.medications.filter { trigger.matches($0.agent) }
        guard !triggers.isEmpty, !context.medications.contains(where: { unlessOrdered.matches($0.agent) }) else {
            return []
        }
        if firstLineOnly {
            guard LineOfTherapy.firstLine(context, prior: priorTherapy) != nil else { return [] }
        }
        let all =
            context.medications + (metastaticBackboneOnly ? LineOfTherapy.metastaticHistory(context) : context.history)
        let missing = backbone.filter { component in !all.contains { component.matches($0.agent) } }
        if !missing.isEmpty {
            let present = backbone.filter { !missing.contains($0) }
            let presentNote =
                present.isEmpty ? "" : messages["present"]!.render(["present": listed(present.map(\.displayName))])
            return [
                RawFinding(
                    severity: rule.severity,
                    summary: messages["missing"]!.render([
                        "trigger": listed(triggers.map(\.name)), "backbone": listed(backbone.map(\.displayName)),
                        "missing": listed(missing.map(\.displayName)), "present": presentNote,
                    ]),
                    evidence: Array(triggers.map(\.evidence).prefix(MergedFindings.evidenceCap))
                )
            ]
        }
        guard let offEvidenceSeverity, !supportedAfterBackbone.isEmpty else { return [] }
        let offEvidence = triggers.filter { !supportedAfterBackbone.matches($0.agent) }
        guard !offEvidence.isEmpty else { return [] }
        let backboneItems = all.filter { item in backbone.contains { $0.matches(item.agent) } }
        return [
            RawFinding(
                severity: offEvidenceSeverity,
                summary: messages["off_evidence"]!.render([
                    "trigger": listed(offEvidence.map(\.name)), "backbone": listed(backbone.map(\.displayName)),
                    "supported": listed(supportedAfterBackbone.map(\.displayName)),
                ]),
                evidence: Array((offEvidence + backboneItems).map(\.evidence).prefix(MergedFindings.evidenceCap))
            )
        ]
    }
}

extension Selector {
    /// A readable name: `ingredient:trastuzumab` → trastuzumab, `taxane` → a taxane.
    var displayName: String {
        if text.hasPrefix("ingredient:") { return String(text.dropFirst("ingredient:".count)) }
        let words = text.lowercased().split(separator: "_").joined(separator: " ")
        return "a \(words)"
    }
}
