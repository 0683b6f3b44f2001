import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// Items (the shared ``Med``), observations and adverse events of a version 2 order, as JSON fragments for
/// ``v2Order(_:)``.
enum V2 {
    static func med(
        _ drug: String,
        _ start: String,
        end: String? = nil,
        cycles: Int? = nil,
        every length: Int? = nil,
        perCycle: Int? = nil,
        dose: (Double, String)? = nil,
        loading: (Double, String)? = nil,
        cumulative: Double? = nil,
        setting: String? = nil
    ) -> String {
        Med(
            drug: drug,
            start: start,
            end: end,
            cycles: cycles,
            length: cycles.map { _ in length ?? 21 },
            setting: setting,
            perCycle: perCycle,
            dose: dose,
            loading: loading,
            cumulative: cumulative
        ).json
    }

    static func observation(_ type: String, _ value: Double, _ unit: String, _ date: String) -> String {
        "{\"type\": \"\(type)\", \"value\": \(value), \"unit\": \"\(unit)\", \"date\": \"\(date)\"}"
    }

    static func lvef(_ value: Double, _ date: String) -> String { observation("lvef", value, "%", date) }
    static func weight(_ kg: Double, _ date: String) -> String { observation("weight", kg, "kg", date) }
    static func height(_ cm: Double, _ date: String) -> String { observation("height", cm, "cm", date) }
    static func bsa(_ m2: Double, _ date: String) -> String { observation("bsa", m2, "m2", date) }

    static func event(_ event: String, grade: Int, _ date: String, drug: String? = nil) -> String {
        "{\"event\": \"\(event)\", \"grade\": \(grade), \"date\": \"\(date)\""
            + (drug.map { ", \"drug\": \"\($0)\"" } ?? "") + "}"
    }
}

/// A JSON order (contract version 2) for an HR+/HER2+ patient.
func v2Order(
    _ medications: [String],
    history: [String] = [],
    observations: [String] = [],
    events: [String] = [],
    setting: String = "metastatic",
    overrides: [String] = []
) -> String {
    var parts = [
        "\"order_id\": \"RX-V2-1\"",
        "\"patient\": {\"id\": \"MRN-SECRET-0042\", \"her2_status\": \"positive\", \"hr_status\": \"positive\", \"disease_setting\": \"\(setting)\", \"menopausal_status\": \"postmenopausal\"}",
        "\"medications\": [" + medications.joined(separator: ", ") + "]",
    ]
    if !history.isEmpty { parts.append("\"history\": [" + history.joined(separator: ", ") + "]") }
    if !observations.isEmpty { parts.append("\"observations\": [" + observations.joined(separator: ", ") + "]") }
    if !events.isEmpty { parts.append("\"adverse_events\": [" + events.joined(separator: ", ") + "]") }
    if !overrides.isEmpty {
        parts.append(
            "\"overrides\": ["
                + overrides.map { "{\"rule\": \"\($0)\", \"reason\": \"cardiology cleared\"}" }.joined(separator: ", ")
                + "]"
        )
    }
    return "{" + parts.joined(separator: ",\n ") + "}"
}

extension Rule {
    static let hold = "lvef-hold-threshold"
    static let entry = "lvef-low-at-baseline"
    static let heartFailure = "her2-after-heart-failure"
    static let ild = "tdxd-after-ild"
    static let dose = "dose-out-of-range"
    static let basis = "dose-basis-missing"
    static let cumulative = "cumulative-anthracycline-dose"
}

/// lvef-hold-threshold: each HER2 antibody's latest LVEF against its label's hold criterion (CLINICAL C2-C5), relative
/// to the pre-treatment LVEF.
@Suite struct HeartHoldTests {
    /// `drug` in the order from 2026-12-01, after the same agent in the history from 2026-01-05, with the pre-treatment
    /// LVEF `before` (2025-12-20) and the latest `latest` (2026-11-24).
    func maintenance(_ drug: String, before: Double, latest: Double) -> Verdict {
        judge(
            v2Order(
                [V2.med(drug, "2026-12-01")],
                history: [V2.med(drug, "2026-01-05", end: "2026-11-30")],
                observations: [V2.lvef(before, "2025-12-20"), V2.lvef(latest, "2026-11-24")]
            )
        )
    }

