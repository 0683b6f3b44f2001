import Foundation
import RegimenGuardCore
import Testing

/// her2-after-heart-failure and tdxd-after-ild: agents a recorded adverse event forbids (CLINICAL C4, C5, E5).
@Suite struct ToxicityRuleTests {
    let lvef = [V2.lvef(60, "2026-11-24")]

    func ordered(_ drug: String, after events: [String], end: String? = nil) -> Verdict {
        judge(v2Order([V2.med(drug, "2026-12-01", end: end)], observations: lvef, events: events))
    }

    @Test(arguments: ["T-DM1", "Kadcyla", "T-DXd", "Enhertu", "SYD985"])
    func anADCAfterHeartFailureIsCritical(drug: String) {
        let verdict = ordered(drug, after: [V2.event("heart_failure", grade: 2, "2026-05-10")])
        let finding = try! #require(verdict.findings(Rule.heartFailure).first)
        #expect(finding.severity == .critical)
        #expect(verdict.decision == .reject)
        #expect(
            finding.summary
                == "\(drug) (from 2026-12-01) is ordered after symptomatic heart failure (grade 2, 2026-05-10): the T-DM1 and T-DXd labels say discontinue after symptomatic heart failure"
        )
        #expect(finding.evidence.map(\.path) == ["medications[0]", "adverse_events[0]"])
    }

    @Test(arguments: ["trastuzumab", "Ogivri", "pertuzumab", "Phesgo", "Herceptin Hylecta"])
    func trastuzumabOrPertuzumabAfterHeartFailureIsAWarning(drug: String) {
        let finding = ordered(drug, after: [V2.event("heart_failure", grade: 3, "2026-05-10")]).findings(
            Rule.heartFailure
        ).first
        #expect(finding?.severity == .warning)
        #expect(finding?.summary.contains("need cardiology review") == true)
    }

    @Test func heartFailureDoesNotConcernOtherAgentsOrTheHistory() {
        #expect(
            ordered("letrozole", after: [V2.event("heart_failure", grade: 3, "2026-05-10")]).findings(Rule.heartFailure)
                .isEmpty
        )
        #expect(
            ordered("lapatinib", after: [V2.event("heart_failure", grade: 3, "2026-05-10")]).findings(Rule.heartFailure)
                .isEmpty
        )
        let history = judge(
            v2Order(
                [V2.med("letrozole", "2026-12-01")],
                history: [V2.med("T-DM1", "2026-01-01", end: "2026-05-01")],
                observations: lvef,
                events: [V2.event("heart_failure", grade: 3, "2026-04-20", drug: "T-DM1")]
            )
        )
        #expect(history.findings(Rule.heartFailure).isEmpty)
    }

    @Test func anEventDuringAContinuingCourseCountsButNotOneAfterTheCourseEnds() {
        #expect(
            ordered("T-DM1", after: [V2.event("heart_failure", grade: 3, "2026-12-20")]).findings(Rule.heartFailure)
                .count == 1
        )
        #expect(
            ordered("T-DM1", after: [V2.event("heart_failure", grade: 3, "2026-12-01")]).findings(Rule.heartFailure)
                .count == 1
        )
        let ended = ordered("T-DM1", after: [V2.event("heart_failure", grade: 3, "2027-01-02")], end: "2027-01-01")
        #expect(ended.findings(Rule.heartFailure).isEmpty)
    }

    @Test func tdxdAfterGrade1ILDIsAWarningToInterrupt() {
        let verdict = ordered("T-DXd", after: [V2.event("ild", grade: 1, "2026-06-02")])
        let finding = try! #require(verdict.findings(Rule.ild).first)
        #expect(finding.severity == .warning)
        #expect(verdict.decision == .review)
        #expect(finding.summary.hasSuffix("interrupt T-DXd until grade 1 ILD/pneumonitis has resolved (T-DXd label)"))
    }

    @Test(arguments: [2, 3, 4, 5])
    func tdxdAfterGrade2OrHigherILDIsCritical(grade: Int) {
        let verdict = ordered(
            "Enhertu",
            after: [V2.event("ild", grade: grade, "2025-06-02", drug: "trastuzumab deruxtecan")]
        )
        let finding = try! #require(verdict.findings(Rule.ild).first)
        #expect(finding.severity == .critical)
        #expect(
            finding.summary
                == "Enhertu (from 2026-12-01) is ordered after ILD/pneumonitis (grade \(grade), 2025-06-02; suspected agent trastuzumab deruxtecan): the T-DXd label says permanently discontinue after grade 2 or higher ILD/pneumonitis"
        )
        #expect(verdict.decision == .reject)
    }

    @Test func theWorstEventWinsAndEveryEventIsEvidence() {
        let verdict = ordered(
            "T-DXd",
            after: [
                V2.event("ild", grade: 1, "2026-03-01"), V2.event("ild", grade: 2, "2026-06-01"),
                V2.event("ild", grade: 1, "2026-09-01"),
            ]
        )
        let findings = verdict.findings(Rule.ild)
        #expect(findings.count == 1)
        #expect(findings.first?.severity == .critical)
        #expect(findings.first?.summary.contains("grade 2, 2026-06-01") == true)
        #expect(
            findings.first?.evidence.map(\.path) == [
                "medications[0]", "adverse_events[0]", "adverse_events[1]", "adverse_events[2]",
            ]
        )
    }

    @Test func ildDoesNotForbidOtherHER2Agents() {
        for drug in ["T-DM1", "trastuzumab", "tucatinib"] {
            #expect(
                ordered(drug, after: [V2.event("ild", grade: 3, "2026-06-02")]).findings(Rule.ild).isEmpty,
                "\(drug)"
            )
        }
        #expect(ordered("T-DXd", after: [V2.event("heart_failure", grade: 3, "2026-06-02")]).findings(Rule.ild).isEmpty)
    }

    @Test func ildAfterTheTDXdCourseEndedIsNotThisOrdersProblem() {
        #expect(
            ordered("T-DXd", after: [V2.event("ild", grade: 2, "2027-02-01")], end: "2027-01-31").findings(Rule.ild)
                .isEmpty
        )
        #expect(
            ordered("T-DXd", after: [V2.event("ild", grade: 2, "2027-01-31")], end: "2027-01-31").findings(Rule.ild)
                .count == 1
        )
    }

    @Test func theSameOrderAsCSVGetsTheSameFindings() throws {
        let json = v2Order(
            [V2.med("T-DXd", "2026-12-01")],
            observations: lvef,
            events: [V2.event("ild", grade: 2, "2025-06-02")]
        )
        let header =
            "order_id,patient_id,her2_status,hr_status,disease_setting,menopausal_status,record,drug,start,observation,value,unit,date,event,grade\r\n"
        let common = "RX-V2-1,MRN-SECRET-0042,positive,positive,metastatic,postmenopausal"
        let csv =
            header + "\(common),medication,T-DXd,2026-12-01,,,,,,\r\n"
            + "\(common),observation,,,lvef,60,%,2026-11-24,,\r\n"
            + "\(common),adverse_event,,,,,,2025-06-02,ild,2\r\n"
        let fromCSV = judge(csv, as: "order.csv")
        #expect(fromCSV.errors == [])
        #expect(fromCSV.findings(Rule.ild).map(\.summary) == judge(json).findings(Rule.ild).map(\.summary))
    }
}
