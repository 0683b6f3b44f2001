import RegimenGuardCore
import Testing

/// duplicate-her2-therapy, her2-status-not-positive, endocrine-without-hr-positive.
@Suite struct GuidelineStatusTests {
    // MARK: duplicate-her2-therapy (critical)

    @Test(arguments: [
        ("Herceptin", "Ogivri", "trastuzumab"), ("trastuzumab", "T-DM1", "trastuzumab"),
        ("Phesgo", "Perjeta", "pertuzumab"),
        ("Phesgo", "trastuzumab", "trastuzumab"),
        ("Kadcyla", "Enhertu", "trastuzumab and a HER2 antibody-drug conjugate"),
        ("Herceptin Hylecta", "trastuzumab-dkst", "trastuzumab"),
    ])
    func twoProductsGivingTheSameAntibodyAreFlagged(first: String, second: String, shared: String) {
        let verdict = G.judged(G.order([.open(first, "2026-12-01"), .open(second, "2026-12-01")], line: 2))
        let finding = verdict.findings(G.duplicate).first
        #expect(finding?.severity == .critical)
        #expect(
            finding?.summary
                == "\(first) and \(second) are both active from 2026-12-01, open-ended: both contain \(shared)"
        )
        #expect(finding?.evidence.map(\.path) == ["medications[0]", "medications[1]"])
        #expect(verdict.decision == .reject)
    }

    @Test func aSwitchWithWindowsThatDoNotOverlapIsNotFlagged() {
        // Herceptin to a biosimilar, IV H + P to Phesgo, T-DM1 to T-DXd: the second starts the day after the first ends.
        #expect(
            !G.judged(G.order([.range("Herceptin", "2026-12-01", "2027-01-31"), .open("Ogivri", "2027-02-01")])).rules
                .contains(G.duplicate)
        )
        #expect(
            !G.judged(
                G.order([
                    .range("trastuzumab", "2026-12-01", "2027-01-31"), .range("pertuzumab", "2026-12-01", "2027-01-31"),
                    .open("Phesgo", "2027-02-01"),
                ])
            ).rules.contains(G.duplicate)
        )
        #expect(
            !G.judged(G.order([.range("T-DM1", "2026-12-01", "2027-01-31"), .open("T-DXd", "2027-02-01")], line: 3))
                .rules.contains(G.duplicate)
        )
    }

    @Test func oneSharedDayIsADuplicate() {
        let verdict = G.judged(
            G.order([.range("Herceptin", "2026-12-01", "2027-02-01"), .open("Ogivri", "2027-02-01")])
        )
        #expect(
            verdict.findings(G.duplicate).first?.summary
                == "Herceptin and Ogivri are both active from 2027-02-01 to 2027-02-01: both contain trastuzumab"
        )
    }

    @Test func differentAntibodiesAndTheHistoryAreNotDuplicates() {
        // Trastuzumab + pertuzumab (THP), Phesgo alone, T-DXd + pertuzumab (DESTINY-Breast09), and a history item
        // overlapping an order item (the history is given, not ordered).
        #expect(
            !G.judged(G.order([.open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01")])).rules.contains(
                G.duplicate
            )
        )
        #expect(!G.judged(G.order([.open("Phesgo", "2026-12-01")])).rules.contains(G.duplicate))
        #expect(
            !G.judged(G.order([.open("T-DXd", "2026-12-01"), .open("pertuzumab", "2026-12-01")])).rules.contains(
                G.duplicate
            )
        )
        #expect(
            !G.judged(G.order([.open("Ogivri", "2026-12-01")], history: [.open("Herceptin", "2026-06-01")])).rules
                .contains(G.duplicate)
        )
        #expect(
            !G.judged(
                G.order([
                    .open("trastuzumab", "2026-12-01"), .open("tucatinib", "2026-12-01"),
                    .open("capecitabine", "2026-12-01"),
                ])
            ).rules.contains(G.duplicate)
        )
    }

    @Test func manyCopiesOfOnePairAreOneFinding() {
        let items: [G.Item] = [
            .open("Herceptin", "2026-12-01"), .open("Ogivri", "2026-12-01"), .open("Ogivri", "2026-12-08"),
        ]
        let findings = G.judged(G.order(items)).findings(G.duplicate)
        #expect(findings.count == 1)  // Herceptin and Ogivri are one agent (trastuzumab): one finding, three items
        #expect(findings.first?.evidence.map(\.path) == ["medications[0]", "medications[1]", "medications[2]"])
    }

    // MARK: her2-status-not-positive (critical)

    @Test(arguments: ["negative", "unknown"])
    func aHER2TargetedAgentNeedsHER2PositiveDisease(status: String) {
        let verdict = G.judged(
            G.order(
                [.open("trastuzumab", "2026-12-01"), .open("lapatinib", "2026-12-01"), .open("T-DXd", "2026-12-01")],
                her2: status
            )
        )
        let finding = verdict.findings(G.her2Status).first
        #expect(finding?.severity == .critical)
        #expect(
            finding?.summary
                == "HER2 status is \(status), but trastuzumab (from 2026-12-01), lapatinib (from 2026-12-01) and T-DXd (from 2026-12-01) needs HER2-positive disease"
        )
        #expect(verdict.decision == .reject)
    }

    @Test func inHER2LowDiseaseOnlyTDXdIsIndicated() {
        // DESTINY-Breast04: T-DXd in HER2-low disease is not flagged; anything else HER2-targeted is.
        #expect(
            !G.judged(G.order([.open("Enhertu", "2026-12-01")], her2: "low", hr: "positive")).rules.contains(
                G.her2Status
            )
        )
        let verdict = G.judged(G.order([.open("Kadcyla", "2026-12-01"), .open("T-DXd", "2026-12-01")], her2: "low"))
        #expect(
            verdict.findings(G.her2Status).first?.summary
                == "HER2 status is low: of the HER2-targeted agents only T-DXd is approved in HER2-low or -ultralow disease, but Kadcyla (from 2026-12-01) is ordered"
        )
        #expect(verdict.findings(G.her2Status).first?.evidence.map(\.path) == ["medications[0]"])
    }

    @Test func inHER2UltralowDiseaseOnlyTDXdIsIndicated() {
        // DESTINY-Breast06: T-DXd in HER2-ultralow, HR-positive disease after endocrine therapy.
        let history: [G.Item] = [.range("letrozole", "2025-01-07", "2026-11-10", stop: "progression")]
        #expect(
            !G.judged(G.order([.open("T-DXd", "2026-12-01")], history: history, her2: "ultralow")).rules.contains(
                G.her2Status
            )
        )
        let verdict = G.judged(G.order([.open("trastuzumab", "2026-12-01")], history: history, her2: "ultralow"))
        #expect(
            verdict.findings(G.her2Status).first?.summary.hasPrefix(
                "HER2 status is ultralow: of the HER2-targeted agents only T-DXd"
            ) == true
        )
        #expect(verdict.decision == .reject)
    }

    @Test func noHER2AgentNoFinding() {
        #expect(
            !G.judged(G.order([.cycles("capecitabine", "2026-12-01", 6)], her2: "negative")).rules.contains(
                G.her2Status
            )
        )
        #expect(!G.judged(G.order([.open("trastuzumab", "2026-12-01")], her2: "positive")).rules.contains(G.her2Status))
    }

    // MARK: endocrine-without-hr-positive (warning)

    @Test(arguments: [("negative", "letrozole"), ("unknown", "tamoxifen"), ("negative", "fulvestrant")])
    func endocrineTherapyNeedsHRPositiveDisease(status: String, drug: String) {
        let verdict = G.judged(G.order([.open(drug, "2026-12-01")], her2: "negative", hr: status))
        let finding = verdict.findings(G.hrStatus).first
        #expect(finding?.severity == .warning)
        #expect(
            finding?.summary
                == "Hormone-receptor status is \(status), but \(drug) (from 2026-12-01) needs HR-positive disease"
        )
    }

    @Test func aGnRHAgonistInHRNegativeDiseaseIsNotFlagged() {
        // POEMS: goserelin for ovarian protection during chemotherapy in HR-negative disease.
        let verdict = G.judged(
            G.order(
                [.open("goserelin", "2026-11-24"), .cycles("paclitaxel", "2026-12-01", 12, every: 7)],
                her2: "negative",
                hr: "negative",
                menopausal: "premenopausal"
            )
        )
        #expect(verdict.rules.isEmpty)
        #expect(!G.judged(G.order([.open("letrozole", "2026-12-01")], hr: "positive")).rules.contains(G.hrStatus))
    }
}