    func first(_ drug: String, lvef: Double) -> Verdict {
        judge(v2Order([V2.med(drug, "2026-12-01")], observations: [V2.lvef(lvef, "2026-11-24")]))
    }

    @Test func trastuzumabFallOf15IsNotAHoldAnd16Is() {
        #expect(maintenance("trastuzumab", before: 70, latest: 55).findings(Rule.hold).isEmpty)
        let verdict = maintenance("trastuzumab", before: 70, latest: 54)
        let finding = try! #require(verdict.findings(Rule.hold).first)
        #expect(finding.severity == .critical)
        #expect(verdict.decision == .reject)
        #expect(
            finding.summary
                == "trastuzumab starts 2026-12-01 with LVEF 54% (2026-11-24), a fall of 16 points from the pre-treatment 70% (2025-12-20): a fall of 16 points or more from the pre-treatment value (trastuzumab label: withhold)"
        )
        #expect(finding.evidence.map(\.path) == ["medications[0]", "observations[1]", "observations[0]"])
    }

    @Test func trastuzumabBelowTheLowerLimitNeedsAFallOf10() {
        #expect(maintenance("Herceptin", before: 58, latest: 49).findings(Rule.hold).isEmpty)  // fall 9
        #expect(maintenance("Herceptin", before: 60, latest: 50).findings(Rule.hold).isEmpty)  // not below 50
        let summary = maintenance("Herceptin", before: 58, latest: 48).findings(Rule.hold).first?.summary ?? ""
        #expect(
            summary.hasSuffix(
                "below the lower limit of normal (50%) with a fall of 10 points or more (trastuzumab label: withhold)"
            )
        )
    }

    @Test func trastuzumabBelow40IsAHoldWhateverTheFallByThePolicysDefault() {
        let verdict = first("trastuzumab", lvef: 39)
        let summary = verdict.findings(Rule.hold).first?.summary ?? ""
        #expect(
            summary.contains("LVEF 39% (2026-11-24), which is the pre-treatment value: below 40% whatever the fall")
        )
        #expect(summary.contains("beyond the trastuzumab label"))
        #expect(first("trastuzumab", lvef: 40).findings(Rule.hold).isEmpty)
    }

    @Test(arguments: ["pertuzumab", "Phesgo", "Kadcyla"])
    func pertuzumabPhesgoAndTDM1HoldBelow40(drug: String) {
        #expect(first(drug, lvef: 39).findings(Rule.hold).count == 1)
        #expect(first(drug, lvef: 40).findings(Rule.hold).isEmpty)
    }

    @Test(arguments: ["pertuzumab", "Phesgo", "T-DM1"])
    func pertuzumabPhesgoAndTDM1Hold40To45WithAFallOf10(drug: String) {
        #expect(maintenance(drug, before: 55, latest: 45).findings(Rule.hold).count == 1)
        #expect(maintenance(drug, before: 56, latest: 46).findings(Rule.hold).isEmpty)  // above 45
        #expect(maintenance(drug, before: 54, latest: 45).findings(Rule.hold).isEmpty)  // fall 9
        #expect(maintenance(drug, before: 50, latest: 40).findings(Rule.hold).count == 1)
    }

    @Test func phesgoIsJudgedOnThePertuzumabCriteriaNotTrastuzumabs() {
        // A fall of 16 to 47%: trastuzumab's criterion, but not pertuzumab's (above 45).
        #expect(maintenance("Phesgo", before: 63, latest: 47).findings(Rule.hold).isEmpty)
        #expect(maintenance("trastuzumab", before: 63, latest: 47).findings(Rule.hold).count == 1)
        let summary = maintenance("Phesgo", before: 60, latest: 44).findings(Rule.hold).first?.summary ?? ""
        #expect(summary.contains("pertuzumab/Phesgo label"))
    }

    @Test func tdxdFallOf20IsNotAHoldAbove45And21Is() {
        #expect(maintenance("T-DXd", before: 70, latest: 50).findings(Rule.hold).isEmpty)
        let summary = maintenance("T-DXd", before: 70, latest: 49).findings(Rule.hold).first?.summary ?? ""
        #expect(
            summary.contains("a fall of 21 points")
                && summary.hasSuffix("a fall of more than 20 points (T-DXd label: interrupt, discontinue if confirmed)")
        )
    }

    @Test func tdxd40To45NeedsAFallOf10To20() {
        let summary = maintenance("Enhertu", before: 64, latest: 44).findings(Rule.hold).first?.summary ?? ""
        #expect(summary.hasSuffix("40-45% with a fall of 10-20 points (T-DXd label: interrupt)"))
        #expect(maintenance("Enhertu", before: 54, latest: 45).findings(Rule.hold).isEmpty)  // fall 9: continue
        #expect(maintenance("Enhertu", before: 60, latest: 46).findings(Rule.hold).isEmpty)  // above 45, fall 14
        #expect(first("T-DXd", lvef: 39).findings(Rule.hold).count == 1)
    }

    @Test func aFallingLVEFThatStaysAboveEveryCriterionIsNotFlagged() {
        for drug in ["trastuzumab", "pertuzumab", "Phesgo", "T-DM1", "T-DXd"] {
            #expect(maintenance(drug, before: 68, latest: 55).findings(Rule.hold).isEmpty, "\(drug)")
        }
    }

    @Test func thePreTreatmentValueIsTheLatestBeforeTheFirstHER2StartInTheHistory() {
        // 70% before the first trastuzumab (2025-01-10), 60% during it, 54% now: a fall of 16 from 70, not 6 from 60.
        let verdict = judge(
            v2Order(
                [V2.med("trastuzumab", "2026-12-01")],
                history: [
                    V2.med("trastuzumab", "2025-01-10", end: "2026-06-30"),
                    V2.med("pertuzumab", "2025-03-01", end: "2026-06-30"),
                ],
                observations: [
                    V2.lvef(70, "2025-01-02"), V2.lvef(60, "2026-06-01"), V2.lvef(54, "2026-11-20"),
                    V2.lvef(30, "2026-12-05"),
                ]
            )
        )
        let summary = verdict.findings(Rule.hold).first?.summary ?? ""
        #expect(summary.contains("LVEF 54% (2026-11-20), a fall of 16 points from the pre-treatment 70% (2025-01-02)"))
    }

    @Test func withNoHistoryTheBaselineBeforeTheOrdersFirstStartIsThePreTreatmentValue() {
        // Pertuzumab added at cycle 5: judged on the LVEF before its own start, against the order's baseline.
        let verdict = judge(
            v2Order(
                [V2.med("trastuzumab", "2026-12-01"), V2.med("pertuzumab", "2027-03-02")],
                observations: [V2.lvef(58, "2026-11-24"), V2.lvef(45, "2027-02-25")]
            )
        )
        let findings = verdict.findings(Rule.hold)
        #expect(findings.count == 1)
        #expect(
            findings.first?.summary.hasPrefix(
                "pertuzumab starts 2027-03-02 with LVEF 45% (2027-02-25), a fall of 13 points from the pre-treatment 58% (2026-11-24)"
            ) == true
        )
    }

    @Test func aHistoryWithoutAnLVEFBeforeItLeavesOnlyTheAbsoluteFloors() {
        let history = [V2.med("trastuzumab", "2025-01-10", end: "2026-06-30")]
        let fall = judge(
            v2Order([V2.med("trastuzumab", "2026-12-01")], history: history, observations: [V2.lvef(45, "2026-11-20")])
        )
        #expect(fall.findings(Rule.hold).isEmpty)
        let floor = judge(
            v2Order([V2.med("trastuzumab", "2026-12-01")], history: history, observations: [V2.lvef(38, "2026-11-20")])
        )
        #expect(
            floor.findings(Rule.hold).first?.summary.contains(
                "with no pre-treatment LVEF on or before the first HER2-antibody start (2025-01-10)"
            ) == true
        )
    }

    @Test func anLVEFAfterTheStartIsNotTheLatestAndNoLVEFIsAnotherRulesFinding() {
        let after = judge(
            v2Order(
                [V2.med("T-DM1", "2026-12-01")],
                observations: [V2.lvef(60, "2026-11-20"), V2.lvef(30, "2026-12-02")]
            )
        )
        #expect(after.findings(Rule.hold).isEmpty)
        let none = judge(v2Order([V2.med("T-DM1", "2026-12-01")]))
        #expect(none.rules.contains(Rule.lvef) && none.findings(Rule.hold).isEmpty)
    }

    @Test func agentsWithoutARowAndNonAntibodiesAreNotJudged() {
        #expect(first("margetuximab", lvef: 30).findings(Rule.hold).isEmpty)
        #expect(first("lapatinib", lvef: 30).findings(Rule.hold).isEmpty)
    }

    @Test func anOverrideKeepsTheFindingButNotTheReject() {
        let verdict = judge(
            v2Order(
                [V2.med("trastuzumab", "2026-12-01")],
                history: [V2.med("trastuzumab", "2026-01-05", end: "2026-11-30")],
                observations: [V2.lvef(70, "2025-12-20"), V2.lvef(54, "2026-11-24")],
                overrides: [Rule.hold]
            )
        )
        #expect(verdict.findings(Rule.hold).first?.overridden == true)
        #expect(verdict.decision == .accept)
    }

    @Test func theIssuesExampleSixtyTwoToFortyFourOnTrastuzumabIsRejected() {
        let verdict = maintenance("trastuzumab", before: 62, latest: 44)
        #expect(verdict.decision == .reject)
        #expect(
            verdict.findings(Rule.hold).first?.summary.contains(
                "a fall of 18 points from the pre-treatment 62% (2025-12-20)"
            ) == true
        )
    }
}

