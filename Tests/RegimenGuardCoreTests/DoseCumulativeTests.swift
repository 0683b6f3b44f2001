import Foundation
import RegimenGuardCore
import Testing

/// cumulative-anthracycline-dose: lifetime anthracycline over the history and the order against the limits
/// (CLINICAL C15, E12).
@Suite struct DoseCumulativeTests {
    let lvef = [V2.lvef(60, "2026-11-24")]

    /// Four cycles of doxorubicin 60 mg/m2 (240 mg/m2) after `prior` mg/m2 of adjuvant doxorubicin.
    func afterAdjuvant(_ prior: Double, drug: String = "doxorubicin", priorDrug: String = "doxorubicin") -> Verdict {
        judge(
            v2Order(
                [V2.med(drug, "2026-12-01", cycles: 4, dose: (60, "mg/m2"))],
                history: [V2.med(priorDrug, "2019-01-10", end: "2019-03-14", cumulative: prior, setting: "early")],
                observations: lvef
            )
        )
    }

    @Test func doxorubicin549IsBelowTheLimitAnd550ReachesIt() {
        #expect(afterAdjuvant(309).findings(Rule.cumulative).isEmpty)
        let verdict = afterAdjuvant(310)
        let finding = try! #require(verdict.findings(Rule.cumulative).first)
        #expect(finding.severity == .critical)
        #expect(verdict.decision == .reject)
        #expect(
            finding.summary
                == "Lifetime anthracycline dose 550 mg/m2 of doxorubicin, at or above its limit of 550 mg/m2: doxorubicin (history[0]) 310 mg/m2 given; doxorubicin (medications[0]) 60 mg/m2 x 4 = 240 mg/m2"
        )
        #expect(finding.evidence.map(\.path) == ["history[0]", "medications[0]"])
    }

    @Test func theIssuesExample400AdjuvantAndFourMoreCyclesIsRejected() {
        #expect(
            afterAdjuvant(400).findings(Rule.cumulative).first?.summary.hasPrefix(
                "Lifetime anthracycline dose 640 mg/m2 of doxorubicin"
            ) == true
        )
    }

    @Test func epirubicin949IsBelowTheLimitAnd950ReachesIt() {
        #expect(afterAdjuvant(709, drug: "epirubicin", priorDrug: "epirubicin").findings(Rule.cumulative).isEmpty)
        let summary = afterAdjuvant(710, drug: "epirubicin", priorDrug: "epirubicin").findings(Rule.cumulative).first?
            .summary
        #expect(
            summary?.hasPrefix(
                "Lifetime anthracycline dose 950 mg/m2 of epirubicin, at or above its limit of 950 mg/m2"
            ) == true
        )
    }

    @Test func severalAnthracyclinesAddTheirFractionsOfEachLimit() {
        // 475 of 950 epirubicin (50%) + 275 of 550 doxorubicin (50%) = 100%.
        let verdict = judge(
            v2Order(
                [V2.med("doxorubicin", "2026-12-01", cycles: 5, dose: (55, "mg/m2"))],
                history: [V2.med("epirubicin", "2018-01-10", end: "2018-03-14", cumulative: 475)],
                observations: lvef
            )
        )
        #expect(
            verdict.findings(Rule.cumulative).first?.summary.hasPrefix(
                "Lifetime anthracycline dose 100% of the limits together (doxorubicin 275 of 550 mg/m2, 50% and epirubicin 475 of 950 mg/m2, 50%)"
            ) == true
        )
        let below = judge(
            v2Order(
                [V2.med("doxorubicin", "2026-12-01", cycles: 5, dose: (55, "mg/m2"))],
                history: [V2.med("epirubicin", "2018-01-10", end: "2018-03-14", cumulative: 474)],
                observations: lvef
            )
        )
        #expect(below.findings(Rule.cumulative).isEmpty)
    }

    @Test func liposomalDoxorubicinCountsAgainstThePolicysLimit() {
        // The policy gives liposomal doxorubicin doxorubicin's 550 mg/m2: 50 x 10 = 500 is below, 50 x 11 = 550 reaches it.
        func liposomal(_ cycles: Int) -> Verdict {
            judge(
                v2Order(
                    [V2.med("Caelyx", "2026-12-01", cycles: cycles, every: 28, dose: (50, "mg/m2"))],
                    observations: lvef
                )
            )
        }
        #expect(liposomal(10).findings(Rule.cumulative).isEmpty)
        #expect(
            liposomal(11).findings(Rule.cumulative).first?.summary.hasPrefix(
                "Lifetime anthracycline dose 550 mg/m2 of liposomal doxorubicin, at or above its limit of 550 mg/m2"
            ) == true
        )
        // With prior doxorubicin, the fractions add up: 300/550 + 250/550.
        let mixed = judge(
            v2Order(
                [V2.med("pegylated liposomal doxorubicin", "2026-12-01", cycles: 5, every: 28, dose: (50, "mg/m2"))],
                history: [V2.med("doxorubicin", "2019-01-10", end: "2019-03-14", cumulative: 300)],
                observations: lvef
            )
        )
        #expect(mixed.findings(Rule.cumulative).first?.summary.contains("100% of the limits together") == true)
    }

    @Test func dosesPerCycleAndTheLoadingDoseMakeTheAdministrations() {
        // Weekly doxorubicin 20 mg/m2 on days 1, 8, 15 of 4 cycles: 12 administrations, 240 mg/m2, after 310.
        let weekly = judge(
            v2Order(
                [V2.med("doxorubicin", "2026-12-01", cycles: 4, every: 21, perCycle: 3, dose: (20, "mg/m2"))],
                history: [V2.med("doxorubicin", "2019-01-10", end: "2019-03-14", cumulative: 310)],
                observations: lvef
            )
        )
        #expect(
            weekly.findings(Rule.cumulative).first?.summary.contains(
                "doxorubicin (medications[0]) 20 mg/m2 x 12 = 240 mg/m2"
            ) == true
        )
        let loading = judge(
            v2Order(
                [V2.med("doxorubicin", "2026-12-01", cycles: 4, dose: (60, "mg/m2"), loading: (70, "mg/m2"))],
                history: [V2.med("doxorubicin", "2019-01-10", end: "2019-03-14", cumulative: 300)],
                observations: lvef
            )
        )
        #expect(
            loading.findings(Rule.cumulative).first?.summary.contains(
                "doxorubicin (medications[0]) 70 mg/m2 + 60 mg/m2 x 3 = 250 mg/m2"
            ) == true
        )
    }

    @Test func historyDosesTimesAdministrationsCountWhenNoCumulativeDoseIsGiven() {
        let verdict = judge(
            v2Order(
                [V2.med("doxorubicin", "2026-12-01", cycles: 2, dose: (60, "mg/m2"))],
                history: [V2.med("doxorubicin", "2019-01-10", cycles: 8, dose: (60, "mg/m2"), setting: "early")],
                observations: lvef
            )
        )
        #expect(
            verdict.findings(Rule.cumulative).first?.summary.contains(
                "doxorubicin (history[0]) 60 mg/m2 x 8 = 480 mg/m2"
            ) == true
        )
    }

    @Test func anMgDoseIsConvertedWithTheBSA() {
        // BSA 2.0 m2: 120 mg is 60 mg/m2; four cycles after 310 reach 550.
        let verdict = judge(
            v2Order(
                [V2.med("doxorubicin", "2026-12-01", cycles: 4, dose: (120, "mg"))],
                history: [V2.med("doxorubicin", "2019-01-10", end: "2019-03-14", cumulative: 310)],
                observations: lvef + [V2.bsa(2.0, "2026-11-20")]
            )
        )
        #expect(verdict.findings(Rule.cumulative).first?.summary.contains("60 mg/m2 x 4 = 240 mg/m2") == true)
        let noBSA = judge(
            v2Order([V2.med("doxorubicin", "2026-12-01", cycles: 4, dose: (120, "mg"))], observations: lvef)
        )
        #expect(
            noBSA.findings(Rule.cumulative).map(\.summary) == [
                "doxorubicin (starts 2026-12-01): the lifetime anthracycline dose cannot be computed: its mg dose needs a BSA (or a weight and a height) on or before its start"
            ]
        )
    }

    @Test func anAnthracyclineWithoutADoseOrCyclesGetsAnInfoFinding() {
        let noDose = judge(v2Order([V2.med("doxorubicin", "2026-12-01", cycles: 4)], observations: lvef))
        let finding = try! #require(noDose.findings(Rule.cumulative).first)
        #expect(finding.severity == .info)
        #expect(noDose.decision == .accept)
        #expect(
            finding.summary
                == "doxorubicin (starts 2026-12-01): the lifetime anthracycline dose cannot be computed: the item has no dose"
        )
        let open = judge(v2Order([V2.med("epirubicin", "2026-12-01", dose: (90, "mg/m2"))], observations: lvef))
        #expect(
            open.findings(Rule.cumulative).first?.summary.hasSuffix(
                "the item has no cycles, so the number of administrations is unknown"
            ) == true
        )
        let noLimit = judge(
            v2Order([V2.med("idarubicin", "2026-12-01", cycles: 3, dose: (12, "mg/m2"))], observations: lvef)
        )
        #expect(
            noLimit.findings(Rule.cumulative).first?.summary.hasSuffix(
                "the policy gives this anthracycline no lifetime limit"
            ) == true
        )
    }

    @Test func aHistoryItemOfUnknownDoseIsNamedAsNotCounted() {
        let verdict = judge(
            v2Order(
                [V2.med("doxorubicin", "2026-12-01", cycles: 10, dose: (60, "mg/m2"))],
                history: [V2.med("epirubicin", "2018-01-01", end: "2018-03-01")],
                observations: lvef
            )
        )
        let summaries = verdict.findings(Rule.cumulative).map(\.summary)
        #expect(
            summaries == [
                "Lifetime anthracycline dose 600 mg/m2 of doxorubicin, at or above its limit of 550 mg/m2: doxorubicin (medications[0]) 60 mg/m2 x 10 = 600 mg/m2 (not counted, dose unknown: history[0])"
            ]
        )
    }

    @Test func onlyAnOrderGivingAnAnthracyclineIsJudged() {
        let verdict = judge(
            v2Order(
                [V2.med("paclitaxel", "2026-12-01", cycles: 4)],
                history: [V2.med("doxorubicin", "2019-01-10", end: "2019-03-14", cumulative: 600)],
                observations: lvef
            )
        )
        #expect(verdict.findings(Rule.cumulative).isEmpty)
        let mitoxantrone = judge(
            v2Order(
                [V2.med("mitoxantrone", "2026-12-01", cycles: 4, dose: (12, "mg/m2"))],
                history: [V2.med("doxorubicin", "2019-01-10", end: "2019-03-14", cumulative: 600)],
                observations: lvef
            )
        )
        #expect(mitoxantrone.findings(Rule.cumulative).isEmpty)
    }

    @Test func hundredsOfHistoryAdministrationsCostLinearTime() {
        // 2,000 weekly history items, 500 LVEF/weight observations and 200 ordered items: the heart and dose rules
        // answer at once (sorted observation timelines, one pass over the items).
        let history =
            (0..<2000).map { i in
                V2.med(
                    "paclitaxel",
                    Day(daysSinceEpoch: 17000 + 7 * i).description,
                    end: Day(daysSinceEpoch: 17000 + 7 * i).description
                )
            } + [V2.med("doxorubicin", "2019-01-10", end: "2019-03-14", cumulative: 100)]
        let observations =
            (0..<250).flatMap { i in
                [
                    V2.lvef(60, Day(daysSinceEpoch: 17000 + 14 * i).description),
                    V2.weight(70, Day(daysSinceEpoch: 17000 + 14 * i).description),
                ]
            } + [V2.lvef(60, "2026-11-24"), V2.weight(70, "2026-11-24"), V2.height(165, "2026-11-24")]
        let medications = (0..<100).flatMap { i in
            [
                V2.med("doxorubicin", Day(daysSinceEpoch: 20500 + i).description, cycles: 1, dose: (10, "mg/m2")),
                V2.med("trastuzumab", Day(daysSinceEpoch: 20500 + i).description, cycles: 1, dose: (420, "mg")),
            ]
        }
        let verdict = judge(v2Order(medications, history: history, observations: observations))
        #expect(verdict.findings(Rule.cumulative).first?.severity == .critical)
    }
}
