import Foundation
import RegimenGuardCore
import Testing

/// dose-out-of-range and dose-basis-missing: doses against the policy's dose table (CLINICAL C4, C9, C14, E8).
@Suite struct DoseRangeTests {
    let body = [V2.lvef(60, "2026-11-24"), V2.weight(70, "2026-11-24"), V2.height(165, "2026-11-24")]

    /// `drug` from 2026-12-01 for 6 cycles of `every` days with `dose` (and `loading`).
    func dosed(
        _ drug: String,
        _ dose: (Double, String)?,
        loading: (Double, String)? = nil,
        every: Int? = 21,
        perCycle: Int? = nil,
        observations: [String]? = nil
    ) -> Verdict {
        let med =
            every.map {
                V2.med(drug, "2026-12-01", cycles: 6, every: $0, perCycle: perCycle, dose: dose, loading: loading)
            }
            ?? V2.med(drug, "2026-12-01", dose: dose, loading: loading)
        return judge(v2Order([med], observations: observations ?? body))
    }

    func severity(_ verdict: Verdict) -> Severity? { verdict.findings(Rule.dose).map(\.severity).max() }

    @Test func trastuzumabWithinTenPercentOfSixIsUsualAndElevenPercentIsNot() {
        #expect(severity(dosed("trastuzumab", (6, "mg/kg"))) == nil)
        #expect(severity(dosed("trastuzumab", (6.6, "mg/kg"))) == nil)  // +10%
        #expect(severity(dosed("trastuzumab", (6.66, "mg/kg"))) == .warning)  // +11%
        #expect(severity(dosed("trastuzumab", (5.4, "mg/kg"))) == nil)  // -10%
        #expect(severity(dosed("trastuzumab", (5.34, "mg/kg"))) == .warning)  // -11%
        let summary = dosed("trastuzumab", (6.66, "mg/kg")).findings(Rule.dose).first?.summary
        #expect(
            summary
                == "trastuzumab dose 6.66 mg/kg (starts 2026-12-01): more than 10% above the usual dose; expected 6 mg/kg every 21 days"
        )
        #expect(
            dosed("trastuzumab", (5.34, "mg/kg")).findings(Rule.dose).first?.summary.contains(
                "more than 10% below the usual dose"
            ) == true
        )
    }

    @Test func moreThanOneAndAHalfTimesTheUsualDoseIsCritical() {
        #expect(severity(dosed("trastuzumab", (9, "mg/kg"))) == .warning)
        let verdict = dosed("trastuzumab", (9.1, "mg/kg"))
        #expect(severity(verdict) == .critical)
        #expect(verdict.decision == .reject)
        #expect(verdict.findings(Rule.dose).first?.summary.contains("more than 1.5 times the usual 6 mg/kg") == true)
        #expect(severity(dosed("pertuzumab", (630, "mg"))) == .warning)
        #expect(severity(dosed("pertuzumab", (631, "mg"))) == .critical)
    }

    @Test func theLoadingDoseIsCheckedAgainstTheLoadingDose() {
        #expect(severity(dosed("trastuzumab", (6, "mg/kg"), loading: (8, "mg/kg"))) == nil)
        #expect(severity(dosed("trastuzumab", (6, "mg/kg"), loading: (8.8, "mg/kg"))) == nil)
        let over = dosed("trastuzumab", (6, "mg/kg"), loading: (8.9, "mg/kg"))
        #expect(
            over.findings(Rule.dose).map(\.summary) == [
                "trastuzumab loading dose 8.9 mg/kg (starts 2026-12-01): more than 10% above the usual dose; expected 8 mg/kg every 21 days"
            ]
        )
        #expect(severity(dosed("trastuzumab", (6, "mg/kg"), loading: (12.1, "mg/kg"))) == .critical)
        #expect(severity(dosed("pertuzumab", (420, "mg"), loading: (840, "mg"))) == nil)
        // The loading dose every cycle.
        #expect(severity(dosed("pertuzumab", (840, "mg"), loading: (840, "mg"))) == .critical)
    }

    @Test func tdm1AtTDXdsDoseSaysSo() {
        let verdict = dosed("Kadcyla", (5.4, "mg/kg"))
        let finding = try! #require(verdict.findings(Rule.dose).first)
        #expect(finding.severity == .critical)
        #expect(
            finding.summary
                == "Kadcyla dose 5.4 mg/kg (starts 2026-12-01): above the label maximum of 3.6 mg/kg; expected 3.6 / 3 / 2.4 mg/kg every 21 days; this is T-DXd's dose (5.4 mg/kg): the labels say do not substitute one for the other"
        )
    }

    @Test func tdm1AtItsDoseAndReductionLevelsIsUsualAndAboveTheMaximumIsCritical() {
        for dose in [3.6, 3.0, 2.4, 2.2] { #expect(severity(dosed("T-DM1", (dose, "mg/kg"))) == nil, "\(dose)") }
        #expect(severity(dosed("T-DM1", (3.7, "mg/kg"))) == .critical)
        #expect(severity(dosed("T-DM1", (2.1, "mg/kg"))) == .warning)
    }

    @Test func tdxdAtTheGastricDoseIsCriticalAndSaysSo() {
        let summary = dosed("Enhertu", (6.4, "mg/kg")).findings(Rule.dose).first?.summary ?? ""
        #expect(summary.contains("above the label maximum of 5.4 mg/kg"))
        #expect(summary.hasSuffix("; 6.4 mg/kg is T-DXd's gastric cancer dose, not the breast cancer dose"))
        for dose in [5.4, 4.4, 3.2] { #expect(severity(dosed("T-DXd", (dose, "mg/kg"))) == nil, "\(dose)") }
    }

    @Test func tdxdAtTDM1sDoseSaysSo() {
        let finding = dosed("T-DXd", (3.6, "mg/kg")).findings(Rule.dose).first
        #expect(finding?.severity == .warning)
        #expect(
            finding?.summary.hasSuffix(
                "; this is T-DM1's dose (3.6 mg/kg): the labels say do not substitute one for the other"
            ) == true
        )
    }

    @Test func docetaxelEscalationTo100IsUsualAndAbove100IsCritical() {
        #expect(severity(dosed("docetaxel", (75, "mg/m2"))) == nil)
        #expect(severity(dosed("docetaxel", (100, "mg/m2"))) == nil)
        #expect(severity(dosed("docetaxel", (67.5, "mg/m2"))) == nil)  // 75 - 10%
        #expect(severity(dosed("docetaxel", (67, "mg/m2"))) == .warning)
        #expect(
            dosed("docetaxel", (101, "mg/m2")).findings(Rule.dose).first?.summary.contains(
                "above the label maximum of 100 mg/m2; expected 75 to 100 mg/m2 every 21 days"
            ) == true
        )
    }

    @Test func anMgDoseIsConvertedWithTheLatestWeight() {
        // 420 mg at 70 kg is 6 mg/kg: in range, given in mg (a look-alike).
        #expect(severity(dosed("trastuzumab", (420, "mg"))) == nil)
        let verdict = dosed("trastuzumab", (466.2, "mg"))  // 6.66 mg/kg
        let finding = try! #require(verdict.findings(Rule.dose).first)
        #expect(
            finding.summary
                == "trastuzumab dose 466.2 mg = 6.66 mg/kg for weight 70 kg on 2026-11-24 (starts 2026-12-01): more than 10% above the usual dose; expected 6 mg/kg every 21 days"
        )
        #expect(finding.evidence.map(\.path) == ["medications[0]", "observations[1]"])
        // The latest weight wins; one in pounds is converted (154.32 lb = 70 kg).
        let pounds = [V2.weight(90, "2026-10-01"), V2.observation("weight", 154.32, "lb", "2026-11-20")]
        #expect(severity(dosed("trastuzumab", (420, "mg"), observations: pounds)) == nil)
    }

    @Test func anMgDoseIsConvertedWithTheBSAByMostellerOrMeasured() {
        // sqrt(165 * 70 / 3600) = 1.791 m2: 134 mg is 74.81 mg/m2 (75 - 10% = 67.5).
        #expect(severity(dosed("docetaxel", (134, "mg"))) == nil)
        let finding = dosed("docetaxel", (190, "mg")).findings(Rule.dose).first
        #expect(finding?.severity == .critical)
        #expect(
            finding?.summary.hasPrefix(
                "docetaxel dose 190 mg = 106.08 mg/m2 for BSA 1.79 m2 (Mosteller: weight 70 kg on 2026-11-24, height 165 cm on 2026-11-24) (starts 2026-12-01): above the label maximum of 100 mg/m2"
            ) == true
        )
        // A measured BSA is preferred to Mosteller.
        let measured = dosed("docetaxel", (190, "mg"), observations: body + [V2.bsa(2.0, "2026-11-20")])
        #expect(severity(measured) == nil)  // 95 mg/m2
        let small = dosed(
            "docetaxel",
            (190, "mg"),
            observations: [V2.lvef(60, "2026-11-24"), V2.bsa(1.6, "2026-11-20")]
        )
        #expect(
            small.findings(Rule.dose).first?.summary.contains("= 118.75 mg/m2 for BSA 1.6 m2 on 2026-11-20") == true
        )
    }

    @Test func aWeeklyScheduleHasItsOwnRow() {
        #expect(severity(dosed("trastuzumab", (2, "mg/kg"), loading: (4, "mg/kg"), every: 7)) == nil)
        // The q3w dose weekly: 3 times 2 mg/kg.
        #expect(severity(dosed("trastuzumab", (6, "mg/kg"), every: 7)) == .critical)
        #expect(
            dosed("trastuzumab", (2.3, "mg/kg"), every: 7).findings(Rule.dose).first?.summary.hasSuffix(
                "expected 2 mg/kg every 7 days"
            ) == true
        )
    }

    @Test func dosesPerCycleSelectTheSchedule() {
        // Weekly on days 1, 8, 15 of a 21-day cycle is the weekly schedule.
        #expect(severity(dosed("trastuzumab", (2, "mg/kg"), every: 21, perCycle: 3)) == nil)
        let weekly = dosed("trastuzumab", (6, "mg/kg"), every: 21, perCycle: 3).findings(Rule.dose).first
        #expect(weekly?.summary.hasSuffix("expected 2 mg/kg 3 times in a 21-day cycle") == true)
        // A schedule with no row (every 14 days) is checked against the maximum only.
        #expect(severity(dosed("trastuzumab", (8, "mg/kg"), every: 14)) == nil)
        let tdxd = dosed("T-DXd", (6.4, "mg/kg"), every: 14).findings(Rule.dose).first
        #expect(tdxd?.severity == .critical)
        #expect(tdxd?.summary.contains("expected at most 5.4 mg/kg") == true)
    }

    @Test func anItemWithoutACycleLengthIsOnTheDefaultSchedule() {
        #expect(severity(dosed("pertuzumab", (420, "mg"), every: nil)) == nil)
        #expect(severity(dosed("trastuzumab", (2, "mg/kg"), every: nil)) == .warning)
    }

    @Test func fixedDoseProductsWithoutATableEntryAreNotChecked() {
        let noWeight = [V2.lvef(60, "2026-11-24")]
        for (drug, dose) in [
            ("Phesgo", 600.0), ("Phesgo", 1200.0), ("Herceptin Hylecta", 600.0), ("paclitaxel", 500.0),
        ] {
            let verdict = dosed(drug, (dose, "mg"), loading: (dose, "mg"), observations: noWeight)
            #expect(verdict.findings(Rule.dose).isEmpty && verdict.findings(Rule.basis).isEmpty, "\(drug)")
        }
    }

    @Test func historyDosesAreNotJudged() {
        let verdict = judge(
            v2Order(
                [V2.med("letrozole", "2026-12-01")],
                history: [V2.med("T-DM1", "2026-01-01", cycles: 6, dose: (5.4, "mg/kg"))],
                observations: body
            )
        )
        #expect(verdict.findings(Rule.dose).isEmpty)
    }

    @Test func theSameOrderAsCSVGetsTheSameFinding() {
        let json = v2Order([V2.med("trastuzumab", "2026-12-01", cycles: 6, dose: (466.2, "mg"))], observations: body)
        let header =
            "order_id,patient_id,her2_status,hr_status,disease_setting,menopausal_status,record,drug,start,cycles,cycle_length_days,dose,dose_unit,observation,value,unit,date\r\n"
        let common = "RX-V2-1,MRN-SECRET-0042,positive,positive,metastatic,postmenopausal"
        let csv =
            header + "\(common),medication,trastuzumab,2026-12-01,6,21,466.2,mg,,,,\r\n"
            + "\(common),observation,,,,,,,lvef,60,%,2026-11-24\r\n"
            + "\(common),observation,,,,,,,weight,70,kg,2026-11-24\r\n"
            + "\(common),observation,,,,,,,height,165,cm,2026-11-24\r\n"
        let fromCSV = judge(csv, as: "order.csv")
        #expect(fromCSV.errors == [])
        #expect(fromCSV.findings(Rule.dose) == judge(json).findings(Rule.dose))
    }
}

