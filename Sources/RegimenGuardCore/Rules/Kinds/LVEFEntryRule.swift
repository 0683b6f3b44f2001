/// A first exposure (no `prior` agent in the history) to a `trigger` agent whose baseline LVEF, the latest on or
/// before the agent's first start in the order (and within `baseline_days` of it), is below the entry threshold for the patient's disease setting
/// (`lvef-low-at-baseline`). Agents judged on the same LVEF share one finding. A missing baseline is another rule's.
struct LVEFEntryRule: RuleKind {
    static let name = "lvef-entry"
    static let parameterKeys: Set<String> = ["trigger", "prior", "observation", "entry", "baseline_days"]

    struct Threshold: Sendable {
        /// A baseline below this value (%) is flagged.
        var below: Double
        /// Why this threshold (trial entry criterion), for the finding.
        var says: String
    }

    var trigger: [Selector]
    var prior: [Selector]
    var observation: String
    var entry: [DiseaseSetting: Threshold]
    /// An older LVEF is no baseline (`lvef-baseline-missing` says so); nil: any age.
    var baselineDays: Int?
    /// `summary` (`{value} {date} {agents} {threshold} {says}`), `agent` (`{agent} {start}`), `note` (`{value}`).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> LVEFEntryRule? {
        let trigger = p.selectors("trigger", required: true)
        let prior = p.selectors("prior", required: true)
        let observation = p.observationType("observation")
        var entry: [DiseaseSetting: Threshold] = [:]
        let at = "\(p.path).entry"
        if let f = p.reader.mapping(p.fields["entry"], at, allowed: Set(DiseaseSetting.allCases.map(\.rawValue))) {
            for setting in DiseaseSetting.allCases {
                guard let node = f[setting.rawValue] else { continue }
                let path = "\(at).\(setting.rawValue)"
                guard let t = p.reader.mapping(node, path, allowed: ["below", "says"], required: ["below", "says"]),
                    let below = p.reader.number(t, "below", path, range: 1...100),
                    let says = p.reader.string(t, "says", path)
                else { continue }
                entry[setting] = Threshold(below: below, says: says)
            }
            if f.isEmpty {
                p.fail(
                    "entry",
                    "gives no disease setting; use \(DiseaseSetting.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        } else if !p.has("entry") {
            p.require("entry")
        }
        let baselineDays = p.integer("baseline_days", range: 0...3650)
        let messages = p.messages([
            "summary": ["value", "date", "agents", "threshold", "says"],
            "agent": ["agent", "start"],
            "note": ["value"],
        ])
        guard let trigger, let prior, let observation, let messages else { return nil }
        return LVEFEntryRule(
            trigger: trigger,
            prior: prior,
            observation: observation,
            entry: entry,
            baselineDays: baselineDays,
            messages: messages
        )
    }

    /// One pass over the items; each looks up its LVEF (or weight, BSA) in a sorted timeline.
    func cost(_ context: RuleContext) -> Int { context.linearCost }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        guard let threshold = entry[context.order.patient.diseaseSetting] else { return [] }
        guard !context.history.contains(where: { prior.matches($0.agent) }) else { return [] }
        let firstStarts = context.firstStarts(matching: trigger)
        guard !firstStarts.isEmpty else { return [] }
        let lvef = ObservationTimeline(context.order, type: observation)
        var low: [(baseline: Observation, items: [ResolvedItem])] = []
        for item in firstStarts.map(\.first) {
            guard let baseline = lvef.latest(onOrBefore: item.item.start, withinDays: baselineDays),
                baseline.value < threshold.below - 1e-9
            else { continue }
            if let i = low.firstIndex(where: { $0.baseline.path == baseline.path }) {
                low[i].items.append(item)
            } else {
                low.append((baseline, [item]))
            }
        }
        return low.map { group in
            let agents = group.items.map {
                messages["agent"]!.render(["agent": $0.name, "start": $0.item.start.description])
            }
            return RawFinding(
                severity: rule.severity,
                summary: messages["summary"]!.render([
                    "value": group.baseline.shownValue, "date": group.baseline.date.description,
                    "agents": listed(agents),
                    "threshold": shown(threshold.below), "says": threshold.says,
                ]),
                evidence: group.items.map(\.evidence)
                    + [group.baseline.evidence(messages["note"]!.render(["value": group.baseline.shownValue]))]
            )
        }
    }
}
