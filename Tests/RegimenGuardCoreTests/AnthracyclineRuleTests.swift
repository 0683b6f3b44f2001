import RegimenGuardCore
import Testing

/// her2-anthracycline-concurrent: HER2 antibody overlapping an anthracycline, or an anthracycline inside the
/// 7-month washout after the HER2 therapy ended.
@Suite struct AnthracyclineRuleTests {
    @Test(arguments: [
        "trastuzumab", "Ogivri", "trastuzumab-dkst", "Kadcyla", "T-DXd", "Phesgo", "Perjeta", "Herceptin Hylecta",
    ])
    func flagsAnyHER2AntibodyOverlappingAnAnthracycline(antibody: String) {
        let verdict = judge(
            order(
                [.open(antibody, "2026-12-01"), .cycles("epirubicin", "2026-12-01", 4)],
                lvef: ["2026-11-20"]
            )
        )
        let findings = verdict.findings(Rule.anthracycline)
        #expect(findings.count == 1)
        #expect(findings.first?.severity == .critical)
        #expect(verdict.decision == .reject)
        #expect(findings.first?.summary.contains("2026-12-01 to 2027-02-22") == true)
        #expect(findings.first?.evidence.map(\.path) == ["medications[0]", "medications[1]"])
    }

    @Test func flagsPhesgoWithPegylatedLiposomalDoxorubicin() {
        let verdict = judge(
            order(
                [
                    .open("Phesgo", "2026-12-01"),
                    .cycles("pegylated liposomal doxorubicin", "2026-12-01", 4, every: 28),
                ],
                lvef: ["2026-11-20"]
            )
        )
        #expect(verdict.rules.contains(Rule.anthracycline))
    }

    @Test func flagsDoxorubicinThreeMonthsAfterTheLastTrastuzumab() {
        let verdict = judge(
            order(
                [.cycles("doxorubicin", "2026-12-01", 4)],
                history: [.range("trastuzumab", "2025-06-01", "2026-09-01", stop: "progression")],
                lvef: ["2026-11-20"]
            )
        )
        let finding = verdict.findings(Rule.anthracycline).first
        #expect(finding?.severity == .critical)
        #expect(finding?.summary.contains("inside the 7 months washout (until 2027-04-01)") == true)
    }

    @Test func washoutEndsSevenCalendarMonthsAfterTheLastWindowDay() {
        let history: [Med] = [.range("trastuzumab", "2025-06-01", "2026-09-01", stop: "progression")]
        let onTheLastDay = judge(
            order([.cycles("doxorubicin", "2027-04-01", 4)], history: history, lvef: ["2027-03-20"])
        )
        let dayAfter = judge(order([.cycles("doxorubicin", "2027-04-02", 4)], history: history, lvef: ["2027-03-20"]))
        #expect(onTheLastDay.rules.contains(Rule.anthracycline))
        #expect(!dayAfter.rules.contains(Rule.anthracycline))
    }

    @Test func sequentialACThenTrastuzumabIsNotFlagged() {
        // AC q21d x4 from 2026-06-01: window 2026-06-01..2026-08-23; TH starts the next day.
        let ac: [Med] = [.cycles("doxorubicin", "2026-06-01", 4), .cycles("cyclophosphamide", "2026-06-01", 4)]
        let sequential = judge(
            order(
                ac + [.cycles("paclitaxel", "2026-08-24", 12, every: 7), .open("trastuzumab", "2026-08-24")],
                lvef: ["2026-05-20", "2026-08-20"],
                setting: "early"
            )
        )
        #expect(!sequential.rules.contains(Rule.anthracycline))
        let lastDay = judge(
            order(
                ac + [.cycles("paclitaxel", "2026-08-23", 12, every: 7), .open("trastuzumab", "2026-08-23")],
                lvef: ["2026-05-20", "2026-08-20"],
                setting: "early"
            )
        )
        #expect(lastDay.rules.contains(Rule.anthracycline))
    }

    @Test func anthracyclineInTheHistoryBeforeHER2TherapyIsNotFlagged() {
        let verdict = judge(
            order(
                [
                    .open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01"),
                    .cycles("docetaxel", "2026-12-01", 6),
                ],
                history: [.range("doxorubicin", "2025-01-10", "2025-03-14", stop: "completed")],
                lvef: ["2026-11-18"]
            )
        )
        #expect(verdict.decision == .accept)
        #expect(verdict.v1Findings.isEmpty)
    }

    @Test func mitoxantroneOrAHER2KinaseInhibitorIsAWarning() {
        let mitoxantrone = judge(
            order([.open("trastuzumab", "2026-12-01"), .cycles("mitoxantrone", "2026-12-01", 4)], lvef: ["2026-11-20"])
        )
        #expect(mitoxantrone.findings(Rule.anthracycline).map(\.severity) == [.warning])
        #expect(mitoxantrone.decision == .review)
        let lapatinib = judge(
            order([.open("lapatinib", "2026-12-01"), .cycles("doxorubicin", "2026-12-01", 4)], lvef: ["2026-11-20"])
        )
        #expect(lapatinib.findings(Rule.anthracycline).map(\.severity) == [.warning])
    }

    @Test func pairsEntirelyInTheHistoryAreNotFlagged() {
        let verdict = judge(
            order(
                [.open("letrozole", "2026-12-01")],
                history: [
                    .range("trastuzumab", "2020-01-01", "2020-06-01", stop: "completed"),
                    .range("doxorubicin", "2020-01-01", "2020-03-01"),
                ],
                setting: "early"
            )
        )
        #expect(!verdict.rules.contains(Rule.anthracycline))
    }

    @Test func anOverrideKeepsTheFindingButItNoLongerDecides() {
        let verdict = judge(
            order(
                [
                    .open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01"),
                    .cycles("epirubicin", "2026-12-01", 3),
                    .cycles("fluorouracil", "2026-12-01", 3), .cycles("cyclophosphamide", "2026-12-01", 3),
                ],
                lvef: ["2026-11-20"],
                setting: "early",
                overrides: [(Rule.anthracycline, "NCT01855828 protocol: FEC + H + P")]
            )
        )
        let findings = verdict.findings(Rule.anthracycline)
        #expect(findings.count == 2)
        #expect(findings.allSatisfy { $0.overridden && $0.override?.reason == "NCT01855828 protocol: FEC + H + P" })
        #expect(verdict.decision == .accept)
    }
}
