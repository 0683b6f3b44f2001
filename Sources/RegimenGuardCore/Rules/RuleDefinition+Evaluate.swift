/// A finding before the policy's texts and the order's overrides are attached.
struct RawFinding {
    var severity: Severity
    var summary: String
    var evidence: [Evidence]
}

extension RuleDefinition {
    /// Evaluates this rule on one order.
    func evaluate(_ context: RuleContext) -> [RawFinding] {
        guard enabled, when.matches(context.order.patient) else { return [] }
        switch parameters {
        case .overlap(let first, let second, let washout, let exempt):
            return evaluateOverlap(context, first: first, second: second, washout: washout, exempt: exempt)
        case .missingObservation(let trigger, _, let baselineDays):
            return evaluateMissingLVEF(context, trigger: trigger, baselineDays: baselineDays)
        case .continuation(let targeted, let companion, let tolerance, let accepted, let progressionAny, let lookback):
            return evaluateContinuation(
                context, targeted: targeted, companion: companion, toleranceDays: tolerance, accepted: accepted,
                progressionOnAnyItem: progressionAny, lookbackDays: lookback)
        case .requiredBackbone(let trigger, let backbone, let firstLineOnly, let prior, let supported, let offEvidence):
            return evaluateBackbone(
                context, trigger: trigger, backbone: backbone, firstLineOnly: firstLineOnly, priorTherapy: prior,
                supportedAfterBackbone: supported, offEvidenceSeverity: offEvidence)
        }
    }

    // MARK: overlap

    private func grade(_ agent: Agent, _ selectors: [GradedSelector]) -> (matched: Bool, severity: Severity?) {
        var matched = false
        var severity: Severity?
        for graded in selectors where graded.selector.matches(agent) {
            matched = true
            if let s = graded.severity { severity = min(severity ?? s, s) }
        }
        return (matched, severity)
    }

    private func evaluateOverlap(
        _ context: RuleContext, first: [GradedSelector], second: [GradedSelector], washout: PolicyDuration?,
        exempt: [Selector]
    ) -> [RawFinding] {
        var findings: [RawFinding] = []
        let items = context.all
        for a in items where !exempt.matches(a.agent) {
            let gradeA = grade(a.agent, first)
            guard gradeA.matched else { continue }
            for b in items where b.item.path != a.item.path && !exempt.matches(b.agent) {
                // A pair entirely in the history is past treatment, not this order's decision.
                guard !(a.item.inHistory && b.item.inHistory) else { continue }
                let gradeB = grade(b.agent, second)
                guard gradeB.matched else { continue }
                let severity = [severity, gradeA.severity, gradeB.severity].compactMap { $0 }.min() ?? severity
                if let shared = a.window.intersection(b.window) {
                    let range = shared.end.map { "\(shared.start) to \($0)" } ?? "from \(shared.start), both open-ended"
                    findings.append(RawFinding(
                        severity: severity, summary: "\(a.name) overlaps \(b.name) (\(range))",
                        evidence: [a.evidence, b.evidence]))
                } else if let washout, let aEnd = a.window.end, b.window.start > aEnd {
                    let washoutEnd = washout.after(aEnd)
                    // Only an anthracycline starting more than the washout after the last day is outside it.
                    if b.window.start <= washoutEnd {
                        findings.append(RawFinding(
                            severity: severity,
                            summary: "\(b.name) starts \(b.window.start), \(aEnd.days(to: b.window.start)) days after \(a.name) ended \(aEnd): inside the \(washout) washout (until \(washoutEnd))",
                            evidence: [a.evidence, b.evidence]))
                    }
                }
            }
        }
        return findings
    }

    // MARK: missing observation

    private func evaluateMissingLVEF(_ context: RuleContext, trigger: [Selector], baselineDays: Int) -> [RawFinding] {
        // Each triggering agent needs a baseline before its own first start in this order.
        var firstStarts: [(agent: String, name: String, start: Day, items: [ResolvedItem])] = []
        for item in context.medications where trigger.matches(item.agent) {
            if let index = firstStarts.firstIndex(where: { $0.agent == item.agent.id }) {
                firstStarts[index].start = min(firstStarts[index].start, item.item.start)
                firstStarts[index].items.append(item)
            } else {
                firstStarts.append((item.agent.id, item.name, item.item.start, [item]))
            }
        }
        let lvef = context.order.observations
        let missing = firstStarts.filter { entry in
            !lvef.contains { $0.date <= entry.start && $0.date.days(to: entry.start) <= baselineDays }
        }
        guard !missing.isEmpty else { return [] }
        let starts = missing.map { "\($0.name) (starts \($0.start))" }
        var evidence = missing.flatMap(\.items).map(\.evidence)
        var latestNote = "no LVEF is recorded"
        let earliest = missing.map(\.start).min()!
        if let latest = lvef.filter({ $0.date <= earliest }).max(by: { $0.date < $1.date }) {
            latestNote = "the latest LVEF on or before that is \(latest.date), \(latest.date.days(to: earliest)) days before"
            evidence.append(Evidence(path: latest.path, start: latest.date.description, note: "LVEF \(Self.percent(latest.value))"))
        } else if let after = lvef.min(by: { $0.date < $1.date }) {
            latestNote = "the only LVEF is dated \(after.date), after the start"
            evidence.append(Evidence(path: after.path, start: after.date.description, note: "LVEF \(Self.percent(after.value))"))
        }
        return [RawFinding(
            severity: severity,
            summary: "No LVEF in the \(baselineDays) days on or before \(listed(starts)); \(latestNote)",
            evidence: evidence)]
    }

