/// A class in the order whose window runs past the latest observation of a type plus a monitoring interval
/// (`lvef-monitoring-due`: LVEF every 13 weeks on HER2 antibodies). The finding names the date the next
/// measurement is due. Without any such observation there is nothing to count from, and no finding: a missing
/// baseline is `missing-observation`'s.
struct ObservationIntervalRule: RuleKind {
    static let name = "observation-interval"
    static let parameterKeys: Set<String> = ["trigger", "observation", "interval"]

    var trigger: [Selector]
    var observation: String
    var interval: PolicyDuration
    /// `summary` (`{agents} {due} {date} {value} {interval}`), `agent` (`{agent} {window}`).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> ObservationIntervalRule? {
        let trigger = p.selectors("trigger", required: true)
        let observation = p.observationType("observation")
        let interval = p.duration("interval")
        if !p.has("interval") { p.require("interval") }
        let messages = p.messages([
            "summary": ["agents", "due", "date", "value", "interval"],
            "agent": ["agent", "window"],
        ])
        guard let trigger, let observation, let interval, let messages else { return nil }
        return ObservationIntervalRule(
            trigger: trigger,
            observation: observation,
            interval: interval,
            messages: messages
        )
    }

    /// One pass over the order's items and one over the observations.
    func cost(_ context: RuleContext) -> Int { max(1, context.medications.count + context.order.observations.count) }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        let triggers = context.medications.filter { trigger.matches($0.agent) }
        guard !triggers.isEmpty else { return [] }
        guard let latest = context.order.observations.filter({ $0.isType(observation) }).max(by: { $0.date < $1.date })
        else {
            return []
        }
        let due = interval.after(latest.date)
        let past = triggers.filter { item in item.window.end.map { $0 > due } ?? true }
        guard !past.isEmpty else { return [] }
        let agents = past.map { messages["agent"]!.render(["agent": $0.name, "window": $0.window.description]) }
        var evidence = Array(past.map(\.evidence).prefix(MergedFindings.evidenceCap - 1))
        evidence.append(Evidence(path: latest.path, start: latest.date.description, note: latest.valueText))
        return [
            RawFinding(
                severity: rule.severity,
                summary: messages["summary"]!.render([
                    "agents": listed(agents), "due": due.description, "date": latest.date.description,
                    "value": latest.valueText, "interval": interval.description,
                ]),
                evidence: evidence
            )
        ]
    }
}
