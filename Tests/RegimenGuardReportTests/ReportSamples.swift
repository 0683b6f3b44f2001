import RegimenGuardReport

/// Reports to render: a rich one (two hosts, every kind of figure, hostile names) and an empty window.
enum ReportSamples {
    /// 2026-12-01T12:00:00Z.
    static let generatedAt: UInt64 = 1_796_126_400_000_000

    /// Times in UTC, `2026-12-01T12:00:00Z` (microseconds shown when not zero), so the samples do not depend on
    /// the machine's zone.
    static let context = RenderContext(generatedAt: generatedAt, formatTime: utc)

    @Sendable static func utc(_ microseconds: UInt64) -> String {
        let seconds = TimeSpec.iso8601(microseconds, offset: 0)  // ends in "Z"
        let fraction = microseconds % 1_000_000
        guard fraction != 0 else { return seconds }
        return seconds.dropLast() + "." + String(String(fraction + 1_000_000).dropFirst()) + "Z"
    }

    static let hostileHost = "ward<x>\"&'\nb"
    static let hostileRule = "<x>\"&rule\\"

    static func rule(
        findings: Int,
        orders: Int,
        overridden: Int,
        cards: Int,
        accepted: Int,
        overriddenCards: Int
    )
        -> Report.Rule
    {
        var rule = Report.Rule()
        rule.findings = findings
        rule.orders = orders
        rule.overridden = overridden
        rule.cards = cards
        rule.cardsAccepted = accepted
        rule.cardsOverridden = overriddenCards
        return rule
    }

    static var rich: Report {
        var report = Report(window: .init(since: 1_795_521_600_000_000, until: generatedAt))
        report.hosts = ["pharmacy-a", hostileHost]
        report.decisions = .init(accept: 12, review: 5, reject: 3, invalid: 2)
        report.days = [
            .init(date: "2026-11-24", decisions: .init(accept: 4, review: 1, reject: 1, invalid: 0)),
            .init(date: "2026-11-25", decisions: .init(accept: 3, review: 2, reject: 0, invalid: 1)),
            .init(date: "2026-11-27", decisions: .init(accept: 5, review: 2, reject: 2, invalid: 1)),
        ]
        var her2 = rule(findings: 4, orders: 3, overridden: 1, cards: 6, accepted: 1, overriddenCards: 3)
        her2.overrideReasons = ["protocol-population": 2, "(none)": 1]
        report.rules["her2-anthracycline-concurrent"] = her2
        report.rules["lvef-baseline-missing"] = rule(
            findings: 4,
            orders: 4,
            overridden: 0,
            cards: 2,
            accepted: 2,
            overriddenCards: 0
        )
        report.rules["lvef-monitoring-due"] = rule(
            findings: 7,
            orders: 6,
            overridden: 0,
            cards: 0,
            accepted: 0,
            overriddenCards: 0
        )
        var hostile = rule(findings: 1, orders: 1, overridden: 1, cards: 3, accepted: 2, overriddenCards: 1)
        hostile.overrideReasons = ["a\"b\\c\nd": 1]
        report.rules[hostileRule] = hostile
        report.invalidErrors = ["medications[].dose.unit": 2, "(file)": 1]
        report.cds.requests = [
            "order-sign": ["accept": 4, "reject": 2, "bad-request": 1], "order-select": ["review": 3],
        ]
        report.cds.unmatchedFeedback = ["overridden": 1]
        report.cds.authFailures = 2
        report.faults.serviceFaults = 1
        report.faults.quarantined = 2
        report.faults.reloadsFailed = 1
        report.faults.keyReloadsFailed = 0
        report.policies = [
            .init(
                digest: "sha256:" + String(repeating: "ab", count: 32),
                version: "2026.11",
                firstSeen: 1_795_521_600_000_000,
                lastSeen: 1_795_800_000_250_000
            ),
            .init(
                digest: "sha256:" + String(repeating: "cd", count: 32),
                version: "2026.12 \"local\"",
                firstSeen: 1_795_800_000_500_000,
                lastSeen: 1_796_120_000_000_000
            ),
        ]
        var a = Report(window: report.window)
        a.hosts = ["pharmacy-a"]
        a.decisions = .init(accept: 8, review: 3, reject: 2, invalid: 1)
        a.days = [.init(date: "2026-11-24", decisions: a.decisions)]
        a.rules["her2-anthracycline-concurrent"] = her2
        var b = Report(window: report.window)
        b.hosts = [hostileHost]
        b.decisions = .init(accept: 4, review: 2, reject: 1, invalid: 1)
        b.faults.serviceFaults = 1
        report.perHost = ["pharmacy-a": a, hostileHost: b]
        return report
    }

    static var empty: Report { Report(window: .init(since: 1_795_521_600_000_000, until: nil)) }
}
