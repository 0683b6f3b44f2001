import RegimenGuardCore
import Testing

/// cdk46-replaces-thp: a CDK4/6 inhibitor in first line needs trastuzumab + pertuzumab + taxane first.
@Suite struct BackboneRuleTests {
    let thpHistory: [Med] = [
        .range("trastuzumab", "2026-04-01", "2026-08-04"), .range("pertuzumab", "2026-04-01", "2026-08-04"),
        .range("docetaxel", "2026-04-01", "2026-08-04"),
    ]

    @Test(arguments: ["palbociclib", "ribociclib", "abemaciclib", "Ibrance"])
    func aCDK46InhibitorReplacingTHPInFirstLineIsCritical(drug: String) {
        let verdict = judge(
            order(
                [.open(drug, "2026-12-01"), .open("letrozole", "2026-12-01"), .open("trastuzumab", "2026-12-01")],
                lvef: ["2026-11-20"],
                line: 1
            )
        )
        let finding = verdict.findings(Rule.cdk46).first
        #expect(finding?.severity == .critical)
        #expect(finding?.summary.contains("missing pertuzumab and a taxane") == true)
        #expect(verdict.decision == .reject)
    }

    @Test func withoutALineAndWithoutPriorTherapyTheOrderIsFirstLine() {
        #expect(
            judge(order([.open("palbociclib", "2026-12-01"), .open("letrozole", "2026-12-01")])).v1Rules == [Rule.cdk46]
        )
    }

    @Test func palbociclibAddedToMaintenanceAfterTHPIsPATINA() {
        let meds: [Med] = [
            .open("trastuzumab", "2026-08-05"), .open("pertuzumab", "2026-08-05"), .open("anastrozole", "2026-08-05"),
            .open("palbociclib", "2026-08-05"),
        ]
        #expect(judge(order(meds, history: thpHistory, lvef: ["2026-07-20"], line: 1)).v1Findings.isEmpty)
        #expect(judge(order(meds, history: thpHistory, lvef: ["2026-07-20"])).v1Findings.isEmpty)
    }

    @Test(arguments: ["ribociclib", "abemaciclib"])
    func otherCDK46InhibitorsInMaintenanceAreOffEvidence(drug: String) {
        let meds: [Med] = [
            .open("trastuzumab", "2026-08-05"), .open("pertuzumab", "2026-08-05"), .open("letrozole", "2026-08-05"),
            .open(drug, "2026-08-05"),
        ]
        let verdict = judge(order(meds, history: thpHistory, lvef: ["2026-07-20"], line: 1))
        #expect(verdict.findings(Rule.cdk46).map(\.severity) == [.warning])
    }

    @Test func phesgoAndATaxaneInTheOrderAreTheBackbone() {
        let meds: [Med] = [
            .open("Phesgo", "2026-12-01"), .cycles("paclitaxel", "2026-12-01", 12, every: 7),
            .open("palbociclib", "2027-03-01"),
        ]
        #expect(!judge(order(meds, lvef: ["2026-11-20"], line: 1)).rules.contains(Rule.cdk46))
    }

    @Test func tdm1IsNotTrastuzumabForTheBackbone() {
        let meds: [Med] = [
            .open("T-DM1", "2026-12-01"), .open("pertuzumab", "2026-12-01"), .cycles("docetaxel", "2026-12-01", 6),
            .open("palbociclib", "2026-12-01"),
        ]
        #expect(
            judge(order(meds, lvef: ["2026-11-20"], line: 1)).findings(Rule.cdk46).first?.summary.contains(
                "missing trastuzumab"
            ) == true
        )
    }

    @Test func laterLinesAreNotChecked() {
        let meds: [Med] = [
            .open("abemaciclib", "2026-12-01"), .open("trastuzumab", "2026-12-01"), .open("fulvestrant", "2026-12-01"),
        ]
        let history: [Med] = [.range("T-DXd", "2025-06-01", "2026-11-01", stop: "progression")]
        #expect(!judge(order(meds, history: history, lvef: ["2026-11-20"])).rules.contains(Rule.cdk46))
        #expect(!judge(order(meds, lvef: ["2026-11-20"], line: 3)).rules.contains(Rule.cdk46))
    }

    @Test func hormoneReceptorPositiveHER2NegativeDiseaseIsNotChecked() {
        #expect(
            judge(order([.open("palbociclib", "2026-12-01"), .open("letrozole", "2026-12-01")], her2: "negative"))
                .v1Findings.isEmpty
        )
    }

    @Test func aDocumentedRationaleOverridesTheFinding() {
        let verdict = judge(
            order(
                [
                    .open("palbociclib", "2026-12-01"), .open("letrozole", "2026-12-01"),
                    .open("trastuzumab", "2026-12-01"),
                ],
                lvef: ["2026-11-20"],
                line: 1,
                overrides: [(Rule.cdk46, "Trial protocol XYZ-123, tumour board 2026-11-24")]
            )
        )
        #expect(verdict.findings(Rule.cdk46).first?.overridden == true)
        #expect(verdict.decision == .accept)
    }
}
