import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// Each new rule kind rejects a malformed parameter at load, naming the file, the path and what is wrong.
@Suite struct GuidelinePolicyTests {
    static let file = "rules-guideline.yaml"
    static var text: String {
        String(
            decoding: FileManager.default.contents(atPath: PolicyLoadingTests.directory + "/" + file)!,
            as: UTF8.self
        )
    }

    /// The issues of the policy set with `old` replaced by `new` in rules-guideline.yaml (`old` must be there).
    func issues(_ old: String, _ new: String, in name: String = GuidelinePolicyTests.file) -> [PolicyIssue] {
        let original = name == GuidelinePolicyTests.file ? GuidelinePolicyTests.text : PolicyLoadingTests.rules
        #expect(original.contains(old), "\(old)")
        do {
            _ = try PolicySet.load(
                PolicyLoadingTests.files(replacing: name, with: original.replacingOccurrences(of: old, with: new))
            )
            Issue.record("the broken policy set loaded")
            return []
        } catch {
            return error.issues
        }
    }

    func expectIssue(_ found: [PolicyIssue], path: String, says words: String) {
        #expect(found.contains { $0.path == path && $0.message.contains(words) }, "\(found)")
    }

    @Test func companionActive() {
        expectIssue(
            issues("coverage: every_day", "coverage: some_days"),
            path: "rules.pertuzumab-without-trastuzumab.coverage",
            says: "unknown value 'some_days'; expected one of first_day, every_day"
        )
        expectIssue(
            issues(
                "unconfirmed: {when: {menopausal_status: [unknown]}, severity: info}",
                "unconfirmed: {when: {menopausal_status: [unsure]}, severity: info}"
            ),
            path: "rules.ovarian-suppression-missing.unconfirmed.when.menopausal_status",
            says: "unknown value 'unsure'"
        )
        // A coverage of every_day needs the gap templates.
        expectIssue(
            issues("coverage: first_day\n    # ORDERS.md 4.3", "coverage: every_day\n    # ORDERS.md 4.3"),
            path: "rules.ovarian-suppression-missing.messages.gap",
            says: "is required"
        )
    }

    @Test func duplicateTherapy() {
        expectIssue(
            issues(
                #"{name: pertuzumab, select: ["ingredient:pertuzumab"]}"#,
                #"{name: pertuzumab, select: ["ingredient:pertuzumob"]}"#
            ),
            path: "rules.duplicate-her2-therapy.shared[1].select[0]",
            says: "unknown class, group or ingredient 'ingredient:pertuzumob'"
        )
        expectIssue(
            issues(
                "{name: trastuzumab, select: [trastuzumab_containing]}",
                "{name: trastuzumab, selects: [trastuzumab_containing]}"
            ),
            path: "rules.duplicate-her2-therapy.shared[0].selects",
            says: "unknown field"
        )
    }

    @Test func notIndicated() {
        expectIssue(
            issues(
                "{when: {her2_status: [negative, unknown]}, trigger: [her2_targeted], message: not_positive}",
                "{when: {her2_status: [negativ, unknown]}, trigger: [her2_targeted], message: not_positive}"
            ),
            path: "rules.her2-status-not-positive.cases[0].when.her2_status",
            says: "unknown value 'negativ'"
        )
        // A case naming a template that messages does not give.
        expectIssue(
            issues("trigger: [endocrine], message: summary}", "trigger: [endocrine], message: no_receptor}"),
            path: "rules.endocrine-without-hr-positive.messages.no_receptor",
            says: "is required"
        )
    }

    @Test func continuedBeyondProgression() {
        expectIssue(
            issues("stopped_for: [progression]", "stopped_for: [regression]"),
            path: "rules.her2-stopped-at-progression.stopped_for[0]",
            says: "unknown stop reason 'regression'"
        )
    }

    @Test func linePreference() {
        expectIssue(
            issues("    line: 2\n", "    line: 3\n"),
            path: "rules.tdxd-preferred-second-line.line",
            says: "must be between 1 and 2"
        )
    }

