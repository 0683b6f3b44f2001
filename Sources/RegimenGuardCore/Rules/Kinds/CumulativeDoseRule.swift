/// The lifetime cumulative dose of a class (`cumulative-anthracycline-dose`), over the history and the order, reaching
/// the policy's limits. Each item's contribution, in mg/m2, is its `cumulative_dose` (history), or its doses times its
/// administrations (`cycles * doses_per_cycle`; a `loading_dose` replaces the first). Contributions are summed as
/// fractions of each agent's limit and flagged at 1. The rule looks only when a `trigger` agent is in the order; one
/// there whose contribution cannot be computed gets a finding at `not_computable_severity`.
struct CumulativeDoseRule: RuleKind {
    static let name = "cumulative-dose"
    static let parameterKeys: Set<String> = ["trigger", "limits", "basis_window_days", "not_computable_severity"]

    struct Limit: Sendable {
        var match: AgentMatch
        var name: String
        /// mg/m2.
        var limit: Double
    }

    var trigger: [Selector]
    var limits: [Limit]
    /// How recent the BSA that converts an mg dose must be (days before the item's start); nil: any.
    var windowDays: Int?
    var notComputableSeverity: Severity
    /// `summary` (`{total} {contributions}`), `total_single` (`{amount} {agent} {limit}`), `total_mixed` (`{percent}
    /// {fractions}`), `fraction` (`{agent} {amount} {limit} {percent}`), `contribution_recorded` (`{drug} {path}
    /// {amount}`), `contribution_doses` (`{drug} {path} {dose} {administrations} {amount}`), `contribution_loading`
    /// (`{drug} {path} {loading} {dose} {rest} {amount}`), `not_counted` (`{items}`), `not_computable` (`{drug} {start}
    /// {reason}`), `reason_no_dose`, `reason_no_administrations`, `reason_no_basis`, `reason_no_limit`.
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> CumulativeDoseRule? {
        let trigger = p.selectors("trigger", required: true)
        var limits: [Limit] = []
        for row in p.rows(
            "limits",
            allowed: ["agents", "select", "name", "limit_mg_per_m2"],
            required: ["name", "limit_mg_per_m2"]
        ) ?? [] {
            let match = p.agentMatch(row)
            let name = p.reader.string(row.fields, "name", row.path)
            let limit = p.reader.number(row.fields, "limit_mg_per_m2", row.path, range: 1...100_000)
            if let match, let name, let limit { limits.append(Limit(match: match, name: name, limit: limit)) }
        }
        let window = p.integer("basis_window_days", range: 0...3650)
        let severity = p.severity("not_computable_severity")
        p.require("not_computable_severity")
        let messages = p.messages([
            "summary": ["total", "contributions"],
            "total_single": ["amount", "agent", "limit"],
            "total_mixed": ["percent", "fractions"],
            "fraction": ["agent", "amount", "limit", "percent"],
            "contribution_recorded": ["drug", "path", "amount"],
            "contribution_doses": ["drug", "path", "dose", "administrations", "amount"],
            "contribution_loading": ["drug", "path", "loading", "dose", "rest", "amount"],
            "not_counted": ["items"],
            "not_computable": ["drug", "start", "reason"],
            "reason_no_dose": [], "reason_no_administrations": [], "reason_no_basis": [], "reason_no_limit": [],
        ])
        guard let trigger, let severity, let messages else { return nil }
        return CumulativeDoseRule(
            trigger: trigger,
            limits: limits,
            windowDays: window,
            notComputableSeverity: severity,
            messages: messages
        )
    }

    private enum Contribution {
        case counted(amount: Double, index: Int, text: String)
        case unknown(reason: String)
    }

