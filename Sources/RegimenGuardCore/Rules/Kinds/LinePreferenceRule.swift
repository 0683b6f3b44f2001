/// In a given line of therapy (ORDERS.md 4.1: 1 or 2), an agent ordered when a preferred one has not been given
/// (`tdxd-preferred-second-line`: T-DM1 in second line with no T-DXd in the history).
struct LinePreferenceRule: RuleKind {
    static let name = "line-preference"
    static let parameterKeys: Set<String> = ["line", "prior_therapy", "trigger", "preferred"]

    var line: Int
    /// The therapy the line is inferred from when `line_of_therapy` is absent: for first line, any of it for
    /// metastatic disease makes a later line; for second line, it is the therapy that stopped for progression.
    var priorTherapy: [Selector]
    var trigger: [Selector]
    var preferred: [Selector]
    /// `summary` (`{trigger} {start} {line}`), `line_given` (`{line}`), `line_inferred` (`{items}`: the history
    /// items the line rests on, with their end), `item` (`{drug} {end}`).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> LinePreferenceRule? {
        let line = p.integer("line", range: 1...2)
        if !p.has("line") { p.require("line") }
        let prior = p.selectors("prior_therapy", required: true)
        let trigger = p.selectors("trigger", required: true)
        let preferred = p.selectors("preferred", required: true)
        let messages = p.messages([
            "summary": ["trigger", "start", "line"],
            "line_given": ["line"],
            "line_inferred": ["items"],
            "item": ["drug", "end"],
        ])
        guard let line, let prior, let trigger, let preferred, let messages else { return nil }
        return LinePreferenceRule(
            line: line,
            priorTherapy: prior,
            trigger: trigger,
            preferred: preferred,
            messages: messages
        )
    }

    /// A few passes over the order and the history (the line inference is linear).
    func cost(_ context: RuleContext) -> Int { max(1, 4 * context.all.count) }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        let triggers = context.medications.filter { trigger.matches($0.agent) }
        guard let start = triggers.map(\.window.start).min() else { return [] }
        guard !context.history.contains(where: { preferred.matches($0.agent) }) else { return [] }
        guard let basis = LineOfTherapy.line(line, context, prior: priorTherapy) else { return [] }
        let lineText: String
        var evidence = triggers
        switch basis {
        case .given(let n): lineText = messages["line_given"]!.render(["line": "\(n)"])
        case .inferred(let items):
            evidence += items
            lineText = messages["line_inferred"]!.render([
                "items": listed(
                    items.map {
                        messages["item"]!.render([
                            "drug": $0.name, "end": $0.window.end?.description ?? $0.window.description,
                        ])
                    }
                )
            ])
        }
        return [
            RawFinding(
                severity: rule.severity,
                summary: messages["summary"]!.render([
                    "trigger": listed(triggers.map(\.name)), "start": start.description, "line": lineText,
                ]),
                evidence: Array(evidence.map(\.evidence).prefix(MergedFindings.evidenceCap))
            )
        ]
    }
}
