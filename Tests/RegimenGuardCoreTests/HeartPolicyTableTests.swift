import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// The tables of `Policies/rules-heart.yaml` are policy data: a pharmacy changes a threshold or adds a dose without
/// recompiling, and `policy check` (``PolicySet/load(_:)``) rejects a malformed table with its path, for every kind.
@Suite struct HeartPolicyTableTests {
    static let heart = String(
        decoding: FileManager.default.contents(atPath: PolicyLoadingTests.directory + "/rules-heart.yaml")!,
        as: UTF8.self
    )

    /// The problems of the repository policy with `old` replaced by `new` in rules-heart.yaml.
    func issues(_ old: String, _ new: String) -> [PolicyIssue] {
        #expect(Self.heart.contains(old), "the policy text changed: \(old)")
        do {
            _ = try PolicySet.load(
                PolicyLoadingTests.files(
                    replacing: "rules-heart.yaml",
                    with: Self.heart.replacingOccurrences(of: old, with: new)
                )
            )
            Issue.record("the broken policy set loaded")
            return []
        } catch {
            return error.issues
        }
    }

    func has(_ issues: [PolicyIssue], _ path: String, _ message: String) -> Bool {
        issues.contains { $0.file == "rules-heart.yaml" && $0.path == path && $0.message.contains(message) }
    }