/// dose-basis-missing: an mg dose of an agent dosed per kg or m2 needs a weight (or BSA) from the last 30 days.
@Suite struct DoseBasisTests {
    func ordered(
        _ drug: String,
        _ dose: (Double, String),
        loading: (Double, String)? = nil,
        observations: [String]
    ) -> Verdict {
        judge(
            v2Order(
                [V2.med(drug, "2026-12-01", cycles: 6, dose: dose, loading: loading)],
                observations: [V2.lvef(60, "2026-11-24")] + observations
            )
        )
    }

    @Test func aWeight30DaysOldIsCurrentAnd31DaysIsStale() {
        let current = ordered("trastuzumab", (420, "mg"), observations: [V2.weight(70, "2026-11-01")])
        #expect(current.findings(Rule.basis).isEmpty && current.findings(Rule.dose).isEmpty)
        let stale = ordered("trastuzumab", (600, "mg"), observations: [V2.weight(70, "2026-10-31")])
        let finding = try! #require(stale.findings(Rule.basis).first)
        #expect(finding.severity == .warning)
        #expect(stale.decision == .review)
        #expect(
            finding.summary
                == "trastuzumab dose 600 mg (starts 2026-12-01) cannot be checked against its mg/kg dose: no weight in the 30 days on or before the start (latest: weight 2026-10-31, 31 days before)"
        )
        // dose-out-of-range still converts with the latest weight, and names its date: 8.57 mg/kg is out of range.
        #expect(
            stale.findings(Rule.dose).first?.summary.hasPrefix(
                "trastuzumab dose 600 mg = 8.57 mg/kg for weight 70 kg on 2026-10-31 (starts 2026-12-01): more than 10% above"
            ) == true
        )
    }

    @Test func aMissingWeightAndALoadingDoseShareOneFinding() {
        let verdict = ordered("T-DM1", (252, "mg"), loading: (300, "mg"), observations: [])
        #expect(
            verdict.findings(Rule.basis).map(\.summary) == [
                "T-DM1 loading dose 300 mg and dose 252 mg (starts 2026-12-01) cannot be checked against its mg/kg dose: no weight in the 30 days on or before the start (none is recorded)"
            ]
        )
    }

    @Test func aWeightAfterTheStartIsNotABasis() {
        #expect(
            ordered("T-DXd", (378, "mg"), observations: [V2.weight(70, "2026-12-02")]).findings(Rule.basis).count == 1
        )
    }

    @Test func aBSANeedsAHeightTooOrAMeasuredBSA() {
        let noHeight = ordered("docetaxel", (134, "mg"), observations: [V2.weight(70, "2026-11-24")])
        #expect(
            noHeight.findings(Rule.basis).first?.summary.contains(
                "no BSA, nor a weight and a height, in the 30 days on or before the start (latest: weight 2026-11-24, 7 days before)"
            ) == true
        )
        let oldHeight = ordered(
            "docetaxel",
            (134, "mg"),
            observations: [V2.weight(70, "2026-11-24"), V2.height(165, "2026-10-01")]
        )
        #expect(oldHeight.findings(Rule.basis).count == 1)
        #expect(
            ordered("docetaxel", (134, "mg"), observations: [V2.bsa(1.8, "2026-11-20")]).findings(Rule.basis).isEmpty
        )
        #expect(
            ordered(
                "docetaxel",
                (134, "mg"),
                observations: [V2.weight(70, "2026-11-24"), V2.height(165, "2026-11-24")]
            ).findings(Rule.basis).isEmpty
        )
    }

    @Test func dosesPerKgOrFixedDosesNeedNoBasis() {
        #expect(ordered("trastuzumab", (6, "mg/kg"), observations: []).findings(Rule.basis).isEmpty)
        #expect(ordered("pertuzumab", (420, "mg"), observations: []).findings(Rule.basis).isEmpty)
        #expect(ordered("docetaxel", (75, "mg/m2"), observations: []).findings(Rule.basis).isEmpty)
    }
}

/// Many items of one agent with one wrong dose (a FHIR order lists a request per administration) give one finding.
@Suite struct DoseMergeTests {
    @Test func itemsOfOneAgentWithTheSameWrongDoseShareOneFinding() {
        let items = (0..<30).map {
            V2.med("T-DM1", Day(daysSinceEpoch: 20788 + 21 * $0).description, cycles: 1, dose: (5.4, "mg/kg"))
        }
        let verdict = judge(v2Order(items, observations: [V2.lvef(60, "2026-11-24")]))
        let findings = verdict.findings(Rule.dose)
        #expect(findings.count == 1)
        #expect(findings.first?.evidence.count == 20)  // capped
        let mg = (0..<5).map {
            V2.med("trastuzumab", Day(daysSinceEpoch: 20788 + 21 * $0).description, cycles: 1, dose: (420, "mg"))
        }
        #expect(
            judge(v2Order(mg, observations: [V2.lvef(60, "2026-11-24")])).findings(Rule.basis).map(\.evidence.count)
                == [5]
        )
    }
}