    @Test func maintenanceCompanion() {
        expectIssue(
            issues("lookback_days: 180", "lookback_days: -180"),
            path: "rules.endocrine-missing-in-maintenance.lookback_days",
            says: "must be between 0 and 3650"
        )
        expectIssue(
            issues("new_line_after: [progression]", "new_line_after: [relapse]"),
            path: "rules.endocrine-missing-in-maintenance.new_line_after[0]",
            says: "unknown stop reason"
        )
    }

    @Test func observationInterval() {
        expectIssue(
            issues("interval: {weeks: 13}", "interval: {fortnights: 6}"),
            path: "rules.lvef-monitoring-due.interval.fortnights",
            says: "unknown field"
        )
        expectIssue(
            issues("    observation: lvef\n    # Every", "    observation: ecg\n    # Every"),
            path: "rules.lvef-monitoring-due.observation",
            says: "unknown observation type 'ecg'"
        )
    }

    @Test func requiredBackboneAndOverlapReused() {
        expectIssue(
            issues("backbone_history: metastatic\n    detail", "backbone_history: adjuvant\n    detail"),
            path: "rules.first-line-without-thp.backbone_history",
            says: "expected one of any, metastatic"
        )
        expectIssue(
            issues("unless_ordered: [cdk46]", "unless_ordered: [cdk4]"),
            path: "rules.first-line-without-thp.unless_ordered[0]",
            says: "unknown class"
        )
        expectIssue(
            issues("    first: [cdk46]\n", "    first: [cdk46]\n    washout_after_first: {months: -1}\n"),
            path: "rules.cdk46-with-chemotherapy.washout_after_first.months",
            says: "must be between"
        )
    }

    @Test func continuationsV1ParameterIsGone() {
        // ORDERS.md 4.2 (v2) scopes stop reasons; v1's progression_on_any_item is no longer a parameter.
        expectIssue(
            issues("progression_on_same_course: true", "progression_on_any_item: true", in: "rules.yaml"),
            path: "rules.her2-dropped-at-chemo-stop.progression_on_any_item",
            says: "unknown field"
        )
    }

    /// Everywhere the rule set shows: a journal catalog entry per MESSAGE_ID, the man page's message-id table, the
    /// README's rule table and the contract in Docs/orders.md name every rule of the repository's policy.
    @Test func everyRuleIsDocumented() throws {
        func read(_ path: String) throws -> String {
            try String(contentsOfFile: repositoryRoot.path + "/" + path, encoding: .utf8)
        }
        let catalog = try read("Packaging/regimen-guard.catalog"), man = try read("Packaging/regimen-guard.8")
        let readme = try read("README.md"), contract = try read("Docs/orders.md")
        for rule in repositoryPolicy.rules {
            #expect(contract.contains("`\(rule.id)`"), "Docs/orders.md: \(rule.id)")
            #expect(catalog.contains("-- \(rule.messageID)\nSubject: "), "catalog: \(rule.id)")
            #expect(man.contains("\n\(rule.id)\t\(rule.messageID)\n"), "man page: \(rule.id)")
            #expect(readme.contains("| `\(rule.id)` | \(rule.severity.rawValue)"), "README: \(rule.id)")
        }
    }

    @Test func theGuidelineRulesCanBeSwitchedOffOneByOne() throws {
        let text = GuidelinePolicyTests.text.replacingOccurrences(
            of: "kind: observation-interval",
            with: "kind: observation-interval\n    enabled: false"
        )
        let policy = try PolicySet.load(PolicyLoadingTests.files(replacing: GuidelinePolicyTests.file, with: text))
        let bytes = G.order(
            [
                .open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01"),
                .cycles("docetaxel", "2026-12-01", 6),
            ],
            line: 1
        )
        #expect(judge(bytes).rules == [G.monitoring])
        #expect(
            Validator(policy: policy).validate(bytes: Array(bytes.utf8), fileName: "o.json", at: fixedDate).rules
                .isEmpty
        )
    }
}
