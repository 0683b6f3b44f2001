import RegimenGuardCore
import Testing

/// What one order can cost the rules: findings merged per pair of agents with capped evidence, a long history
/// paired with the order's items only, and an order whose rule work would pass its budget judged invalid.
@Suite struct RuleCostTests {
    @Test func manyItemsOfTheSameTwoAgentsGiveOneFindingWithCappedEvidence() {
        let items =
            (0..<150).map { _ in Med.cycles("trastuzumab", "2026-12-01", 6) }
            + (0..<150).map { _ in Med.cycles("doxorubicin", "2026-12-01", 4) }
        let verdict = judge(order(items, lvef: ["2026-11-20"]))
        let findings = verdict.findings("her2-anthracycline-concurrent")
        #expect(findings.count == 1)
        #expect(findings.first?.evidence.count == 20)
        #expect(findings.first?.summary.hasSuffix("(evidence lists 20 items; 280 more)") == true)
        #expect(verdict.decision == .reject)
    }

    @Test func twoPairsOfAgentsGiveTwoFindings() {
        let verdict = judge(
            order(
                [
                    .open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01"),
                    .cycles("epirubicin", "2026-12-01", 4),
                    .cycles("epirubicin", "2027-01-01", 2),
                ],
                lvef: ["2026-11-20"]
            )
        )
        #expect(verdict.findings("her2-anthracycline-concurrent").count == 2)
    }

    @Test func anOrderWhoseRuleWorkPassesTheBudgetIsInvalidSayingSo() {
        // 2 x 3,200 x 3,200 units for the pair rules alone: over the standard budget of 20 million.
        let items =
            (0..<1_600).map { _ in Med.cycles("trastuzumab", "2026-12-01", 6) }
            + (0..<1_600).map { _ in Med.cycles("doxorubicin", "2026-12-01", 4) }
        let verdict = judge(order(items, lvef: ["2026-11-20"]))
        #expect(verdict.decision == .invalid)
        #expect(verdict.findings.isEmpty)
        #expect(verdict.errors.map(\.message) == [WorkBudget().exhaustedMessage])
        #expect(verdict.orderID == "RX-TEST-1")
    }

    @Test func aLongHistoryIsPairedWithTheOrderOnly() {
        // 4,000 past administrations, each an anthracycline overlapping a past HER2 antibody: history-only pairs are
        // past treatment, not this order's decision, and cost nothing.
        let history = (0..<2_000).flatMap { i -> [Med] in
            let day = "20\(20 + i / 365 % 5)-0\(1 + i % 9)-1\(i % 10)"
            return [.range("trastuzumab", day, day), .range("doxorubicin", day, day)]
        }
        let verdict = judge(order([.open("letrozole", "2026-12-01")], history: history))
        #expect(verdict.decision != .invalid, "\(verdict.errors)")
        #expect(verdict.findings("her2-anthracycline-concurrent").isEmpty)
    }
}
