import RegimenGuardCore
import Testing

/// Helpers for the tests of the guideline rules (ORDERS.md 4.3): orders with any patient facts and history items
/// that may carry a `setting`.
enum G {
    static let ovarian = "ovarian-suppression-missing"
    static let pertuzumab = "pertuzumab-without-trastuzumab"
    static let duplicate = "duplicate-her2-therapy"
    static let her2Status = "her2-status-not-positive"
    static let hrStatus = "endocrine-without-hr-positive"
    static let progression = "her2-stopped-at-progression"
    static let tdxd = "tdxd-preferred-second-line"
    static let maintenance = "endocrine-missing-in-maintenance"
    static let thp = "first-line-without-thp"
    static let cdkChemo = "cdk46-with-chemotherapy"
    static let cdkEndocrine = "cdk46-without-endocrine"
    static let monitoring = "lvef-monitoring-due"

    /// A medication or history item (the shared helper).
    typealias Item = Med

    /// An order; `menopausal: nil` leaves the field out. LVEF 60% on each `lvef` date.
    static func order(
        _ medications: [Item],
        history: [Item] = [],
        lvef: [String] = ["2026-11-24"],
        line: Int? = nil,
        her2: String = "positive",
        hr: String = "positive",
        menopausal: String? = "postmenopausal",
        setting: String = "metastatic",
        metastaticSince: String? = nil
    ) -> String {
        var patient = [
            "\"id\": \"MRN-SECRET-0042\"", "\"her2_status\": \"\(her2)\"", "\"hr_status\": \"\(hr)\"",
            "\"disease_setting\": \"\(setting)\"",
        ]
        if let menopausal { patient.append("\"menopausal_status\": \"\(menopausal)\"") }
        if let metastaticSince { patient.append("\"metastatic_since\": \"\(metastaticSince)\"") }
        var parts = [
            "\"order_id\": \"RX-GUIDE-1\"", "\"patient\": {" + patient.joined(separator: ", ") + "}",
            "\"medications\": [" + medications.map(\.json).joined(separator: ", ") + "]",
        ]
        if let line { parts.append("\"line_of_therapy\": \(line)") }
        if !history.isEmpty { parts.append("\"history\": [" + history.map(\.json).joined(separator: ", ") + "]") }
        if !lvef.isEmpty {
            parts.append(
                "\"observations\": ["
                    + lvef.map { "{\"type\": \"lvef\", \"value\": 60, \"unit\": \"%\", \"date\": \"\($0)\"}" }.joined(
                        separator: ", "
                    ) + "]"
            )
        }
        return "{" + parts.joined(separator: ",\n ") + "}"
    }

    /// The verdict, which must not be invalid.
    static func judged(_ text: String) -> Verdict {
        let verdict = judge(text)
        #expect(verdict.errors.isEmpty, "\(verdict.errors)")
        return verdict
    }
}

/// Cross-cutting properties of the guideline rules.
@Suite struct GuidelineTests {
    @Test func infoFindingsNeverChangeTheDecision() {
        // First line letrozole + trastuzumab (N10): first-line-without-thp and lvef-monitoring-due, both info.
        let verdict = G.judged(
            G.order([.open("letrozole", "2026-12-01"), .open("trastuzumab", "2026-12-01")], line: 1)
        )
        #expect(verdict.rules == [G.thp, G.monitoring])
        #expect(verdict.findings.allSatisfy { $0.severity == .info })
        #expect(verdict.decision == .accept)
    }

    @Test func everyGuidelineFindingCarriesItsTextsAndReferences() {
        let verdict = G.judged(
            G.order(
                [
                    .open("letrozole", "2026-12-01"), .open("palbociclib", "2026-12-01"),
                    .cycles("docetaxel", "2026-11-01", 6),
                ],
                menopausal: "premenopausal"
            )
        )
        #expect(verdict.rules.isSuperset(of: [G.ovarian, G.cdkChemo]))
        for finding in verdict.findings {
            #expect(
                !finding.detail.isEmpty && !finding.recommendation.isEmpty && !finding.references.isEmpty,
                "\(finding.rule)"
            )
            #expect(finding.evidence.allSatisfy { $0.start != nil }, "\(finding.rule)")
        }
    }
}
