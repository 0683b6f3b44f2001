/// A targeted therapy given with a companion therapy must not stop when the companion stops, nor be absent from a
/// maintenance order that follows them, unless a stop reason is documented (`her2-dropped-at-chemo-stop`).
struct ContinuationRule: RuleKind {
    static let name = "continuation"
    static let parameterKeys: Set<String> = [
        "targeted", "companion", "end_tolerance_days", "accepted_stop_reasons", "progression_on_any_item",
        "maintenance_lookback_days",
    ]

    var targeted: [Selector]
    var companion: [Selector]
    var toleranceDays: Int
    var accepted: Set<StopReason>
    var progressionOnAnyItem: Bool
    var lookbackDays: Int
    /// `in_order` (`{targeted} {end} {companion} {companion_end}`), `maintenance`
    /// (`{start} {targeted} {companion} {last}`).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> ContinuationRule? {
        let targeted = p.selectors("targeted", required: true)
        let companion = p.selectors("companion", required: true)
        let tolerance = p.integer("end_tolerance_days", range: 0...365) ?? 0
        let lookback = p.integer("maintenance_lookback_days", range: 0...3650) ?? 180
        let reasons = p.stopReasons("accepted_stop_reasons")
        let progressionAny = p.bool("progression_on_any_item") ?? true
        let messages = p.messages([
            "in_order": ["targeted", "end", "companion", "companion_end"],
            "maintenance": ["start", "targeted", "companion", "last"],
        ])
        guard let targeted, let companion, let messages else { return nil }
        return ContinuationRule(
            targeted: targeted, companion: companion, toleranceDays: tolerance, accepted: reasons,
            progressionOnAnyItem: progressionAny, lookbackDays: lookback, messages: messages)
    }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        func documented(_ targetedItems: [ResolvedItem], _ all: [ResolvedItem]) -> Bool {
            targetedItems.contains { $0.item.stopReason.map(accepted.contains) ?? false }
                || (progressionOnAnyItem && all.contains { $0.item.stopReason == .progression })
        }
        let targetedMeds = context.medications.filter { targeted.matches($0.agent) }
        let companionMeds = context.medications.filter { companion.matches($0.agent) && !targeted.matches($0.agent) }

        if !targetedMeds.isEmpty {
            // (a) In this order: targeted therapy given with the companion that ends when the companion ends.
            guard !companionMeds.isEmpty else { return [] }
            let companionEnds = companionMeds.map(\.window.end)
            guard !companionEnds.contains(where: { $0 == nil }), let companionEnd = companionEnds.compactMap({ $0 }).max()
            else {
                return []  // an open-ended companion does not stop in this order
            }
            let together = targetedMeds.filter { t in companionMeds.contains { $0.window.overlaps(t.window) } }
            guard !together.isEmpty else { return [] }
            let targetedEnds = targetedMeds.map(\.window.end)
            guard !targetedEnds.contains(where: { $0 == nil }), let lastTargeted = targetedEnds.compactMap({ $0 }).max(),
                lastTargeted <= companionEnd.adding(days: toleranceDays)
            else { return [] }
            guard !documented(targetedMeds, context.medications) else { return [] }
            return [RawFinding(
                severity: rule.severity,
                summary: messages["in_order"]!.render([
                    "targeted": listed(targetedMeds.map(\.name)), "end": lastTargeted.description,
                    "companion": listed(companionMeds.map(\.name)), "companion_end": companionEnd.description,
                ]),
                evidence: Array((targetedMeds + companionMeds).map(\.evidence).prefix(MergedFindings.evidenceCap)))]
        }

        // (b) A maintenance order after the companion + targeted therapy in the history, with no targeted therapy.
        guard let orderStart = context.firstStart else { return [] }
        let historyTargeted = context.history.filter { targeted.matches($0.agent) }
        let historyCompanion = context.history.filter { companion.matches($0.agent) && !targeted.matches($0.agent) }
        let together = historyTargeted.filter { t in historyCompanion.contains { $0.window.overlaps(t.window) } }
        guard !together.isEmpty else { return [] }
        // A history item with no end is still running up to this order, which now leaves it out.
        let lastTargeted = historyTargeted.map { $0.window.end ?? orderStart }.max()!
        guard lastTargeted.days(to: orderStart) <= lookbackDays else { return [] }
        guard !documented(historyTargeted, context.history) else { return [] }
        let companions = historyCompanion.filter { c in together.contains { $0.window.overlaps(c.window) } }
        return [RawFinding(
            severity: rule.severity,
            summary: messages["maintenance"]!.render([
                "start": orderStart.description, "targeted": listed(together.map(\.name)),
                "companion": listed(companions.map(\.name)), "last": lastTargeted.description,
            ]),
            evidence: Array((together + companions).map(\.evidence).prefix(MergedFindings.evidenceCap)))]
    }
}
