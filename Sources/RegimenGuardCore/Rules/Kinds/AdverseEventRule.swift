/// An agent in the order given on or after a recorded adverse event that contraindicates it (`her2-after-heart-failure`,
/// `tdxd-after-ild`).
///
/// An item is given on or after an event when its active window reaches the event's date: an event before the start,
/// or during a course that continues. `contraindicated` rows are tried in order for each (item, event) pair; the first
/// whose agents match and whose `min_grade` the event reaches gives the severity and the action. An agent's findings
/// are merged: the worst severity wins, every event is evidence.
struct AdverseEventRule: RuleKind {
    static let name = "adverse-event-contraindication"
    static let parameterKeys: Set<String> = ["event", "contraindicated"]

    struct Row: Sendable {
        var match: AgentMatch
        var minimumGrade: Int
        var severity: Severity?
        /// What to do, for the finding.
        var action: String
    }

    var event: AdverseEventKind
    var rows: [Row]
    /// `summary` (`{agent} {start} {grade} {date} {suspected} {action}`), `suspected` (`{drug}`), `note` (`{grade}`).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> AdverseEventRule? {
        let event: AdverseEventKind? = p.reader.enumValue(p.fields, "event", p.path)
        p.require("event")
        var rows: [Row] = []
        for row in p.rows(
            "contraindicated",
            allowed: ["agents", "select", "min_grade", "severity", "action"],
            required: ["action"]
        ) ?? [] {
            let before = p.reader.issues.count
            let match = p.agentMatch(row)
            let grade = p.reader.integer(row.fields, "min_grade", row.path, range: 1...5) ?? 1
            let severity: Severity? = p.reader.enumValue(row.fields, "severity", row.path)
            let action = p.reader.string(row.fields, "action", row.path)
            if let match, let action, p.reader.issues.count == before {
                rows.append(Row(match: match, minimumGrade: grade, severity: severity, action: action))
            }
        }
        let messages = p.messages([
            "summary": ["agent", "start", "grade", "date", "suspected", "action"],
            "suspected": ["drug"],
            "note": ["grade"],
        ])
        guard let event, let messages else { return nil }
        return AdverseEventRule(event: event, rows: rows, messages: messages)
    }

    /// Each item of the order against each recorded event.
    func cost(_ context: RuleContext) -> Int {
        max(1, context.medications.count * (1 + context.order.adverseEvents.count))
    }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        let events = context.order.adverseEvents.filter { $0.event == event }
        guard !events.isEmpty else { return [] }
        // Per agent: the worst (severity, then grade, then latest) event that applies, with every item and event.
        var worst: [String: (severity: Severity, event: AdverseEvent, row: Row, item: ResolvedItem)] = [:]
        var evidence: [String: [Evidence]] = [:]
        var agents: [String] = []
        for item in context.medications {
            guard rows.contains(where: { $0.match.matches(item.agent) }) else { continue }
            for e in events where item.window.end.map({ $0 >= e.date }) ?? true {
                guard let row = rows.first(where: { $0.match.matches(item.agent) && e.grade >= $0.minimumGrade }) else {
                    continue
                }
                let severity = row.severity ?? rule.severity
                let id = item.agent.id
                if evidence[id] == nil { agents.append(id) }
                evidence[id, default: []].append(item.evidence)
                evidence[id, default: []].append(
                    Evidence(
                        path: e.path,
                        start: e.date.description,
                        note: messages["note"]!.render(["grade": "\(e.grade)"])
                    )
                )
                if let current = worst[id],
                    (current.severity, current.event.grade, current.event.date) >= (severity, e.grade, e.date)
                {
                    continue
                }
                worst[id] = (severity, e, row, item)
            }
        }
        return agents.map { id in
            let w = worst[id]!
            var seen: Set<String> = []
            let listed = evidence[id]!.filter { seen.insert($0.path).inserted }.prefix(MergedFindings.evidenceCap)
            let suspected = w.event.drug.map { messages["suspected"]!.render(["drug": $0]) } ?? ""
            return RawFinding(
                severity: w.severity,
                summary: messages["summary"]!.render([
                    "agent": w.item.name, "start": w.item.item.start.description, "grade": "\(w.event.grade)",
                    "date": w.event.date.description, "suspected": suspected, "action": w.row.action,
                ]),
                evidence: Array(listed)
            )
        }
    }
}
