import Foundation
import RegimenGuardCore
import Testing

@testable import RegimenGuardCDS

struct CardBuilderTests {
    /// Entries as BundleJoin makes them: three drafts then history.
    static let entries = [
        BundleJoin.Entry(resourceType: "MedicationRequest", id: "mr-trast", draftIndex: 0),
        BundleJoin.Entry(resourceType: "MedicationRequest", id: "mr-epi", draftIndex: 1),
        BundleJoin.Entry(resourceType: "MedicationRequest", id: "mr-herceptin", draftIndex: 2),
        BundleJoin.Entry(resourceType: "Patient", id: "p", draftIndex: nil),
        BundleJoin.Entry(resourceType: "MedicationRequest", id: "old", draftIndex: nil),
    ]

    static func finding(
        _ rule: String,
        _ severity: Severity,
        _ evidence: [Evidence],
        summary: String = "a finding"
    ) -> Finding {
        Finding(
            rule: rule,
            severity: severity,
            title: rule,
            summary: summary,
            detail: "Why it matters.",
            recommendation: "What to do.",
            evidence: evidence,
            references: ["A reference (2020)"]
        )
    }

    static func verdict(_ findings: [Finding]) -> Verdict {
        Verdict(
            orderID: "x",
            source: "x.json",
            sourceFormat: "fhir",
            sourceSHA256: "",
            decision: Validator.decision(for: findings),
            findings: findings,
            errors: [],
            policy: Fixtures.policy.stamp,
            validatedAt: Date(timeIntervalSince1970: 0)
        )
    }

    static let trastuzumab = Evidence(
        path: "Bundle.entry[0]",
        drug: "trastuzumab",
        start: "2026-12-01",
        end: "2027-03-01"
    )
    static let epirubicin = Evidence(
        path: "Bundle.entry[1].resource.medicationCodeableConcept",
        drug: "epirubicin",
        start: "2026-12-01"
    )
    static let herceptin = Evidence(path: "Bundle.entry[2]", drug: "Herceptin", start: "2026-12-01")
    static let history = Evidence(path: "Bundle.entry[4]", drug: "doxorubicin", start: "2019-01-10", end: "2019-03-14")

    func builder(_ service: HookService = .orderSign, selections: Set<String> = []) -> CardBuilder {
        let box = Counter()
        return CardBuilder(
            policy: Fixtures.policy,
            service: service,
            entries: Self.entries,
            selections: selections,
            makeUUID: { box.next() }
        )
    }

    final class Counter: @unchecked Sendable {
        var n = 0
        func next() -> String {
            n += 1
            return "00000000-0000-4000-8000-\(String(repeating: "0", count: 12 - String(n).count))\(n)"
        }
    }