    @Test func aMalformedLVEFHoldTableIsRejectedWithItsPath() {
        let p = "rules.lvef-hold-threshold.criteria"
        #expect(
            has(
                issues("{fall_at_least: 16, says", "{fall_at_least: sixteen, says"),
                "\(p)[0].hold[0].fall_at_least",
                "must be a number"
            )
        )
        #expect(
            has(
                issues("{fall_at_least: 16, says", "{fall_atleast: 16, says"),
                "\(p)[0].hold[0].fall_atleast",
                "unknown field"
            )
        )
        #expect(
            has(issues("agents: [t-dm1]  # C4, S18 V", "agents: [t-dm2]"), "\(p)[2].agents[0]", "unknown agent 't-dm2'")
        )
        #expect(
            has(
                issues("lower limit of normal ({lln}%)", "lower limit of normal ({lnn}%)"),
                "\(p)[0].hold[1].says",
                "unknown slot {lnn}"
            )
        )
        #expect(
            has(
                issues("{below: 40, says: \"below 40% (T-DM1", "{says: \"below 40% (T-DM1"),
                "\(p)[2].hold[0]",
                "gives no condition"
            )
        )
        #expect(
            has(
                issues("lower_limit_of_normal: 50", "lower_limit_of_normal: 500"),
                "rules.lvef-hold-threshold.lower_limit_of_normal",
                "between 1"
            )
        )
    }

    @Test func aMalformedEntryTableIsRejectedWithItsPath() {
        #expect(
            has(
                issues("metastatic: {below: 50,", "metastatic: {below: 150,"),
                "rules.lvef-low-at-baseline.entry.metastatic.below",
                "between 1"
            )
        )
        #expect(
            has(
                issues("early: {below: 55,", "erly: {below: 55,"),
                "rules.lvef-low-at-baseline.entry.erly",
                "unknown field"
            )
        )
    }

    @Test func aMalformedAdverseEventTableIsRejectedWithItsPath() {
        #expect(
            has(
                issues("event: heart_failure", "event: heart-failure"),
                "rules.her2-after-heart-failure.event",
                "unknown value 'heart-failure'"
            )
        )
        #expect(
            has(
                issues("{agents: [t-dxd], min_grade: 2,", "{agents: [t-dxd], min_grade: 6,"),
                "rules.tdxd-after-ild.contraindicated[0].min_grade",
                "between 1 and 5"
            )
        )
        #expect(
            has(
                issues("severity: critical, action: \"the T-DXd label", "severity: severe, action: \"the T-DXd label"),
                "rules.tdxd-after-ild.contraindicated[0].severity",
                "unknown value 'severe'"
            )
        )
    }

    @Test func aMalformedDoseTableIsRejectedWithItsPathUnderBothDoseRules() {
        let found = issues("loading: [8], usual: [6]}", "loading: [8], usual: [six]}")
        #expect(has(found, "rules.dose-out-of-range.doses[0].schedules[0].usual[0]", "must be a dose above 0"))
        #expect(has(found, "rules.dose-basis-missing.doses[0].schedules[0].usual[0]", "must be a dose above 0"))
        #expect(
            has(
                issues("maximum: 3.6  # C4", "maximum: 3.0  # C4"),
                "rules.dose-out-of-range.doses[2].maximum",
                "is below a usual dose (3.6)"
            )
        )
        #expect(
            has(
                issues("confusable_with: t-dxd ", "confusable_with: paclitaxel "),
                "rules.dose-out-of-range.doses[2].confusable_with",
                "which no row's agents list"
            )
        )
        #expect(
            has(
                issues("        unit: mg/m2\n", "        unit: mg/m²\n"),
                "rules.dose-out-of-range.doses[4].unit",
                "expected one of mg, mg/kg, mg/m2"
            )
        )
        #expect(
            has(
                issues("tolerance_percent: 10", "tolerance_percent: ten"),
                "rules.dose-out-of-range.tolerance_percent",
                "must be a number"
            )
        )
        #expect(
            has(
                issues(
                    "{cycle_length_days: 21, default: true, loading: [8], usual: [6]}",
                    "{cycle_length_days: 21, default: true, loading: [8], usual: [6]}\n          - {cycle_length_days: 14, default: true, usual: [6]}"
                ),
                "rules.dose-out-of-range.doses[0].schedules",
                "more than one schedule is the default"
            )
        )
    }

    @Test func aMalformedDoseBasisRuleIsRejectedWithItsPath() {
        #expect(
            has(
                issues(
                    "basis_window_days: 30  # ORDERS.md 4.4 default; CLINICAL.md E8 asks",
                    "basis_window_days: -30  # E8 asks"
                ),
                "rules.dose-basis-missing.basis_window_days",
                "between 0"
            )
        )
        #expect(
            has(
                issues("summary: \"{drug} {doses} (starts {start})", "summary: \"{drug} {dose} (starts {start})"),
                "rules.dose-basis-missing.messages.summary",
                "unknown slot {dose}"
            )
        )
    }

    @Test func aMalformedCumulativeTableIsRejectedWithItsPath() {
        #expect(
            has(
                issues("limit_mg_per_m2: 550}  # C15", "limit_mg_per_m2: 0}  # C15"),
                "rules.cumulative-anthracycline-dose.limits[0].limit_mg_per_m2",
                "between 1"
            )
        )
        #expect(
            has(
                issues("{agents: [epirubicin], name", "{agents: [epirubicine], name"),
                "rules.cumulative-anthracycline-dose.limits[1].agents[0]",
                "unknown agent 'epirubicine'"
            )
        )
        #expect(
            has(
                issues("not_computable_severity: info", "not_computable_severity: note"),
                "rules.cumulative-anthracycline-dose.not_computable_severity",
                "unknown value 'note'"
            )
        )
    }

    @Test func aPharmacyChangesAThresholdOrAddsADoseWithoutRecompiling() throws {
        // Lower limit of normal 55%: 53% after 63% (a fall of 10) is now a trastuzumab hold.
        let order = v2Order(
            [V2.med("trastuzumab", "2026-12-01")],
            history: [V2.med("trastuzumab", "2026-01-05", end: "2026-11-30")],
            observations: [V2.lvef(63, "2025-12-20"), V2.lvef(53, "2026-11-24")]
        )
        #expect(judge(order).findings(Rule.hold).isEmpty)
        let stricter = try PolicySet.load(
            PolicyLoadingTests.files(
                replacing: "rules-heart.yaml",
                with: Self.heart.replacingOccurrences(
                    of: "lower_limit_of_normal: 50",
                    with: "lower_limit_of_normal: 55"
                )
            )
        )
        #expect(
            Validator(policy: stricter).validate(bytes: Array(order.utf8), fileName: "o.json", at: fixedDate).findings(
                Rule.hold
            ).count == 1
        )
        // Weekly paclitaxel 80 mg/m2 added to the table: 100 mg/m2 weekly is then out of range.
        let paclitaxel = """
                  - agents: [paclitaxel]
                    name: paclitaxel
                    unit: mg/m2
                    schedules: [{cycle_length_days: 7, default: true, usual: [80]}]
                  - agents: [docetaxel]
            """
        let added = try PolicySet.load(
            PolicyLoadingTests.files(
                replacing: "rules-heart.yaml",
                with: Self.heart.replacingOccurrences(of: "      - agents: [docetaxel]", with: paclitaxel)
            )
        )
        let weekly = v2Order(
            [V2.med("paclitaxel", "2026-12-01", cycles: 12, every: 7, dose: (100, "mg/m2"))],
            observations: [V2.lvef(60, "2026-11-24")]
        )
        #expect(judge(weekly).findings(Rule.dose).isEmpty)
        #expect(
            Validator(policy: added).validate(bytes: Array(weekly.utf8), fileName: "o.json", at: fixedDate).findings(
                Rule.dose
            ).first?.severity == .warning
        )
    }
}
