/// A targeted therapy given with a companion therapy must not stop when the companion stops, nor be absent from a
/// maintenance order that follows them, unless a stop reason is documented (`her2-dropped-at-chemo-stop`).
///
/// Stop reasons are scoped (ORDERS.md 4.2): a reason counts for a targeted item only when it is on that item, or,
/// for `progression` alone (with `progression_on_same_course`), on another item of the same course, one that ended
/// within `end_tolerance_days` of it. A progression recorded for an earlier line, or toxicity on one targeted agent
/// (pertuzumab), excuses no other item. Every targeted item that stops must be excused.
struct ContinuationRule: RuleKind {
    static let name = "continuation"
    static let parameterKeys: Set<String> = [
        "targeted", "companion", "end_tolerance_days", "accepted_stop_reasons", "progression_on_same_course",
        "maintenance_lookback_days",
    ]

    var targeted: [Selector]
    var companion: [Selector]
    var toleranceDays: Int
    var accepted: Set<StopReason>
    var progressionOnSameCourse: Bool
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
        let progressionSameCourse = p.bool("progression_on_same_course") ?? true
        let messages = p.messages([
            "in_order": ["targeted", "end", "companion", "companion_end"],
            "maintenance": ["start", "targeted", "companion", "last"],
        ])
        guard let targeted, let companion, let messages else { return nil }
        return ContinuationRule(
            targeted: targeted,
            companion: companion,
            toleranceDays: tolerance,
            accepted: reasons,
            progressionOnSameCourse: progressionSameCourse,
            lookbackDays: lookback,
            messages: messages
        )
    }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        /// The stopping items that no documented reason excuses. (An item with its own progression is excused by it,
        /// so "another item" needs no check; the ends of progressions are looked up by day, linear in the course.)
        func unexcused(_ stopping: [ResolvedItem], among course: [ResolvedItem]) -> [ResolvedItem] {
            let progressionEnds = Set(course.compactMap { $0.item.stopReason == .progression ? $0.window.end : nil })
            return stopping.filter { item in
                if let reason = item.item.stopReason, accepted.contains(reason) { return false }
                guard progressionOnSameCourse, accepted.contains(.progression), let end = item.window.end,
                    !progressionEnds.isEmpty
                else { return true }
                return !(-toleranceDays...toleranceDays).contains { progressionEnds.contains(end.adding(days: $0)) }
            }
        }
        let targetedMeds = context.medications.filter { targeted.matches($0.agent) }
        let companionMeds = context.medications.filter { companion.matches($0.agent) && !targeted.matches($0.agent) }

        if !targetedMeds.isEmpty {
            // (a) In this order: targeted therapy given with the companion that ends when the companion ends.
            guard !companionMeds.isEmpty else { return [] }
            let companionEnds = companionMeds.map(\.window.end)
            guard !companionEnds.contains(where: { $0 == nil }),
                let companionEnd = companionEnds.compactMap({ $0 }).max()
            else {
                return []  // an open-ended companion does not stop in this order
            }
            let together = targetedMeds.filter { t in companionMeds.contains { $0.window.overlaps(t.window) } }
            guard !together.isEmpty else { return [] }
            let targetedEnds = targetedMeds.map(\.window.end)
            guard !targetedEnds.contains(where: { $0 == nil }),
                let lastTargeted = targetedEnds.compactMap({ $0 }).max(),
                lastTargeted <= companionEnd.adding(days: toleranceDays)
            else { return [] }
            let open = unexcused(targetedMeds, among: context.medications)
            guard !open.isEmpty else { return [] }
            return [
                RawFinding(
                    severity: rule.severity,
                    summary: messages["in_order"]!.render([
                        "targeted": listed(open.map(\.name)), "end": lastTargeted.description,
                        "companion": listed(companionMeds.map(\.name)), "companion_end": companionEnd.description,
                    ]),
                    evidence: Array((targetedMeds + companionMeds).map(\.evidence).prefix(MergedFindings.evidenceCap))
                )
            ]
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
        // What stops now is the latest course of targeted therapy: the items that ended within the tolerance of the
        // last one. Earlier lines stopped earlier, and their reasons are theirs.
        let stopping = historyTargeted.filter { ($0.window.end ?? orderStart).days(to: lastTargeted) <= toleranceDays }
        let open = unexcused(stopping, among: context.history)
        guard !open.isEmpty else { return [] }
        let companions = historyCompanion.filter { c in together.contains { $0.window.overlaps(c.window) } }
        return [
            RawFinding(
                severity: rule.severity,
                summary: messages["maintenance"]!.render([
                    "start": orderStart.description, "targeted": listed(together.map(\.name)),
                    "companion": listed(companions.map(\.name)), "last": lastTargeted.description,
                ]),
                evidence: Array((together + companions).map(\.evidence).prefix(MergedFindings.evidenceCap))
            )
        ]
    }
}