/// lvef-low-at-baseline: a first HER2 antibody with a baseline below the trials' entry threshold (CLINICAL C6).
@Suite struct HeartEntryTests {
    func firstExposure(_ lvef: Double, setting: String = "metastatic", drugs: [String] = ["trastuzumab"]) -> Verdict {
        judge(
            v2Order(
                drugs.map { V2.med($0, "2026-12-01") },
                observations: [V2.lvef(lvef, "2026-11-24")],
                setting: setting
            )
        )
    }

    @Test func metastatic49IsBelowTheEntryThresholdAnd50IsNot() {
        let verdict = firstExposure(49)
        let finding = try! #require(verdict.findings(Rule.entry).first)
        #expect(finding.severity == .warning)
        #expect(verdict.decision == .review)
        #expect(
            finding.summary
                == "Baseline LVEF 49% (2026-11-24) before a first HER2 antibody (trastuzumab from 2026-12-01) is below 50%: the CLEOPATRA entry threshold in metastatic disease; T-DM1 was not studied below 50%"
        )
        #expect(firstExposure(50).findings(Rule.entry).isEmpty)
    }

    @Test func early54IsBelowTheEntryThresholdAnd55IsNot() {
        #expect(firstExposure(54, setting: "early").findings(Rule.entry).first?.summary.contains("below 55%") == true)
        #expect(firstExposure(55, setting: "early").findings(Rule.entry).isEmpty)
        #expect(firstExposure(54, setting: "advanced").findings(Rule.entry).isEmpty)  // advanced = metastatic: 50%
    }

    @Test func agentsOnTheSameBaselineShareOneFinding() {
        let verdict = firstExposure(45, drugs: ["trastuzumab", "pertuzumab"])
        let findings = verdict.findings(Rule.entry)
        #expect(findings.count == 1 && verdict.findings(Rule.hold).isEmpty)
        #expect(
            findings.first?.summary.contains("(trastuzumab from 2026-12-01 and pertuzumab from 2026-12-01)") == true
        )
    }

    @Test func aHER2AntibodyInTheHistoryMakesItAReExposure() {
        let verdict = judge(
            v2Order(
                [V2.med("T-DXd", "2026-12-01")],
                history: [V2.med("trastuzumab", "2019-01-01", end: "2019-12-31", setting: "early")],
                observations: [V2.lvef(48, "2026-11-24")]
            )
        )
        #expect(verdict.findings(Rule.entry).isEmpty)
    }

    @Test func anLVEFOlderThanTheBaselineWindowIsNoBaseline() {
        // 91 days before the start: lvef-baseline-missing's critical finding, not this one.
        let verdict = judge(v2Order([V2.med("trastuzumab", "2026-12-01")], observations: [V2.lvef(45, "2026-09-01")]))
        #expect(verdict.findings(Rule.entry).isEmpty && verdict.rules.contains(Rule.lvef))
        let within = judge(v2Order([V2.med("trastuzumab", "2026-12-01")], observations: [V2.lvef(45, "2026-09-02")]))
        #expect(within.findings(Rule.entry).count == 1)
    }

    @Test func aTKIOrChemotherapyAloneIsNotAFirstHER2Antibody() {
        #expect(firstExposure(45, drugs: ["lapatinib", "capecitabine"]).findings(Rule.entry).isEmpty)
    }
}
