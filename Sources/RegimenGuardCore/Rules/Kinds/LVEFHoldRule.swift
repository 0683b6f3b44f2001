/// An agent started while its latest LVEF meets that agent's hold criterion, judged against the pre-treatment LVEF
/// (`lvef-hold-threshold`).
///
/// The pre-treatment LVEF is the latest on or before the first start of a `trigger` agent in the history, or, with
/// none in the history, the latest on or before the order's first such start (then it is usually the latest value
/// itself, and only criteria without a fall can be met). Each item of a `trigger` agent in the order is judged on the
/// latest LVEF on or before its own start, with the first row of `criteria` that names its agent; agents without a
/// row are not judged. A row's `hold` criteria are alternatives; the conditions inside one are all required.
struct LVEFHoldRule: RuleKind {
    static let name = "lvef-hold"
    static let parameterKeys: Set<String> = ["trigger", "observation", "lower_limit_of_normal", "criteria"]

    /// One hold criterion: every condition given must hold. LVEF bounds are on the latest value (%), falls are in
    /// points from the pre-treatment value and need a pre-treatment value other than the latest.
    struct Criterion: Sendable {
        var below: Double?
        var atLeast: Double?
        var atMost: Double?
        var belowLowerLimit = false
        var fallAtLeast: Double?
        var fallAbove: Double?
        var fallAtMost: Double?
        /// What the finding says was met (`{lln}`: the lower limit of normal).
        var says: MessageTemplate

        static let keys: Set<String> = [
            "below", "at_least", "at_most", "below_lower_limit_of_normal", "fall_at_least", "fall_above",
            "fall_at_most",
            "says",
        ]

        func isMet(latest: Double, fall: Double?, lowerLimit: Double) -> Bool {
            if let below, !(latest < below - 1e-9) { return false }
            if let atLeast, !isAtLeast(latest, atLeast) { return false }
            if let atMost, !isAtMost(latest, atMost) { return false }
            if belowLowerLimit, !(latest < lowerLimit - 1e-9) { return false }
            let needsFall = fallAtLeast != nil || fallAbove != nil || fallAtMost != nil
            guard needsFall else { return true }
            guard let fall else { return false }
            if let fallAtLeast, !isAtLeast(fall, fallAtLeast) { return false }
            if let fallAbove, !(fall > fallAbove + 1e-9) { return false }
            if let fallAtMost, !isAtMost(fall, fallAtMost) { return false }
            return true
        }
    }

    struct Row: Sendable {
        var match: AgentMatch
        var hold: [Criterion]
    }

