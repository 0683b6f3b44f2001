import RegimenGuardCore
import Testing

/// ORDERS.md 4.2 and section 9: her2-dropped-at-chemo-stop's stop reasons count only on their own HER2 item, or, for
/// progression alone, on another item of the same course (ended within one 21-day cycle of it).
@Suite struct GuidelineContinuationTests {
    @Test func aFirstLineProgressionLongAgoDoesNotExcuseALaterStop() {
        // Line 1 THP stopped for progression 21 months before; line 2 trastuzumab + vinorelbine stopped with no
        // reason; letrozole alone now. v1 let the old progression excuse it.
        let history: [G.Item] = [
            .range("trastuzumab", "2024-09-03", "2025-03-04", stop: "progression"),
            .range("pertuzumab", "2024-09-03", "2025-03-04", stop: "progression"),
            .range("docetaxel", "2024-09-03", "2025-01-06", stop: "completed"),
            .range("trastuzumab", "2025-03-25", "2026-11-10"), .range("vinorelbine", "2025-03-25", "2026-11-10"),
        ]
        let verdict = G.judged(G.order([.open("letrozole", "2026-12-01")], history: history))
        #expect(verdict.rules.contains(Rule.dropped))
        #expect(verdict.findings(Rule.dropped).first?.severity == .warning)
        #expect(!verdict.rules.contains(G.progression))  // the latest HER2 therapy did not stop for progression
    }

    @Test func toxicityOnPertuzumabExcusesNothingElse() {
        let docetaxel = G.Item.cycles("docetaxel", "2026-06-01", 6)  // window 2026-06-01..2026-10-04
        let verdict = G.judged(
            G.order(
                [
                    .cycles("trastuzumab", "2026-06-01", 6), .cycles("pertuzumab", "2026-06-01", 6, stop: "toxicity"),
                    docetaxel,
                ],
                lvef: ["2026-05-20"]
            )
        )
        #expect(
            verdict.findings(Rule.dropped).first?.summary.hasPrefix(
                "HER2-targeted therapy (trastuzumab) ends 2026-10-04"
            ) == true
        )
        // The same in a maintenance order: pertuzumab's toxicity does not excuse trastuzumab's stop.
        let history: [G.Item] = [
            .range("trastuzumab", "2026-06-01", "2026-10-04"),
            .range("pertuzumab", "2026-06-01", "2026-10-04", stop: "toxicity"),
            .range("docetaxel", "2026-06-01", "2026-10-04"),
        ]
        #expect(G.judged(G.order([.open("letrozole", "2026-10-20")], history: history)).rules.contains(Rule.dropped))
    }

    @Test func eachStoppingHER2ItemNeedsItsOwnReason() {
        let docetaxel = G.Item.cycles("docetaxel", "2026-06-01", 6)
        let both = G.judged(
            G.order(
                [
                    .cycles("trastuzumab", "2026-06-01", 6, stop: "cardiotoxicity"),
                    .cycles("pertuzumab", "2026-06-01", 6, stop: "cardiotoxicity"), docetaxel,
                ],
                lvef: ["2026-05-20"]
            )
        )
        #expect(!both.rules.contains(Rule.dropped))
        let one = G.judged(
            G.order(
                [
                    .cycles("trastuzumab", "2026-06-01", 6, stop: "patient_choice"),
                    .cycles("pertuzumab", "2026-06-01", 6), docetaxel,
                ],
                lvef: ["2026-05-20"]
            )
        )
        #expect(one.findings(Rule.dropped).first?.summary.hasPrefix("HER2-targeted therapy (pertuzumab) ends") == true)
    }

    @Test func progressionOnAnotherItemOfTheSameCourseExcusesTheHER2Stop() {
        // Progression recorded on docetaxel, which ended with the HER2 items: the course ended for progression.
        let sameDay = G.judged(
            G.order(
                [
                    .cycles("trastuzumab", "2026-06-01", 6), .cycles("pertuzumab", "2026-06-01", 6),
                    .cycles("docetaxel", "2026-06-01", 6, stop: "progression"),
                ],
                lvef: ["2026-05-20"]
            )
        )
        #expect(!sameDay.rules.contains(Rule.dropped))
        // Toxicity on docetaxel is the chemotherapy's own reason, not the HER2 items'.
        let toxicity = G.judged(
            G.order(
                [
                    .cycles("trastuzumab", "2026-06-01", 6), .cycles("pertuzumab", "2026-06-01", 6),
                    .cycles("docetaxel", "2026-06-01", 6, stop: "toxicity"),
                ],
                lvef: ["2026-05-20"]
            )
        )
        #expect(toxicity.rules.contains(Rule.dropped))
    }

    @Test func theSameCourseMeansEndedWithin21Days() {
        // HER2 items end 2026-10-25; docetaxel (progression) ended 21 days earlier: same course. 22 days: not.
        func history(docetaxelEnd: String) -> [G.Item] {
            [
                .range("trastuzumab", "2026-06-01", "2026-10-25"), .range("pertuzumab", "2026-06-01", "2026-10-25"),
                .range("docetaxel", "2026-06-01", docetaxelEnd, stop: "progression"),
            ]
        }
        #expect(
            !G.judged(G.order([.open("letrozole", "2026-11-01")], history: history(docetaxelEnd: "2026-10-04"))).rules
                .contains(Rule.dropped)
        )
        #expect(
            G.judged(G.order([.open("letrozole", "2026-11-01")], history: history(docetaxelEnd: "2026-10-03"))).rules
                .contains(Rule.dropped)
        )
    }

    @Test func theLatestCoursesOwnProgressionStillExcusesIt() {
        // CLINICAL.md N4: tucatinib + trastuzumab + capecitabine stopped for progression; eribulin next.
        let history: [G.Item] = [
            .range("trastuzumab", "2024-09-03", "2025-06-17", stop: "progression"),
            .range("tucatinib", "2026-05-12", "2026-11-10", stop: "progression"),
            .range("trastuzumab", "2026-05-12", "2026-11-10", stop: "progression"),
            .range("capecitabine", "2026-05-12", "2026-11-10", stop: "progression"),
        ]
        #expect(
            !G.judged(G.order([.cycles("eribulin", "2026-12-01", 6)], history: history, line: 4)).rules.contains(
                Rule.dropped
            )
        )
    }
}
