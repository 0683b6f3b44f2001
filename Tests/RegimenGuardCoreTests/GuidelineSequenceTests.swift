import Foundation
import RegimenGuardCore
import Testing

/// her2-stopped-at-progression, tdxd-preferred-second-line, endocrine-missing-in-maintenance, first-line-without-thp,
/// cdk46-with-chemotherapy, lvef-monitoring-due.
@Suite struct GuidelineSequenceTests {
    /// First line THP stopped for progression (docetaxel completed earlier).
    let thpProgressed: [G.Item] = [
        .range("trastuzumab", "2026-01-06", "2026-11-10", stop: "progression"),
        .range("pertuzumab", "2026-01-06", "2026-11-10", stop: "progression"),
        .cycles("docetaxel", "2026-01-06", 6, stop: "completed"),
    ]

    // MARK: her2-stopped-at-progression (warning)

    @Test func chemotherapyAloneAfterProgressionOnHER2TherapyIsFlagged() {
        let verdict = G.judged(G.order([.cycles("capecitabine", "2026-12-01", 6)], history: thpProgressed))
        let finding = verdict.findings(G.progression).first
        #expect(finding?.severity == .warning)
        #expect(
            finding?.summary
                == "This order (capecitabine, from 2026-12-01) has no HER2-targeted agent, while the latest HER2-targeted therapy (trastuzumab and pertuzumab, ended 2026-11-10) stopped for progression"
        )
        #expect(finding?.evidence.map(\.path) == ["medications[0]", "history[0]", "history[1]"])
        #expect(verdict.decision == .review)
    }

    @Test(arguments: ["letrozole", "palbociclib", "everolimus", "vinorelbine"])
    func anySystemicTherapyWithoutHER2BlockadeIsFlagged(drug: String) {
        #expect(G.judged(G.order([.open(drug, "2026-12-01")], history: thpProgressed)).rules.contains(G.progression))
    }

    @Test func tdxdOrAnyHER2AgentAfterProgressionIsNotFlagged() {
        for drug in ["T-DXd", "T-DM1", "tucatinib", "lapatinib"] {
            #expect(
                !G.judged(G.order([.open(drug, "2026-12-01")], history: thpProgressed)).rules.contains(G.progression),
                "\(drug)"
            )
        }
    }

    @Test func onlyTheLatestHER2TherapysStopReasonCounts() {
        // Progression on first-line THP, then T-DXd completed: the latest did not stop for progression.
        let history = thpProgressed + [.range("T-DXd", "2026-11-17", "2026-11-30", stop: "completed")]
        #expect(
            !G.judged(G.order([.cycles("capecitabine", "2026-12-01", 6)], history: history)).rules.contains(
                G.progression
            )
        )
        // Supportive care alone, HER2-negative disease and early disease are out of scope.
        #expect(
            !G.judged(G.order([.open("denosumab", "2026-12-01")], history: thpProgressed)).rules.contains(G.progression)
        )
        #expect(
            !G.judged(G.order([.cycles("capecitabine", "2026-12-01", 6)], history: thpProgressed, her2: "low")).rules
                .contains(G.progression)
        )
        #expect(
            !G.judged(G.order([.cycles("capecitabine", "2026-12-01", 6)], history: thpProgressed, setting: "early"))
                .rules.contains(G.progression)
        )
    }

    // MARK: tdxd-preferred-second-line (info)

    @Test func tdm1InSecondLineWithoutPriorTDXdIsAnInfoFinding() {
        let given = G.judged(G.order([.open("Kadcyla", "2026-12-01")], line: 2))
        #expect(
            given.findings(G.tdxd).first?.summary
                == "Kadcyla from 2026-12-01 in second line (line_of_therapy 2) with no T-DXd in the history: T-DXd is preferred where available"
        )
        #expect(given.findings(G.tdxd).first?.severity == .info)
        #expect(given.decision == .accept)
        let inferred = G.judged(G.order([.open("T-DM1", "2026-12-01")], history: thpProgressed))
        #expect(
            inferred.findings(G.tdxd).first?.summary
                == "T-DM1 from 2026-12-01 in second line (inferred: trastuzumab ended 2026-11-10 and pertuzumab ended 2026-11-10 stopped for progression) with no T-DXd in the history: T-DXd is preferred where available"
        )
    }

    @Test func otherLinesOrPriorTDXdAreNotFlagged() {
        #expect(!G.judged(G.order([.open("T-DM1", "2026-12-01")], line: 3)).rules.contains(G.tdxd))
        #expect(!G.judged(G.order([.open("T-DM1", "2026-12-01")], line: 1)).rules.contains(G.tdxd))
        // T-DXd in the history (T-DM1 third line after it), whatever its line number.
        let afterTDXd = thpProgressed + [.range("T-DXd", "2026-11-17", "2026-11-30", stop: "progression")]
        #expect(!G.judged(G.order([.open("T-DM1", "2026-12-01")], history: afterTDXd)).rules.contains(G.tdxd))
        #expect(!G.judged(G.order([.open("T-DM1", "2026-12-01")], history: afterTDXd, line: 2)).rules.contains(G.tdxd))
        // No progression in the history: not second line (inferred); early disease (KATHERINE) is out of scope.
        let completed: [G.Item] = [.range("trastuzumab", "2026-01-06", "2026-11-10", stop: "completed")]
        #expect(!G.judged(G.order([.open("T-DM1", "2026-12-01")], history: completed)).rules.contains(G.tdxd))
        #expect(!G.judged(G.order([.open("T-DM1", "2026-12-01")], line: 2, setting: "early")).rules.contains(G.tdxd))
        // Progression, then HER2 therapy started after it: that later line is not second line's.
        let later = thpProgressed + [.range("lapatinib", "2026-11-11", "2026-11-30", stop: "toxicity")]
        #expect(!G.judged(G.order([.open("T-DM1", "2026-12-01")], history: later)).rules.contains(G.tdxd))
    }

    // MARK: endocrine-missing-in-maintenance (info)

    /// THP whose docetaxel window ended `end`; H + P run up to the order.
    func induction(chemoEnd end: String) -> [G.Item] {
        [
            .range("trastuzumab", "2026-05-01", "2026-11-30"), .range("pertuzumab", "2026-05-01", "2026-11-30"),
            .range("docetaxel", "2026-05-01", end, stop: "completed"),
        ]
    }

    @Test func hrPositiveHER2MaintenanceWithoutEndocrineTherapyIsAnInfoFinding() {
        let verdict = G.judged(
            G.order(
                [.open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01")],
                history: induction(chemoEnd: "2026-10-05")
            )
        )
        let finding = verdict.findings(G.maintenance).first
        #expect(finding?.severity == .info)
        #expect(
            finding?.summary
                == "Maintenance order from 2026-12-01 (trastuzumab and pertuzumab) after docetaxel (ended 2026-10-05) with no aromatase inhibitor, SERD or SERM in the order or active in the history"
        )
        #expect(verdict.decision == .accept)
    }

    @Test func theLookbackIs180DaysBeforeTheOrder() {
        let hp: [G.Item] = [.open("Phesgo", "2026-12-01")]
        #expect(G.judged(G.order(hp, history: induction(chemoEnd: "2026-06-04"))).rules.contains(G.maintenance))
        #expect(!G.judged(G.order(hp, history: induction(chemoEnd: "2026-06-03"))).rules.contains(G.maintenance))
    }

    @Test func endocrineTherapyInTheOrderOrRunningInTheHistoryIsEnough() {
        let history = induction(chemoEnd: "2026-10-05")
        #expect(
            !G.judged(G.order([.open("Phesgo", "2026-12-01"), .open("letrozole", "2026-12-01")], history: history))
                .rules.contains(G.maintenance)
        )
        #expect(
            !G.judged(G.order([.open("Phesgo", "2026-12-01")], history: history + [.open("tamoxifen", "2026-10-06")]))
                .rules.contains(G.maintenance)
        )
        #expect(
            G.judged(
                G.order(
                    [.open("Phesgo", "2026-12-01")],
                    history: history + [.range("tamoxifen", "2026-10-06", "2026-11-30")]
                )
            ).rules.contains(G.maintenance)
        )
    }

    @Test func notMaintenanceNotFlagged() {
        let history = induction(chemoEnd: "2026-10-05")
        // HR-negative; chemotherapy in the order; no HER2 therapy; T-DXd after progression (a new line, CLINICAL.md N3).
        #expect(
            !G.judged(G.order([.open("Phesgo", "2026-12-01")], history: history, hr: "negative")).rules.contains(
                G.maintenance
            )
        )
        #expect(
            !G.judged(
                G.order(
                    [.open("Phesgo", "2026-12-01"), .cycles("paclitaxel", "2026-12-01", 4, every: 7)],
                    history: history
                )
            ).rules.contains(G.maintenance)
        )
        #expect(!G.judged(G.order([.open("denosumab", "2026-12-01")], history: history)).rules.contains(G.maintenance))
        let progressed: [G.Item] = [
            .range("trastuzumab", "2026-05-01", "2026-11-16", stop: "progression"),
            .range("docetaxel", "2026-05-01", "2026-10-05", stop: "completed"),
        ]
        #expect(!G.judged(G.order([.open("T-DXd", "2026-12-01")], history: progressed)).rules.contains(G.maintenance))
    }

    // MARK: first-line-without-thp (info)

    @Test func firstLineWithoutTheTHPBackboneIsAnInfoFinding() {
        let verdict = G.judged(
            G.order([.open("letrozole", "2026-12-01"), .open("trastuzumab", "2026-12-01")], line: 1)
        )
        let finding = verdict.findings(G.thp).first
        #expect(finding?.severity == .info)
        #expect(
            finding?.summary
                == "First-line order (letrozole and trastuzumab) without trastuzumab, pertuzumab and a taxane in this order or the metastatic history: missing pertuzumab and a taxane (present: trastuzumab); confirm the rationale"
        )
        #expect(verdict.decision == .accept)
        // Endocrine therapy alone, line inferred (no history).
        #expect(G.judged(G.order([.open("anastrozole", "2026-12-01")])).rules.contains(G.thp))
    }

    @Test func thpOrACDK46InhibitorOrALaterLineIsNotThisRulesCase() {
        let thp: [G.Item] = [
            .open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01"),
            .cycles("docetaxel", "2026-12-01", 6),
        ]
        #expect(!G.judged(G.order(thp, line: 1)).rules.contains(G.thp))
        #expect(
            !G.judged(G.order([.open("Phesgo", "2026-12-01"), .cycles("paclitaxel", "2026-12-01", 12, every: 7)])).rules
                .contains(G.thp)
        )
        // A CDK4/6 inhibitor: cdk46-replaces-thp's case (critical), not this one.
        let cdk = G.judged(
            G.order(
                [
                    .open("palbociclib", "2026-12-01"), .open("letrozole", "2026-12-01"),
                    .open("trastuzumab", "2026-12-01"),
                ],
                line: 1
            )
        )
        #expect(cdk.rules.contains(Rule.cdk46) && !cdk.rules.contains(G.thp))
        #expect(
            !G.judged(G.order([.open("letrozole", "2026-12-01"), .open("trastuzumab", "2026-12-01")], line: 2)).rules
                .contains(G.thp)
        )
        // Maintenance after THP in the history (no setting, no metastatic_since: every history item counts).
        let history: [G.Item] = [
            .range("trastuzumab", "2026-05-01", "2026-11-30"), .range("pertuzumab", "2026-05-01", "2026-11-30"),
            .range("docetaxel", "2026-05-01", "2026-09-03"),
        ]
        #expect(
            !G.judged(
                G.order([.open("Phesgo", "2026-12-01"), .open("letrozole", "2026-12-01")], history: history, line: 1)
            ).rules.contains(G.thp)
        )
        // HER2-low or early disease: out of scope.
        #expect(!G.judged(G.order([.open("letrozole", "2026-12-01")], her2: "low")).rules.contains(G.thp))
        #expect(!G.judged(G.order([.open("letrozole", "2026-12-01")], setting: "early")).rules.contains(G.thp))
    }

    // MARK: cdk46-with-chemotherapy (warning)

    @Test func aCDK46InhibitorOnTheLastDayOfAChemotherapyWindowIsFlagged() {
        // Docetaxel x6 from 2026-07-07: window to 2026-11-09.
        let docetaxel = G.Item.cycles("docetaxel", "2026-07-07", 6)
        let verdict = G.judged(
            G.order([docetaxel, .open("palbociclib", "2026-11-09"), .open("letrozole", "2026-11-09")], line: 2)
        )
        let finding = verdict.findings(G.cdkChemo).first
        #expect(finding?.severity == .warning)
        #expect(finding?.summary == "palbociclib overlaps docetaxel (2026-11-09 to 2026-11-09)")
        #expect(
            !G.judged(
                G.order([docetaxel, .open("palbociclib", "2026-11-10"), .open("letrozole", "2026-11-10")], line: 2)
            ).rules.contains(G.cdkChemo)
        )
    }

    @Test func palbociclibWithAnAIAfterInductionIsNotFlagged() {
        // PATINA (CLINICAL.md N2): THP induction in the history, palbociclib + letrozole + H + P after it.
        let history: [G.Item] = [
            .range("trastuzumab", "2026-07-07", "2026-11-09"), .range("pertuzumab", "2026-07-07", "2026-11-09"),
            .cycles("docetaxel", "2026-07-07", 6, stop: "completed"),
        ]
        let verdict = G.judged(
            G.order(
                [
                    .open("trastuzumab", "2026-11-10"), .open("pertuzumab", "2026-11-10"),
                    .open("letrozole", "2026-11-10"), .open("palbociclib", "2026-11-10"),
                ],
                history: history,
                lvef: ["2026-11-03"],
                line: 1
            )
        )
        #expect(verdict.rules.isDisjoint(with: [G.cdkChemo, G.cdkEndocrine, G.thp, G.maintenance, Rule.cdk46]))
        #expect(verdict.decision == .accept)
        // A chemotherapy window entirely in the history overlapping a history CDK4/6 inhibitor is past treatment.
        let past: [G.Item] = [.cycles("docetaxel", "2026-07-07", 6), .range("palbociclib", "2026-11-01", "2026-11-20")]
        #expect(!G.judged(G.order([.open("letrozole", "2026-12-01")], history: past)).rules.contains(G.cdkChemo))
    }

    // MARK: lvef-monitoring-due (info)

    @Test func theNextLVEFIsDue13WeeksAfterTheLatest() {
        // LVEF 2026-11-24: due by 2027-02-23 (91 days). A window ending that day does not run past it.
        let onTheDay = G.judged(G.order([.range("trastuzumab", "2026-12-01", "2027-02-23")]))
        #expect(!onTheDay.rules.contains(G.monitoring))
        let dayAfter = G.judged(G.order([.range("trastuzumab", "2026-12-01", "2027-02-24")]))
        let finding = dayAfter.findings(G.monitoring).first
        #expect(finding?.severity == .info)
        #expect(
            finding?.summary
                == "Next LVEF due by 2027-02-23 (13 weeks after the latest, 2026-11-24, 60%): trastuzumab (2026-12-01 to 2027-02-24) continue past it"
        )
        #expect(finding?.evidence.map(\.path) == ["medications[0]", "observations[0]"])
        #expect(dayAfter.decision == .accept)
    }

    @Test func theLatestLVEFCountsAndOpenEndedTherapyRunsPastIt() {
        let verdict = G.judged(G.order([.open("Phesgo", "2026-12-01")], lvef: ["2026-09-01", "2026-11-30"]))
        #expect(
            verdict.findings(G.monitoring).first?.summary.hasPrefix(
                "Next LVEF due by 2027-03-01 (13 weeks after the latest, 2026-11-30"
            ) == true
        )
    }

    @Test func onlyLVEFObservationsCount() {
        // A later weight is not an LVEF: the due date counts from the LVEF.
        var text = G.order([.open("trastuzumab", "2026-12-01")], lvef: ["2026-11-24"], line: 2)
        text = text.replacingOccurrences(
            of: "\"unit\": \"%\", \"date\": \"2026-11-24\"}]",
            with:
                "\"unit\": \"%\", \"date\": \"2026-11-24\"}, {\"type\": \"weight\", \"value\": 68, \"unit\": \"kg\", \"date\": \"2026-11-30\"}]"
        )
        #expect(text.contains("weight"))
        let verdict = G.judged(text)
        #expect(
            verdict.findings(G.monitoring).first?.summary.hasPrefix(
                "Next LVEF due by 2027-02-23 (13 weeks after the latest, 2026-11-24, 60%)"
            ) == true
        )
        // A weight alone is no baseline LVEF either.
        let weightOnly = text.replacingOccurrences(
            of: "{\"type\": \"lvef\", \"value\": 60, \"unit\": \"%\", \"date\": \"2026-11-24\"}, ",
            with: ""
        )
        #expect(!weightOnly.contains("lvef"))
        #expect(G.judged(weightOnly).rules.contains(Rule.lvef))
    }

    @Test func noLVEFOrNoHER2AntibodyIsNotThisRulesCase() {
        // Without any LVEF, lvef-baseline-missing (critical) says so; a HER2 TKI is not an antibody.
        let none = G.judged(G.order([.open("trastuzumab", "2026-12-01")], lvef: []))
        #expect(none.rules.contains(Rule.lvef) && !none.rules.contains(G.monitoring))
        #expect(
            !G.judged(G.order([.open("lapatinib", "2026-12-01"), .open("capecitabine", "2026-12-01")], line: 3)).rules
                .contains(G.monitoring)
        )
    }
}