    var trigger: [Selector]
    var observation: String
    var lowerLimit: Double
    var rows: [Row]
    /// `summary` (`{agent} {start} {latest} {latest_date} {comparison} {criterion}`), `comparison_fall` and
    /// `comparison_no_fall` (`{points} {baseline} {baseline_date}`), `comparison_same`, `comparison_none`
    /// (`{history_start}`), `note_latest` and `note_baseline` (`{value}`: evidence notes).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> LVEFHoldRule? {
        let trigger = p.selectors("trigger", required: true)
        let observation = p.observationType("observation")
        let lowerLimit = p.number("lower_limit_of_normal", range: 1...100)
        p.require("lower_limit_of_normal")
        var rows: [Row] = []
        for row in p.rows("criteria", allowed: ["agents", "select", "hold"], required: ["hold"]) ?? [] {
            let match = p.agentMatch(row)
            var hold: [Criterion] = []
            for criterion in p.rows("hold", allowed: Criterion.keys, required: ["says"], at: row.path, in: row.fields)
                ?? []
            {
                if let c = readCriterion(&p, criterion) { hold.append(c) }
            }
            if let match, !hold.isEmpty { rows.append(Row(match: match, hold: hold)) }
        }
        let messages = p.messages([
            "summary": ["agent", "start", "latest", "latest_date", "comparison", "criterion"],
            "comparison_fall": ["points", "baseline", "baseline_date"],
            "comparison_no_fall": ["points", "baseline", "baseline_date"],
            "comparison_same": [],
            "comparison_none": ["history_start"],
            "note_latest": ["value"],
            "note_baseline": ["value"],
        ])
        guard let trigger, let observation, let lowerLimit, let messages else { return nil }
        return LVEFHoldRule(
            trigger: trigger,
            observation: observation,
            lowerLimit: lowerLimit,
            rows: rows,
            messages: messages
        )
    }

    private static func readCriterion(_ p: inout RuleParameters, _ row: TableRow) -> Criterion? {
        let before = p.reader.issues.count
        func percent(_ key: String) -> Double? { p.reader.number(row.fields, key, row.path, range: 0...100) }
        let says = p.template(row, "says", slots: ["lln"], required: true)
        let criterion = Criterion(
            below: percent("below"),
            atLeast: percent("at_least"),
            atMost: percent("at_most"),
            belowLowerLimit: p.reader.bool(row.fields, "below_lower_limit_of_normal", row.path) ?? false,
            fallAtLeast: percent("fall_at_least"),
            fallAbove: percent("fall_above"),
            fallAtMost: percent("fall_at_most"),
            says: says ?? MessageTemplate(parts: [])
        )
        let conditions = Criterion.keys.subtracting(["says"])
        if !row.fields.keys.contains(where: conditions.contains) {
            p.reader.fail(row.node, row.path, "gives no condition; use \(conditions.sorted().joined(separator: ", "))")
        }
        if let low = criterion.atLeast, let high = criterion.atMost, low > high {
            p.reader.fail(row.node, "\(row.path).at_least", "is above at_most")
        }
        if let low = criterion.fallAtLeast ?? criterion.fallAbove, let high = criterion.fallAtMost, low > high {
            p.reader.fail(row.node, "\(row.path).fall_at_most", "is below the least fall")
        }
        return p.reader.issues.count == before && says != nil ? criterion : nil
    }

    /// One pass over the items; each looks up its LVEF (or weight, BSA) in a sorted timeline.
    func cost(_ context: RuleContext) -> Int { context.linearCost }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        let ordered = context.medications.filter { trigger.matches($0.agent) }
        guard let orderFirst = ordered.map(\.item.start).min() else { return [] }
        let lvef = ObservationTimeline(context.order, type: observation)
        guard !lvef.isEmpty else { return [] }
        let historyFirst = context.history.lazy.filter { trigger.matches($0.agent) }.map(\.item.start).min()
        let preTreatment = lvef.latest(onOrBefore: historyFirst ?? orderFirst)
        let lln = ["lln": shown(lowerLimit)] as KeyValuePairs
        var groups = GroupedFindings()
        for item in ordered {
            guard let row = rows.first(where: { $0.match.matches(item.agent) }),
                let latest = lvef.latest(onOrBefore: item.item.start)
            else { continue }
            let same = preTreatment?.path == latest.path
            let fall = preTreatment.flatMap { same ? nil : $0.value - latest.value }
            guard
                let met = row.hold.first(where: { $0.isMet(latest: latest.value, fall: fall, lowerLimit: lowerLimit) })
            else { continue }
            var evidence = [
                item.evidence, latest.evidence(messages["note_latest"]!.render(["value": latest.shownValue])),
            ]
            if let preTreatment, !same {
                evidence.append(
                    preTreatment.evidence(messages["note_baseline"]!.render(["value": preTreatment.shownValue]))
                )
            }
            groups.add(key: "\(item.agent.id)\u{0}\(latest.path)", severity: rule.severity, evidence: evidence) {
                let comparison: String
                if let preTreatment, let fall {
                    let values: KeyValuePairs = [
                        "points": shown(abs(fall)), "baseline": preTreatment.shownValue,
                        "baseline_date": preTreatment.date.description,
                    ]
                    comparison = messages[fall > 0 ? "comparison_fall" : "comparison_no_fall"]!.render(values)
                } else if same {
                    comparison = messages["comparison_same"]!.render([:])
                } else {
                    comparison = messages["comparison_none"]!.render([
                        "history_start": (historyFirst ?? orderFirst).description
                    ])
                }
                return messages["summary"]!.render([
                    "agent": item.name, "start": item.item.start.description, "latest": latest.shownValue,
                    "latest_date": latest.date.description, "comparison": comparison, "criterion": met.says.render(lln),
                ])
            }
        }
        return groups.findings
    }
}
