import RegimenGuardCore
import Testing

/// her2-dropped-at-chemo-stop: HER2 therapy must continue when chemotherapy stops (HER2+ metastatic).
@Suite struct ContinuationRuleTests {
    let docetaxel = Med.cycles("docetaxel", "2026-06-01", 6)  // window 2026-06-01..2026-10-04

    @Test func her2TherapyEndingWithTheChemotherapyIsFlagged() {
        let verdict = judge(
            order(
                [.cycles("trastuzumab", "2026-06-01", 6), .cycles("pertuzumab", "2026-06-01", 6), docetaxel],
                lvef: ["2026-05-20"]
            )
        )
        let finding = verdict.findings(Rule.dropped).first
        #expect(finding?.severity == .warning)
        #expect(finding?.summary.contains("(trastuzumab and pertuzumab) ends 2026-10-04") == true)
        #expect(verdict.decision == .review)
    }

    @Test func openEndedHER2TherapyContinues() {
        let verdict = judge(
            order(
                [.open("trastuzumab", "2026-06-01"), .open("pertuzumab", "2026-06-01"), docetaxel],
                lvef: ["2026-05-20"]
            )
        )
        #expect(verdict.v1Findings.isEmpty)
    }

    @Test(arguments: ["progression", "toxicity", "cardiotoxicity", "patient_choice"])
    func aDocumentedStopReasonIsNotFlagged(reason: String) {
        let verdict = judge(
            order(
                [
                    .cycles("trastuzumab", "2026-06-01", 6, stop: reason),
                    .cycles("pertuzumab", "2026-06-01", 6, stop: reason), docetaxel,
                ],
                lvef: ["2026-05-20"]
            )
        )
        #expect(!verdict.rules.contains(Rule.dropped))
    }

    @Test(arguments: ["completed", "other"])
    func completedOrOtherIsNoReasonToStopHER2Therapy(reason: String) {
        let verdict = judge(
            order(
                [
                    .cycles("trastuzumab", "2026-06-01", 6, stop: reason),
                    .cycles("pertuzumab", "2026-06-01", 6, stop: reason), docetaxel,
                ],
                lvef: ["2026-05-20"]
            )
        )
        #expect(verdict.rules.contains(Rule.dropped))
    }

    @Test func onlyHER2PositiveMetastaticDiseaseIsChecked() {
        let meds: [Med] = [.cycles("trastuzumab", "2026-06-01", 6), docetaxel]
        #expect(!judge(order(meds, lvef: ["2026-05-20"], setting: "early")).rules.contains(Rule.dropped))
        #expect(!judge(order(meds, lvef: ["2026-05-20"], her2: "low")).rules.contains(Rule.dropped))
        #expect(judge(order(meds, lvef: ["2026-05-20"], setting: "advanced")).rules.contains(Rule.dropped))
    }

    @Test func switchingToPhesgoOrABiosimilarIsContinuation() {
        let verdict = judge(
            order(
                [
                    .cycles("trastuzumab", "2026-06-01", 6), .cycles("pertuzumab", "2026-06-01", 6), docetaxel,
                    .open("Phesgo", "2026-10-05"),
                ],
                lvef: ["2026-05-20", "2026-09-20"]
            )
        )
        #expect(verdict.v1Findings.isEmpty)
        let maintenance = judge(
            order(
                [.open("trastuzumab-dkst", "2026-10-05"), .open("pertuzumab", "2026-10-05")],
                history: [
                    .range("Herceptin", "2026-06-01", "2026-10-04"), .range("pertuzumab", "2026-06-01", "2026-10-04"),
                    .range("docetaxel", "2026-06-01", "2026-10-04"),
                ],
                lvef: ["2026-09-20"]
            )
        )
        #expect(maintenance.v1Findings.isEmpty)
    }

    @Test func aMaintenanceOrderWithoutHER2TherapyAfterTHPIsFlagged() {
        let history: [Med] = [
            .range("trastuzumab", "2026-06-01", "2026-10-04"), .range("pertuzumab", "2026-06-01", "2026-10-04"),
            .range("docetaxel", "2026-06-01", "2026-10-04"),
        ]
        let verdict = judge(order([.open("letrozole", "2026-10-10")], history: history))
        let finding = verdict.findings(Rule.dropped).first
        #expect(finding?.summary.contains("no HER2-targeted therapy") == true)
        #expect(finding?.evidence.map(\.path) == ["history[0]", "history[1]", "history[2]"])
        #expect(verdict.decision == .review)
    }

    @Test func progressionThenTDXdIsALineChangeNotADrop() {
        let history: [Med] = [
            .range("trastuzumab", "2026-01-01", "2026-10-04", stop: "progression"),
            .range("pertuzumab", "2026-01-01", "2026-10-04", stop: "progression"),
            .range("docetaxel", "2026-01-01", "2026-05-06", stop: "completed"),
        ]
        #expect(
            judge(order([.open("T-DXd", "2026-10-20")], history: history, lvef: ["2026-10-01"], line: 2)).v1Findings
                .isEmpty
        )
        #expect(judge(order([.cycles("capecitabine", "2026-10-20", 6)], history: history)).v1Findings.isEmpty)
    }

    @Test func aMaintenanceOrderLongAfterTheLastHER2DoseIsNotFlagged() {
        let history: [Med] = [
            .range("trastuzumab", "2024-01-01", "2024-12-31"), .range("paclitaxel", "2024-01-01", "2024-03-25"),
        ]
        #expect(!judge(order([.open("letrozole", "2026-10-10")], history: history)).rules.contains(Rule.dropped))
    }
}