    @Test func oneCardPerFindingCriticalThenWarningThenInfo() {
        let cards = builder().cards(
            for: Self.verdict([
                Self.finding("lvef-monitoring-due", .info, [Self.trastuzumab]),
                Self.finding("endocrine-during-chemo", .warning, [Self.trastuzumab]),
                Self.finding("lvef-baseline-missing", .critical, [Self.trastuzumab]),
                Self.finding("her2-dropped-at-chemo-stop", .warning, [Self.trastuzumab]),
            ])
        )
        #expect(cards.map(\.indicator) == [.critical, .warning, .warning, .info])
        #expect(
            cards.map(\.rule) == [
                "lvef-baseline-missing", "endocrine-during-chemo", "her2-dropped-at-chemo-stop", "lvef-monitoring-due",
            ]
        )
        #expect(Set(cards.map(\.uuid)).count == 4)
        #expect(builder().cards(for: Self.verdict([])).isEmpty)
    }

    @Test func aCardCarriesSourceTopicOverrideReasonsAndMarkdownDetail() throws {
        let card = try #require(
            builder().cards(
                for: Self.verdict([
                    Self.finding(
                        "her2-anthracycline-concurrent",
                        .critical,
                        [Self.trastuzumab, Self.history]
                    )
                ])
            ).first
        )
        #expect(card.sourceLabel == "regimen-guard \(Fixtures.policy.version)")
        #expect(card.ruleTitle == Fixtures.policy.rules.first { $0.id == "her2-anthracycline-concurrent" }?.title)
        #expect(
            card.overrideReasons.map(\.code) == [
                "trial-protocol", "documented-rationale", "benefit-outweighs-risk", "patient-declined-alternative",
            ]
        )
        #expect(
            card.detail.contains("- trastuzumab, 2026-12-01 to 2027-03-01 — `MedicationRequest/mr-trast` (this order)")
        )
        #expect(card.detail.contains("- doxorubicin, 2019-01-10 to 2019-03-14 — `MedicationRequest/old`\n"))
        #expect(card.detail.contains("**Recommendation**: What to do."))
        #expect(card.detail.contains("**References**\n- A reference (2020)"))
        let json = String(decoding: card.json.bytes(), as: UTF8.self)
        #expect(json.contains(#""topic":{"system":"urn:regimen-guard:rule","code":"her2-anthracycline-concurrent""#))
        #expect(!json.contains("suggestions"))  // the anthracycline is history, not a draft
    }

    @Test func deleteSuggestionsWhereTheRuleKnowsTheFix() throws {
        let concurrent = try #require(
            builder().cards(
                for: Self.verdict([
                    Self.finding("her2-anthracycline-concurrent", .critical, [Self.trastuzumab, Self.epirubicin])
                ])
            ).first
        )
        #expect(concurrent.suggestions.map(\.resourceID) == ["MedicationRequest/mr-epi"])
        #expect(concurrent.suggestions[0].label == "Remove the epirubicin order")
        let json = String(decoding: concurrent.json.bytes(), as: UTF8.self)
        #expect(
            json.contains(
                #""actions":[{"type":"delete","description":"Remove the epirubicin order","resourceId":"MedicationRequest/mr-epi"}]"#
            )
        )
        #expect(json.contains(#""selectionBehavior":"at-most-one""#))

        // Duplicates: one suggestion per duplicate after the first in draftOrders order, whatever the evidence order.
        let duplicate = try #require(
            builder().cards(
                for: Self.verdict([
                    Self.finding("duplicate-her2-therapy", .critical, [Self.herceptin, Self.trastuzumab])
                ])
            ).first
        )
        #expect(duplicate.suggestions.map(\.resourceID) == ["MedicationRequest/mr-herceptin"])

        // A rule without a known fix has none.
        #expect(
            builder().cards(for: Self.verdict([Self.finding("lvef-baseline-missing", .critical, [Self.trastuzumab])]))[
                0
            ].suggestions.isEmpty
        )
    }

    @Test func orderSelectShowsOnlyFindingsOnTheSelectionAtMostWarning() {
        let findings = [
            Self.finding("her2-anthracycline-concurrent", .critical, [Self.trastuzumab, Self.epirubicin]),
            Self.finding("lvef-monitoring-due", .info, [Self.herceptin]),
            Self.finding("cumulative-anthracycline-dose", .critical, [Self.history]),
        ]
        let cards = builder(.orderSelect, selections: ["MedicationRequest/mr-epi"]).cards(for: Self.verdict(findings))
        #expect(cards.map(\.rule) == ["her2-anthracycline-concurrent"])
        #expect(cards.map(\.indicator) == [.warning])
        #expect(builder(.orderSelect, selections: ["MedicationRequest/old"]).cards(for: Self.verdict(findings)).isEmpty)
        #expect(builder(.orderSign).cards(for: Self.verdict(findings)).count == 3)
    }

    @Test func anInvalidOrderIsOneCouldNotBeCheckedWarning() {
        var verdict = Self.verdict([])
        verdict.decision = .invalid
        verdict.errors = [OrderError(path: "Bundle.entry[0].resource.dosageInstruction[0]", message: "no start date")]
        let cards = builder().cards(for: verdict)
        #expect(cards.count == 1)
        #expect(cards[0].indicator == .warning)
        #expect(cards[0].summary == "This order could not be checked")
        #expect(cards[0].detail.contains("- `Bundle.entry[0].resource.dosageInstruction[0]`: no start date"))
    }

    @Test func summariesStayUnder140CharactersCutAtAWord() {
        let short = "trastuzumab overlaps doxorubicin (2026-12-01 to 2027-01-25)"
        #expect(CardBuilder.truncate(short) == short)
        let exactly139 = String(repeating: "a", count: 139)
        #expect(CardBuilder.truncate(exactly139) == exactly139)
        let long = (0..<40).map { "word\($0)" }.joined(separator: " ")
        let cut = CardBuilder.truncate(long)
        #expect(cut.count < 140)
        #expect(cut.hasSuffix("…"))
        #expect(long.hasPrefix(String(cut.dropLast())))
        #expect(long.dropFirst(cut.count - 1).first == " ")  // cut at a word boundary
        let unbroken = String(repeating: "x", count: 300)
        #expect(CardBuilder.truncate(unbroken).count == 139)
        let accented = String(repeating: "é ", count: 100)
        #expect(CardBuilder.truncate(accented).count < 140)
    }

    @Test func fingerprintsArePHIFreeAndStable() {
        let a = CardBuilder.fingerprint(Self.finding("r", .info, [Self.trastuzumab], summary: "one"))
        let b = CardBuilder.fingerprint(Self.finding("r", .info, [Self.trastuzumab], summary: "two"))
        #expect(a == b)
        #expect(a.count == 16)
        #expect(a != CardBuilder.fingerprint(Self.finding("r", .info, [Self.herceptin])))
    }
}