    static func percent(_ value: Double) -> String {
        value.rounded() == value ? "\(Int(value))%" : "\(value)%"
    }

    // MARK: continuation

    private func evaluateContinuation(
        _ context: RuleContext, targeted: [Selector], companion: [Selector], toleranceDays: Int,
        accepted: Set<StopReason>, progressionOnAnyItem: Bool, lookbackDays: Int
    ) -> [RawFinding] {
        func documented(_ targetedItems: [ResolvedItem], _ all: [ResolvedItem]) -> Bool {
            targetedItems.contains { $0.item.stopReason.map(accepted.contains) ?? false }
                || (progressionOnAnyItem && all.contains { $0.item.stopReason == .progression })
        }
        let targetedMeds = context.medications.filter { targeted.matches($0.agent) }
        let companionMeds = context.medications.filter { companion.matches($0.agent) && !targeted.matches($0.agent) }

        if !targetedMeds.isEmpty {
            // (a) In this order: HER2 therapy given with chemotherapy that ends when the chemotherapy ends.
            guard !companionMeds.isEmpty else { return [] }
            let companionEnds = companionMeds.map(\.window.end)
            guard !companionEnds.contains(where: { $0 == nil }), let chemoEnd = companionEnds.compactMap({ $0 }).max() else {
                return []  // open-ended chemotherapy: it does not stop in this order
            }
            let together = targetedMeds.filter { t in companionMeds.contains { $0.window.overlaps(t.window) } }
            guard !together.isEmpty else { return [] }
            let targetedEnds = targetedMeds.map(\.window.end)
            guard !targetedEnds.contains(where: { $0 == nil }), let lastTargeted = targetedEnds.compactMap({ $0 }).max(),
                lastTargeted <= chemoEnd.adding(days: toleranceDays)
            else { return [] }
            guard !documented(targetedMeds, context.medications) else { return [] }
            let chemoNames = listed(companionMeds.map(\.name))
            return [RawFinding(
                severity: severity,
                summary: "\(listed(targetedMeds.map(\.name))) end\(targetedMeds.count == 1 ? "s" : "") \(lastTargeted), when \(chemoNames) end\(companionMeds.count == 1 ? "s" : "") (\(chemoEnd)), with no progression or toxicity documented",
                evidence: (targetedMeds + companionMeds).map(\.evidence))]
        }

        // (b) A maintenance order after chemotherapy + HER2 therapy in the history, with no HER2 therapy.
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
            severity: severity,
            summary: "This order (from \(orderStart)) has no HER2-targeted therapy after \(listed(together.map(\.name))) with \(listed(companions.map(\.name))) (history, HER2 therapy last \(lastTargeted)), and no progression or toxicity is documented",
            evidence: (together + companions).map(\.evidence))]
    }

    // MARK: required backbone

    private func evaluateBackbone(
        _ context: RuleContext, trigger: [Selector], backbone: [Selector], firstLineOnly: Bool,
        priorTherapy: [Selector], supportedAfterBackbone: [Selector], offEvidenceSeverity: Severity?
    ) -> [RawFinding] {
        let triggers = context.medications.filter { trigger.matches($0.agent) }
        guard !triggers.isEmpty else { return [] }
        if firstLineOnly {
            let firstLine: Bool
            if let line = context.order.lineOfTherapy {
                firstLine = line == 1
            } else {
                firstLine = !context.history.contains { priorTherapy.matches($0.agent) }
            }
            guard firstLine else { return [] }
        }
        let all = context.all
        let missing = backbone.filter { component in !all.contains { component.matches($0.agent) } }
        if !missing.isEmpty {
            let present = backbone.filter { !missing.contains($0) }
            let presentNote = present.isEmpty ? "" : " (present: \(listed(present.map(\.displayName))))"
            return [RawFinding(
                severity: severity,
                summary: "\(listed(triggers.map(\.name))) ordered in first line without \(listed(backbone.map(\.displayName))) in this order or the history: missing \(listed(missing.map(\.displayName)))\(presentNote)",
                evidence: triggers.map(\.evidence))]
        }
        guard let offEvidenceSeverity, !supportedAfterBackbone.isEmpty else { return [] }
        let offEvidence = triggers.filter { !supportedAfterBackbone.matches($0.agent) }
        guard !offEvidence.isEmpty else { return [] }
        let backboneItems = all.filter { item in backbone.contains { $0.matches(item.agent) } }
        return [RawFinding(
            severity: offEvidenceSeverity,
            summary: "\(listed(offEvidence.map(\.name))) after \(listed(backbone.map(\.displayName))): only \(listed(supportedAfterBackbone.map(\.displayName))) has evidence as maintenance after this backbone",
            evidence: (offEvidence + backboneItems).map(\.evidence))]
    }
}

extension Selector {
    /// A readable name: `ingredient:trastuzumab` → trastuzumab, `taxane` → a taxane.
    var displayName: String {
        if text.hasPrefix("ingredient:") { return String(text.dropFirst("ingredient:".count)) }
        let words = text.lowercased().split(separator: "_").joined(separator: " ")
        return "a \(words)"
    }
}
