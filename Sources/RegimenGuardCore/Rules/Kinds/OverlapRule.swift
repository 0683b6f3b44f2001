/// Two classes whose active windows overlap, or the second starting within a washout after the first ended
/// (`her2-anthracycline-concurrent`, `endocrine-during-chemo`).
///
/// Findings are merged per pair of agents, so an order listing the same two drugs many times costs one finding
/// with its evidence, not one per pair of items.
struct OverlapRule: RuleKind {
    static let name = "overlap"
    static let parameterKeys: Set<String> = ["first", "second", "washout_after_first", "exempt"]

    var first: [GradedSelector]
    var second: [GradedSelector]
    var washout: PolicyDuration?
    var exempt: [Selector]
    /// `overlap` (`{first} {second} {start} {end}`), `overlap_open` (both open-ended, `{first} {second} {start}`),
    /// `washout` (`{first} {second} {start} {days} {end} {washout} {until}`).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> OverlapRule? {
        let first = p.gradedSelectors("first", required: true)
        let second = p.gradedSelectors("second", required: true)
        let washout = p.duration("washout_after_first")
        let exempt = p.selectors("exempt", required: false) ?? []
        let messages = p.messages([
            "overlap": ["first", "second", "start", "end"],
            "overlap_open": ["first", "second", "start"],
            "washout": ["first", "second", "start", "days", "end", "washout", "until"],
        ])
        guard let first, let second, let messages else { return nil }
        return OverlapRule(first: first, second: second, washout: washout, exempt: exempt, messages: messages)
    }

    /// Every pair with at least one item of the order, compared once each way at most.
    func cost(_ context: RuleContext) -> Int { max(1, 2 * context.medications.count * context.all.count) }

    private func grade(_ agent: Agent, _ selectors: [GradedSelector]) -> (matched: Bool, severity: Severity?) {
        var matched = false
        var severity: Severity?
        for graded in selectors where graded.selector.matches(agent) {
            matched = true
            if let s = graded.severity { severity = min(severity ?? s, s) }
        }
        return (matched, severity)
    }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        // Items of each side, graded once: the pair loop below only compares windows.
        let items = context.all.filter { !exempt.matches($0.agent) }
        let firsts = items.compactMap { item -> (ResolvedItem, Severity?)? in
            let g = grade(item.agent, first)
            return g.matched ? (item, g.severity) : nil
        }
        guard !firsts.isEmpty else { return [] }
        let seconds = items.compactMap { item -> (ResolvedItem, Severity?)? in
            let g = grade(item.agent, second)
            return g.matched ? (item, g.severity) : nil
        }
        // A pair entirely in the history is past treatment, not this order's decision: a history item is paired with
        // the order's items only, so a long history costs linearly.
        let orderSeconds = seconds.filter { !$0.0.item.inHistory }
        var merged = MergedFindings()
        for (a, severityA) in firsts {
            for (b, severityB) in (a.item.inHistory ? orderSeconds : seconds) where b.item.path != a.item.path {
                let severity = [rule.severity, severityA, severityB].compactMap { $0 }.min() ?? rule.severity
                let key = "\(a.agent.id)\u{0}\(b.agent.id)"
                if let shared = a.window.intersection(b.window) {
                    merged.add(key: key, severity: severity, items: [a, b]) {
                        if let end = shared.end {
                            return messages["overlap"]!.render([
                                "first": a.name, "second": b.name, "start": shared.start.description,
                                "end": end.description,
                            ])
                        }
                        return messages["overlap_open"]!.render([
                            "first": a.name, "second": b.name, "start": shared.start.description,
                        ])
                    }
                } else if let washout, let aEnd = a.window.end, b.window.start > aEnd {
                    let washoutEnd = washout.after(aEnd)
                    // Only a second therapy starting more than the washout after the last day is outside it.
                    guard b.window.start <= washoutEnd else { continue }
                    merged.add(key: key, severity: severity, items: [a, b]) {
                        messages["washout"]!.render([
                            "first": a.name, "second": b.name, "start": b.window.start.description,
                            "days": "\(aEnd.days(to: b.window.start))", "end": aEnd.description,
                            "washout": washout.description, "until": washoutEnd.description,
                        ])
                    }
                }
            }
        }
        return merged.findings
    }
}

/// Findings gathered per key (a pair of agents, an agent): the first occurrence gives the summary, later ones add
/// their items to the evidence, up to a cap (the summary counts the rest), and the most severe grade wins.
struct MergedFindings {
    /// The most evidence items one finding lists; the rest are counted in a last entry.
    static let evidenceCap = 20

    private var order: [String] = []
    private var entries: [String: (finding: RawFinding, paths: Set<String>, more: Int)] = [:]

    mutating func add(key: String, severity: Severity, items: [ResolvedItem], summary: () -> String) {
        if var entry = entries[key] {
            entry.finding.severity = max(entry.finding.severity, severity)
            for item in items where !entry.paths.contains(item.item.path) {
                entry.paths.insert(item.item.path)
                if entry.finding.evidence.count < MergedFindings.evidenceCap {
                    entry.finding.evidence.append(item.evidence)
                } else {
                    entry.more += 1
                }
            }
            entries[key] = entry
            return
        }
        order.append(key)
        var paths: Set<String> = []
        var evidence: [Evidence] = []
        for item in items where paths.insert(item.item.path).inserted { evidence.append(item.evidence) }
        entries[key] = (RawFinding(severity: severity, summary: summary(), evidence: evidence), paths, 0)
    }

    var findings: [RawFinding] {
        order.map { key in
            let entry = entries[key]!
            var finding = entry.finding
            if entry.more > 0 {
                finding.summary += " (evidence lists \(finding.evidence.count) items; \(entry.more) more)"
            }
            return finding
        }
    }
}
