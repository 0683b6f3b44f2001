/// A class started with no observation of a type dated within a baseline window on or before its first start in
/// the order (`lvef-baseline-missing`). Each triggering agent needs its own baseline.
struct MissingObservationRule: RuleKind {
    static let name = "missing-observation"
    static let parameterKeys: Set<String> = ["trigger", "observation", "baseline_days"]

    var trigger: [Selector]
    /// The observation type, as the vocabulary names it (`lvef`).
    var observation: String
    var baselineDays: Int
    /// `summary` (`{days} {agents} {latest}`), `agent` (`{agent} {start}`), `latest_none`, `latest_before`
    /// (`{date} {days}`), `latest_after` (`{date}`), `note` (`{value}`: the evidence note of an observation).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> MissingObservationRule? {
        let trigger = p.selectors("trigger", required: true)
        let observation = p.observationType("observation")
        let days = p.integer("baseline_days", range: 0...3650)
        p.require("baseline_days")
        let messages = p.messages([
            "summary": ["days", "agents", "latest"],
            "agent": ["agent", "start"],
            "latest_none": [],
            "latest_before": ["date", "days"],
            "latest_after": ["date"],
            "note": ["value"],
        ])
        guard let trigger, let observation, let days, let messages else { return nil }
        return MissingObservationRule(
            trigger: trigger,
            observation: observation,
            baselineDays: days,
            messages: messages
        )
    }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        let firstStarts = context.firstStarts(matching: trigger)
        guard !firstStarts.isEmpty else { return [] }
        let measured = context.order.observations.filter { $0.isType(observation) }
        let missing = firstStarts.filter { entry in
            !measured.contains { $0.date <= entry.start && $0.date.days(to: entry.start) <= baselineDays }
        }
        guard !missing.isEmpty else { return [] }
        let agents = missing.map {
            messages["agent"]!.render(["agent": $0.items[0].name, "start": $0.start.description])
        }
        var evidence = Array(missing.flatMap(\.items).map(\.evidence).prefix(MergedFindings.evidenceCap))
        var latest = messages["latest_none"]!.render([:])
        let earliest = missing.map(\.start).min()!
        func note(_ o: Observation) -> String { messages["note"]!.render(["value": o.valueText]) }
        if let before = measured.filter({ $0.date <= earliest }).max(by: { $0.date < $1.date }) {
            latest = messages["latest_before"]!.render([
                "date": before.date.description, "days": "\(before.date.days(to: earliest))",
            ])
            evidence.append(Evidence(path: before.path, start: before.date.description, note: note(before)))
        } else if let after = measured.min(by: { $0.date < $1.date }) {
            latest = messages["latest_after"]!.render(["date": after.date.description])
            evidence.append(Evidence(path: after.path, start: after.date.description, note: note(after)))
        }
        return [
            RawFinding(
                severity: rule.severity,
                summary: messages["summary"]!.render([
                    "days": "\(baselineDays)", "agents": listed(agents), "latest": latest,
                ]),
                evidence: evidence
            )
        ]
    }
}
