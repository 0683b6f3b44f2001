/// Targeted therapy that should continue beyond progression (`her2-stopped-at-progression`): the order gives
/// `systemic` therapy but nothing of `targeted`, while the latest `targeted` therapy in the history (the items with
/// the latest end; a history item without an end is still running) stopped for one of `stopped_for`.
struct BeyondProgressionRule: RuleKind {
    static let name = "continued-beyond-progression"
    static let parameterKeys: Set<String> = ["targeted", "systemic", "stopped_for"]

    var targeted: [Selector]
    var systemic: [Selector]
    var stoppedFor: Set<StopReason>
    /// `summary` (`{systemic} {start} {targeted} {end} {reason}`).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> BeyondProgressionRule? {
        let targeted = p.selectors("targeted", required: true)
        let systemic = p.selectors("systemic", required: true)
        let reasons = p.stopReasons("stopped_for")
        if !p.has("stopped_for") { p.require("stopped_for") }
        let messages = p.messages(["summary": ["systemic", "start", "targeted", "end", "reason"]])
        guard let targeted, let systemic, !reasons.isEmpty, let messages else { return nil }
        return BeyondProgressionRule(targeted: targeted, systemic: systemic, stoppedFor: reasons, messages: messages)
    }

    /// A few passes over the order and the history.
    func cost(_ context: RuleContext) -> Int { max(1, 2 * context.all.count) }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        guard !context.medications.contains(where: { targeted.matches($0.agent) }) else { return [] }
        let given = context.medications.filter { systemic.matches($0.agent) }
        guard let start = given.map(\.window.start).min() else { return [] }
        let history = context.history.filter { targeted.matches($0.agent) }
        guard !history.isEmpty else { return [] }
        // The latest: an open-ended item outranks any end.
        let ongoing = history.filter { $0.window.end == nil }
        let latest: [ResolvedItem]
        if !ongoing.isEmpty {
            latest = ongoing
        } else {
            let end = history.compactMap(\.window.end).max()!
            latest = history.filter { $0.window.end == end }
        }
        let stopped = latest.filter { $0.item.stopReason.map(stoppedFor.contains) ?? false }
        guard let reason = stopped.first?.item.stopReason else { return [] }
        return [
            RawFinding(
                severity: rule.severity,
                summary: messages["summary"]!.render([
                    "systemic": listed(given.map(\.name)), "start": start.description,
                    "targeted": listed(stopped.map(\.name)),
                    "end": stopped.compactMap(\.window.end).max()?.description ?? "", "reason": reason.rawValue,
                ]),
                evidence: Array((given + stopped).map(\.evidence).prefix(MergedFindings.evidenceCap))
            )
        ]
    }
}