    /// Each item of the order and the history against the limits table, and the BSA timeline once.
    func cost(_ context: RuleContext) -> Int {
        context.linearCost + (context.medications.count + context.history.count) * limits.count
    }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        guard context.medications.contains(where: { trigger.matches($0.agent) }) else { return [] }
        let body = BodyMeasures(context.order)
        var totals = [Double](repeating: 0, count: limits.count)
        var texts: [String] = []
        var evidence: [Evidence] = []
        var notCounted: [String] = []
        var findings: [RawFinding] = []
        for item in context.history + context.medications {
            let limitIndex = limits.firstIndex { $0.match.matches(item.agent) }
            guard limitIndex != nil || (!item.item.inHistory && trigger.matches(item.agent)) else { continue }
            switch contribution(item, limitIndex, body) {
            case .counted(let amount, let index, let text):
                totals[index] += amount
                texts.append(text)
                if evidence.count < MergedFindings.evidenceCap { evidence.append(item.evidence) }
            case .unknown(let reason):
                notCounted.append(item.item.path)
                guard !item.item.inHistory else { continue }
                findings.append(
                    RawFinding(
                        severity: notComputableSeverity,
                        summary: messages["not_computable"]!.render([
                            "drug": item.name, "start": item.item.start.description, "reason": reason,
                        ]),
                        evidence: [item.evidence]
                    )
                )
            }
        }
        let fractions = totals.enumerated().map { $0.element / limits[$0.offset].limit }
        let sum = fractions.reduce(0, +)
        if isAtLeast(sum, 1) {
            let used = totals.indices.filter { totals[$0] > 0 }
            let total: String
            if used.count == 1, let i = used.first {
                total = messages["total_single"]!.render([
                    "amount": shown(totals[i]), "agent": limits[i].name, "limit": shown(limits[i].limit),
                ])
            } else {
                let parts = used.map { i in
                    messages["fraction"]!.render([
                        "agent": limits[i].name, "amount": shown(totals[i]), "limit": shown(limits[i].limit),
                        "percent": shown(fractions[i] * 100),
                    ])
                }
                total = messages["total_mixed"]!.render(["percent": shown(sum * 100), "fractions": listed(parts)])
            }
            var summary = messages["summary"]!.render(["total": total, "contributions": texts.joined(separator: "; ")])
            if !notCounted.isEmpty {
                summary += messages["not_counted"]!.render(["items": notCounted.joined(separator: ", ")])
            }
            findings.insert(RawFinding(severity: rule.severity, summary: summary, evidence: evidence), at: 0)
        }
        return findings
    }

    private func contribution(_ item: ResolvedItem, _ limitIndex: Int?, _ body: BodyMeasures) -> Contribution {
        guard let index = limitIndex else { return .unknown(reason: messages["reason_no_limit"]!.render([:])) }
        let drug = item.name, path = item.item.path
        if let recorded = item.item.cumulativeDose, recorded.unit == .mgPerM2 {
            return .counted(
                amount: recorded.value,
                index: index,
                text: messages["contribution_recorded"]!.render([
                    "drug": drug, "path": path, "amount": shown(recorded.value),
                ])
            )
        }
        guard let dose = item.item.dose ?? item.item.loadingDose else {
            return .unknown(reason: messages["reason_no_dose"]!.render([:]))
        }
        guard let administrations = item.item.administrations else {
            return .unknown(reason: messages["reason_no_administrations"]!.render([:]))
        }
        func perM2(_ dose: Dose) -> Double? {
            body.convert(dose, to: .mgPerM2, onOrBefore: item.item.start, withinDays: windowDays)?.value
        }
        guard let each = perM2(dose) else {
            return .unknown(reason: messages["reason_no_basis"]!.render([:]))
        }
        if let loading = item.item.loadingDose, item.item.dose != nil, administrations > 0 {
            guard let first = perM2(loading) else {
                return .unknown(reason: messages["reason_no_basis"]!.render([:]))
            }
            let amount = first + each * Double(administrations - 1)
            return .counted(
                amount: amount,
                index: index,
                text: messages["contribution_loading"]!.render([
                    "drug": drug, "path": path, "loading": shown(first), "dose": shown(each),
                    "rest": "\(administrations - 1)",
                    "amount": shown(amount),
                ])
            )
        }
        let amount = each * Double(administrations)
        return .counted(
            amount: amount,
            index: index,
            text: messages["contribution_doses"]!.render([
                "drug": drug, "path": path, "dose": shown(each), "administrations": "\(administrations)",
                "amount": shown(amount),
            ])
        )
    }
}
