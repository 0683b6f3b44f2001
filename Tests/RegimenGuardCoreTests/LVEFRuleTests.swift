import Foundation
import RegimenGuardCore
import Testing

/// lvef-baseline-missing: an LVEF dated within the 90 days on or before each HER2/anthracycline agent's first start.
@Suite struct LVEFRuleTests {
    let thp: [Med] = [
        .open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01"), .cycles("docetaxel", "2026-12-01", 6),
    ]

    @Test func anLVEFExactlyNinetyDaysBeforeTheStartIsABaseline() {
        #expect(judge(order(thp, lvef: ["2026-09-02"])).v1Findings.isEmpty)
    }

    @Test func anLVEFNinetyOneDaysBeforeTheStartIsNot() {
        let verdict = judge(order(thp, lvef: ["2026-09-01"]))
        let finding = verdict.findings(Rule.lvef).first
        #expect(finding?.severity == .critical)
        #expect(finding?.summary.contains("91 days before") == true)
        #expect(finding?.evidence.contains { $0.path == "observations[0]" } == true)
        #expect(verdict.decision == .reject)
    }

    @Test func anLVEFAfterTheStartOrNoneAtAllIsMissing() {
        #expect(judge(order(thp, lvef: ["2026-12-02"])).v1Rules == [Rule.lvef])
        #expect(judge(order(thp)).v1Rules == [Rule.lvef])
        #expect(judge(order(thp, lvef: ["2026-12-01"])).v1Findings.isEmpty)  // on the start day
    }

    @Test(arguments: ["T-DXd", "Kadcyla", "tucatinib", "doxorubicin", "mitoxantrone"])
    func everyHER2TargetedAgentOrAnthracyclineNeedsABaseline(drug: String) {
        #expect(judge(order([.open(drug, "2026-12-01")], line: 2)).rules.contains(Rule.lvef))
    }

    @Test func eachAgentIsCheckedAgainstItsOwnFirstStart() {
        let verdict = judge(
            order(
                [
                    .cycles("docetaxel", "2026-08-01", 6), .open("trastuzumab", "2026-08-01"),
                    .open("pertuzumab", "2026-08-01"),
                    .open("palbociclib", "2026-12-01"), .open("T-DM1", "2026-12-01"),
                ],
                lvef: ["2026-07-20"],
                line: 1
            )
        )
        let finding = verdict.findings(Rule.lvef).first
        #expect(finding?.summary.contains("T-DM1 (starts 2026-12-01)") == true)
        #expect(finding?.summary.contains("trastuzumab") == false)
    }

    @Test func endocrineTherapyAloneNeedsNoLVEF() {
        #expect(!judge(order([.open("letrozole", "2026-12-01")], her2: "negative")).rules.contains(Rule.lvef))
    }

    @Test func aMUGAValueUnderTheGenericCodeOrAnyListedLVEFCodeCounts() {
        for loinc in ["10230-1", "18043-0", "8811-2", "8808-8"] {
            let text = order(thp).replacingOccurrences(
                of: "\"medications\"",
                with:
                    "\"observations\": [{\"loinc\": \"\(loinc)\", \"value\": 58, \"date\": \"2026-11-01\"}], \"medications\""
            )
            #expect(judge(text).v1Findings.isEmpty, "LOINC \(loinc)")
        }
    }
}
