import RegimenGuardCore
import Testing

/// ORDERS.md 4.1: first and second line, with history `setting` and `patient.metastatic_since`, as every line-aware
/// rule reads them (cdk46-replaces-thp, first-line-without-thp, tdxd-preferred-second-line,
/// endocrine-missing-in-maintenance).
@Suite struct LineOfTherapyTests {
    /// Palbociclib for THP: critical in first line, not checked in later lines.
    let palbociclib: [G.Item] = [
        .open("palbociclib", "2026-12-01"), .open("letrozole", "2026-12-01"), .open("trastuzumab", "2026-12-01"),
    ]
    /// One year of adjuvant trastuzumab, 2023.
    func adjuvant(setting: String? = nil, stop: String? = "completed") -> [G.Item] {
        [.range("trastuzumab", "2023-03-01", "2024-02-28", stop: stop, setting: setting)]
    }

    @Test func adjuvantHistoryDoesNotMakeALaterLine() {
        // The case: only adjuvant trastuzumab in the history was read as "not first line" by v1.
        let early = G.judged(G.order(palbociclib, history: adjuvant(setting: "early")))
        #expect(early.findings(Rule.cdk46).first?.severity == .critical)
        let beforeMetastatic = G.judged(G.order(palbociclib, history: adjuvant(), metastaticSince: "2026-10-30"))
        #expect(beforeMetastatic.rules.contains(Rule.cdk46))
    }

    @Test func withoutSettingOrMetastaticSinceEveryHistoryItemCounts() {
        // v1 behaviour: HER2-targeted therapy in the history makes a later line.
        #expect(!G.judged(G.order(palbociclib, history: adjuvant())).rules.contains(Rule.cdk46))
        // And the given line_of_therapy always wins.
        #expect(G.judged(G.order(palbociclib, history: adjuvant(), line: 1)).rules.contains(Rule.cdk46))
        #expect(
            !G.judged(G.order(palbociclib, history: adjuvant(setting: "early"), line: 2)).rules.contains(Rule.cdk46)
        )
    }

    @Test func anItemEndingOnTheDayOfMetastaticDiagnosisIsMetastaticTherapy() {
        // Ends on metastatic_since: therapy for metastatic disease (a later line). The day before: early disease.
        let onTheDay: [G.Item] = [.range("trastuzumab", "2025-03-01", "2026-10-30")]
        #expect(
            !G.judged(G.order(palbociclib, history: onTheDay, metastaticSince: "2026-10-30")).rules.contains(Rule.cdk46)
        )
        let dayBefore: [G.Item] = [.range("trastuzumab", "2025-03-01", "2026-10-29")]
        #expect(
            G.judged(G.order(palbociclib, history: dayBefore, metastaticSince: "2026-10-30")).rules.contains(Rule.cdk46)
        )
        // Still running (no end): metastatic therapy.
        #expect(
            !G.judged(
                G.order(palbociclib, history: [.open("trastuzumab", "2025-03-01")], metastaticSince: "2026-10-30")
            ).rules.contains(Rule.cdk46)
        )
    }

    @Test func aGivenSettingWinsOverMetastaticSince() {
        let metastatic = adjuvant(setting: "metastatic")
        #expect(
            !G.judged(G.order(palbociclib, history: metastatic, metastaticSince: "2026-10-30")).rules.contains(
                Rule.cdk46
            )
        )
        let earlyLate: [G.Item] = [.range("trastuzumab", "2026-06-01", "2026-11-20", setting: "early")]
        #expect(
            G.judged(G.order(palbociclib, history: earlyLate, metastaticSince: "2026-10-30")).rules.contains(Rule.cdk46)
        )
    }

    @Test func adjuvantTHPIsNotTheFirstLineBackbone() {
        // Neoadjuvant THP (early), then metastatic first line with palbociclib or without chemotherapy.
        let neoadjuvant: [G.Item] = [
            .range("trastuzumab", "2023-03-01", "2024-02-28", setting: "early"),
            .range("pertuzumab", "2023-03-01", "2023-05-30", setting: "early"),
            .range("docetaxel", "2023-03-01", "2023-05-30", setting: "early"),
        ]
        #expect(G.judged(G.order(palbociclib, history: neoadjuvant)).rules.contains(Rule.cdk46))
        let endocrine = G.judged(
            G.order([.open("letrozole", "2026-12-01"), .open("trastuzumab", "2026-12-01")], history: neoadjuvant)
        )
        #expect(endocrine.findings(G.thp).first?.summary.contains("missing pertuzumab and a taxane") == true)
        // The same history without a setting (v1): the backbone is there and it is not first line anyway.
        let unplaced: [G.Item] = neoadjuvant.map { G.Item(drug: $0.drug, start: $0.start, end: $0.end) }
        #expect(!G.judged(G.order(palbociclib, history: unplaced)).rules.contains(Rule.cdk46))
    }

    @Test func secondLineNeedsMetastaticHER2TherapyStoppedForProgression() {
        // Recurrence during adjuvant trastuzumab (early, progression) is not a metastatic line: T-DM1 is first line.
        let adjuvantProgression = adjuvant(setting: "early", stop: "progression")
        #expect(!G.judged(G.order([.open("T-DM1", "2026-12-01")], history: adjuvantProgression)).rules.contains(G.tdxd))
        #expect(
            !G.judged(
                G.order(
                    [.open("T-DM1", "2026-12-01")],
                    history: adjuvant(stop: "progression"),
                    metastaticSince: "2026-10-30"
                )
            ).rules.contains(G.tdxd)
        )
        // The same progression with no setting and no metastatic_since (v1 placement): second line.
        #expect(
            G.judged(G.order([.open("T-DM1", "2026-12-01")], history: adjuvant(stop: "progression"))).rules.contains(
                G.tdxd
            )
        )
        // Metastatic THP stopped for progression after adjuvant trastuzumab: second line.
        let metastaticTHP: [G.Item] =
            adjuvant(setting: "early") + [
                .range("trastuzumab", "2025-11-04", "2026-11-10", stop: "progression", setting: "metastatic"),
                .range("pertuzumab", "2025-11-04", "2026-11-10", stop: "progression", setting: "metastatic"),
            ]
        #expect(G.judged(G.order([.open("Kadcyla", "2026-12-01")], history: metastaticTHP)).rules.contains(G.tdxd))
    }

    @Test func adjuvantChemotherapyDoesNotMakeAMaintenanceOrder() {
        // Adjuvant docetaxel ended 100 days ago (early); first-line H + P now is not maintenance.
        let history: [G.Item] = [.range("docetaxel", "2026-05-01", "2026-08-23", setting: "early")]
        #expect(
            !G.judged(
                G.order([.open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01")], history: history)
            ).rules.contains(G.maintenance)
        )
        let metastatic: [G.Item] = [.range("docetaxel", "2026-05-01", "2026-08-23", setting: "metastatic")]
        #expect(
            G.judged(
                G.order([.open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01")], history: metastatic)
            ).rules.contains(G.maintenance)
        )
    }
}
