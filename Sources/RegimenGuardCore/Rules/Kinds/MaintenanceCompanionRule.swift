/// A maintenance order that lacks a therapy the guideline adds when chemotherapy ends
/// (`endocrine-missing-in-maintenance`): `targeted` therapy in the order, no `chemotherapy` in it, chemotherapy for
/// metastatic disease (ORDERS.md 4.1) in the history that ended within `lookback_days` before the order's first
/// day, and nothing of `expected` in the order or active in the history on the order's first day.
///
/// `new_line_after` (stop reasons, e.g. progression): a history item that stopped for one of them on or after the
/// first start of that recent chemotherapy makes this order a new line (T-DXd after progression), not maintenance.
struct MaintenanceCompanionRule: RuleKind {
    static let name = "maintenance-companion"
    static let parameterKeys: Set<String> = ["targeted", "chemotherapy", "expected", "lookback_days", "new_line_after"]

    var targeted: [Selector]
    var chemotherapy: [Selector]
    var expected: [Selector]
    var lookbackDays: Int
    var newLineAfter: Set<StopReason>
    /// `summary` (`{start} {targeted} {chemotherapy} {end}`).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> MaintenanceCompanionRule? {
        let targeted = p.selectors("targeted", required: true)
        let chemotherapy = p.selectors("chemotherapy", required: true)
        let expected = p.selectors("expected", required: true)
        let lookback = p.integer("lookback_days", range: 0...3650)
        if !p.has("lookback_days") { p.require("lookback_days") }
        let newLineAfter = p.stopReasons("new_line_after")
        let messages = p.messages(["summary": ["start", "targeted", "chemotherapy", "end"]])
        guard let targeted, let chemotherapy, let expected, let lookback, let messages else { return nil }
        return MaintenanceCompanionRule(
            targeted: targeted,
            chemotherapy: chemotherapy,
            expected: expected,
            lookbackDays: lookback,
            newLineAfter: newLineAfter,
            messages: messages
        )
    }

    /// A few passes over the order and the history.
    func cost(_ context: RuleContext) -> Int { max(1, 4 * context.all.count) }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        let given = context.medications.filter { targeted.matches($0.agent) }
        guard let start = context.firstStart, !given.isEmpty else { return [] }
        guard !context.medications.contains(where: { chemotherapy.matches($0.agent) || expected.matches($0.agent) })
        else { return [] }
        // A history chemotherapy without an end is still running up to this order.
        let recent = LineOfTherapy.metastaticHistory(context).filter { item in
            chemotherapy.matches(item.agent) && (item.window.end ?? start).days(to: start) <= lookbackDays
        }
        guard let courseStart = recent.map(\.window.start).min() else { return [] }
        let newLine = context.history.contains { item in
            guard let reason = item.item.stopReason, newLineAfter.contains(reason) else { return false }
            return (item.window.end ?? start) >= courseStart
        }
        guard !newLine else { return [] }
        guard !context.history.contains(where: { expected.matches($0.agent) && $0.window.contains(start) }) else {
            return []
        }
        let end = recent.map { $0.window.end ?? start }.max()!
        return [
            RawFinding(
                severity: rule.severity,
                summary: messages["summary"]!.render([
                    "start": start.description, "targeted": listed(given.map(\.name)),
                    "chemotherapy": listed(recent.map(\.name)), "end": end.description,
                ]),
                evidence: Array((given + recent).map(\.evidence).prefix(MergedFindings.evidenceCap))
            )
        ]
    }
}
