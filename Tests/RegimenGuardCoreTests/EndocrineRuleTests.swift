import RegimenGuardCore
import Testing

/// endocrine-during-chemo: an AI, SERM or SERD overlapping a cytotoxic window (last dose + cycle length - 1).
@Suite struct EndocrineRuleTests {
    // Docetaxel q21d x6 from 2026-06-01: last dose 2026-09-14, window ends 2026-10-04.
    let docetaxel = Med.cycles("docetaxel", "2026-06-01", 6)
    let her2: [Med] = [.open("trastuzumab", "2026-06-01"), .open("pertuzumab", "2026-06-01")]

    @Test func letrozoleOnTheDayOfTheLastDocetaxelDoseIsFlagged() {
        let verdict = judge(order(her2 + [docetaxel, .open("letrozole", "2026-09-14")], lvef: ["2026-05-20"]))
        let finding = verdict.findings(Rule.endocrine).first
        #expect(finding?.severity == .warning)
        #expect(finding?.summary == "letrozole overlaps docetaxel (2026-09-14 to 2026-10-04)")
        #expect(verdict.decision == .review)
    }

    @Test func letrozoleTheDayAfterTheWindowEndsIsNot() {
        #expect(
            judge(order(her2 + [docetaxel, .open("letrozole", "2026-10-05")], lvef: ["2026-05-20"])).v1Findings.isEmpty
        )
    }

    @Test(arguments: ["tamoxifen", "fulvestrant", "anastrozole", "exemestane", "elacestrant", "toremifene"])
    func serms_serds_andAromataseInhibitorsMidCourseAreFlagged(drug: String) {
        let weeklyPaclitaxel = Med.cycles("paclitaxel", "2026-06-01", 12, every: 7)
        let verdict = judge(order(her2 + [weeklyPaclitaxel, .open(drug, "2026-07-01")], lvef: ["2026-05-20"]))
        #expect(verdict.v1Rules == [Rule.endocrine])
    }

    @Test(arguments: ["goserelin", "Zoladex", "leuprolide", "triptorelin"])
    func gnrhAgonistsForOvarianProtectionAreNotFlagged(drug: String) {
        let verdict = judge(order(her2 + [docetaxel, .open(drug, "2026-05-25")], lvef: ["2026-05-20"]))
        #expect(verdict.v1Findings.isEmpty)
    }

    @Test func endocrineTherapyWithAnADCOrACDK46InhibitorIsNotChemotherapy() {
        #expect(
            !judge(
                order([.open("T-DM1", "2026-12-01"), .open("letrozole", "2026-12-01")], lvef: ["2026-11-20"], line: 2)
            ).rules.contains(Rule.endocrine)
        )
        #expect(
            !judge(order([.open("palbociclib", "2026-12-01"), .open("letrozole", "2026-12-01")], her2: "negative"))
                .rules.contains(Rule.endocrine)
        )
    }
}
