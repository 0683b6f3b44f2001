import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// Loading validates the whole policy set and reports every problem with its file and place.
@Suite struct PolicyLoadingTests {
    static let directory = repositoryRoot.appendingPathComponent("Policies").path

    static func files(
        replacing name: String? = nil,
        with text: String? = nil,
        adding extra: [String: String] = [:]
    ) -> [PolicySourceFile] {
        var files: [PolicySourceFile] = []
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
        where file.hasSuffix(".yaml") {
            var bytes = Array(FileManager.default.contents(atPath: directory + "/" + file)!)
            if file == name, let text { bytes = Array(text.utf8) }
            files.append(PolicySourceFile(name: file, bytes: bytes))
        }
        for (name, text) in extra { files.append(PolicySourceFile(name: name, bytes: Array(text.utf8))) }
        return files
    }

    static var rules: String {
        String(decoding: FileManager.default.contents(atPath: directory + "/rules.yaml")!, as: UTF8.self)
    }

    func issues(_ files: [PolicySourceFile]) -> [PolicyIssue] {
        do {
            _ = try PolicySet.load(files)
            Issue.record("the broken policy set loaded")
            return []
        } catch {
            return error.issues
        }
    }

    /// ORDERS.md 4.2 and 4.3: the five v1 rules in their order, and the twelve guideline rules with their default
    /// severities, within the full list (other files add further rules, such as 4.4's).
    static let guidelineRules: [String: Severity] = [
        "ovarian-suppression-missing": .critical, "pertuzumab-without-trastuzumab": .critical,
        "duplicate-her2-therapy": .critical, "her2-status-not-positive": .critical,
        "endocrine-without-hr-positive": .warning, "her2-stopped-at-progression": .warning,
        "tdxd-preferred-second-line": .info, "endocrine-missing-in-maintenance": .info, "first-line-without-thp": .info,
        "cdk46-with-chemotherapy": .warning, "cdk46-without-endocrine": .warning, "lvef-monitoring-due": .info,
    ]

    @Test func theRepositoryPolicyHasTheContractRules() {
        let v1 = [
            "her2-anthracycline-concurrent", "lvef-baseline-missing", "endocrine-during-chemo",
            "her2-dropped-at-chemo-stop", "cdk46-replaces-thp",
        ]
        let rules = repositoryPolicy.rules
        #expect(rules.map(\.id).filter(v1.contains) == v1)
        #expect(
            rules.filter { v1.contains($0.id) }.map(\.severity) == [
                .critical, .critical, .warning, .warning, .critical,
            ]
        )
        let guideline = rules.filter { PolicyLoadingTests.guidelineRules[$0.id] != nil }
        #expect(Set(guideline.map(\.id)) == Set(PolicyLoadingTests.guidelineRules.keys))
        for rule in guideline { #expect(rule.severity == PolicyLoadingTests.guidelineRules[rule.id], "\(rule.id)") }
        #expect(guideline.allSatisfy { $0.enabled })
        #expect(Set(rules.map(\.messageID)).count == rules.count)
        #expect(repositoryPolicy.digest.hasPrefix("sha256:") && repositoryPolicy.digest.count == 71)
    }

    /// ORDERS.md 4.4, pinned as a set: other files add rules of their own (rules-guideline.yaml).
    @Test func theRepositoryPolicyHasTheSevenHeartDoseAndToxicityRules() {
        let heart: [String: Severity] = [
            "lvef-hold-threshold": .critical, "lvef-low-at-baseline": .warning, "her2-after-heart-failure": .critical,
            "tdxd-after-ild": .critical, "dose-out-of-range": .critical, "dose-basis-missing": .warning,
            "cumulative-anthracycline-dose": .critical,
        ]
        let rules = repositoryPolicy.rules.filter { heart[$0.id] != nil }
        #expect(Dictionary(uniqueKeysWithValues: rules.map { ($0.id, $0.severity) }) == heart)
        #expect(rules.allSatisfy { $0.enabled })
        #expect(
            Set(rules.map(\.messageID)) == [
                "4d4caa040254400aa4a4f6793b2261b8", "fa8febd90995456fa6f49b0ddb1ffe00",
                "bca9cedcd5834baab6cd8f9c3aa51771",
                "07dbb1b15e8b4c64973d6b16a55e5fcc", "17230ca4913f49668320f960f512779b",
                "a895c176b5384d85aa71d683dc335089",
                "619b13e5b4cd431d83f8bc9001fc491e",
            ]
        )
    }

    @Test func theDigestChangesWithAnyByte() throws {
        let changed = try PolicySet.load(
            PolicyLoadingTests.files(replacing: "rules.yaml", with: PolicyLoadingTests.rules + "\n# a comment\n")
        )
        #expect(changed.digest != repositoryPolicy.digest)
        #expect(try PolicySet.load(PolicyLoadingTests.files()).digest == repositoryPolicy.digest)
    }

    @Test func aWindowOrSeverityChangesWithoutRecompiling() throws {
        let text = PolicyLoadingTests.rules.replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: 28")
            .replacingOccurrences(
                of: "severity: warning\n    title: Endocrine",
                with: "severity: critical\n    title: Endocrine"
            )
        let policy = try PolicySet.load(PolicyLoadingTests.files(replacing: "rules.yaml", with: text))
        let strict = Validator(policy: policy)
        let lvefOrder = order(
            [
                .open("trastuzumab", "2026-12-01"), .open("pertuzumab", "2026-12-01"),
                .cycles("docetaxel", "2026-12-01", 6),
            ],
            lvef: ["2026-10-01"]
        )
        #expect(judge(lvefOrder).v1Findings.isEmpty)
        #expect(strict.validate(bytes: Array(lvefOrder.utf8), fileName: "o.json", at: fixedDate).v1Rules == [Rule.lvef])
        #expect(policy.rules.first { $0.id == Rule.endocrine }?.severity == .critical)
    }

    @Test func findingWordsComeFromThePolicysMessageTemplates() throws {
        let text = PolicyLoadingTests.rules.replacingOccurrences(
            of: #"overlap: "{first} overlaps {second} ({start} to {end})""#,
            with: #"overlap: "{first} given together with {second} from {start} to {end}""#
        )
        let validator = Validator(
            policy: try PolicySet.load(PolicyLoadingTests.files(replacing: "rules.yaml", with: text))
        )
        let bytes = order(
            [.cycles("trastuzumab", "2026-12-01", 6), .cycles("doxorubicin", "2026-12-01", 4)],
            lvef: ["2026-11-20"]
        )
        let summaries = validator.validate(bytes: Array(bytes.utf8), fileName: "o.json", at: fixedDate).findings
            .filter { $0.rule == Rule.anthracycline }.map(\.summary)
        #expect(summaries == ["trastuzumab given together with doxorubicin from 2026-12-01 to 2027-02-22"])
    }

    @Test func aTemplateWithAnUnknownSlotOrAMissingTemplateIsRejected() {
        let unknownSlot = PolicyLoadingTests.rules.replacingOccurrences(
            of: #"agent: "{agent} (starts {start})""#,
            with: #"agent: "{agent} (starts {begin})""#
        )
        let unknown = issues(PolicyLoadingTests.files(replacing: "rules.yaml", with: unknownSlot))
        #expect(
            unknown.contains {
                $0.path == "rules.lvef-baseline-missing.messages.agent" && $0.message.contains("unknown slot {begin}")
            }
        )
        let missingTemplate = PolicyLoadingTests.rules.replacingOccurrences(
            of: #"      present: " (present: {present})""# + "\n",
            with: ""
        )
        let missing = issues(PolicyLoadingTests.files(replacing: "rules.yaml", with: missingTemplate))
        #expect(
            missing.contains {
                $0.path == "rules.cdk46-replaces-thp.messages.present" && $0.message.hasPrefix("is required")
            }
        )
    }

    @Test func aRuleCanBeDisabledAndADrugAdded() throws {
        let disabled = PolicyLoadingTests.rules.replacingOccurrences(
            of: "kind: required-backbone",
            with: "kind: required-backbone\n    enabled: false"
        )
        let extra =
            "agents:\n  trastuzumab-xyz:\n    class: HER2_MAB\n    ingredients: [trastuzumab]\n    names: [Newtuzumab]\n"
        let policy = try PolicySet.load(
            PolicyLoadingTests.files(replacing: "rules.yaml", with: disabled, adding: ["local-agents.yaml": extra])
        )
        let local = Validator(policy: policy)
        let text = order(
            [.open("palbociclib", "2026-12-01"), .open("letrozole", "2026-12-01"), .open("Newtuzumab", "2026-12-01")],
            lvef: ["2026-11-20"],
            line: 1
        )
        let verdict = local.validate(bytes: Array(text.utf8), fileName: "o.json", at: fixedDate)
        #expect(verdict.decision == .accept)
        #expect(judge(text).decision == .invalid)
    }

    @Test func everyProblemIsReportedWithItsFileAndPath() {
        let broken = PolicyLoadingTests.rules
            .replacingOccurrences(of: "washout_after_first: {months: 7}", with: "washout_after_first: {months: -7}")
            .replacingOccurrences(of: "first: [endocrine]", with: "first: [endocrine, HORMONES]")
            .replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: 90\n    baseline_dayz: 28")
            .replacingOccurrences(of: "kind: continuation", with: "kind: continuity")
        let found = issues(PolicyLoadingTests.files(replacing: "rules.yaml", with: broken))
        #expect(found.allSatisfy { $0.file == "rules.yaml" })
        let paths = Set(found.map(\.path))
        #expect(paths.contains("rules.her2-anthracycline-concurrent.washout_after_first.months"))
        #expect(paths.contains("rules.endocrine-during-chemo.first[1]"))
        #expect(paths.contains("rules.lvef-baseline-missing.baseline_dayz"))
        #expect(paths.contains("rules.her2-dropped-at-chemo-stop.kind"))
        #expect(found.first { $0.path.hasSuffix(".kind") }?.message.contains("unknown rule kind 'continuity'") == true)
        #expect(found.first { $0.path.hasSuffix("baseline_dayz") }?.message.contains("(line ") == true)
    }

    @Test func aMessageIDBelongsToOneRule() {
        let reused = PolicyLoadingTests.rules.replacingOccurrences(
            of: "message_id: 87898e0d12584dd3a81345823ad8e3a4",
            with: "message_id: f06e9ef1300d4630b8ab5ae01f6145fb"
        )
        let found = issues(PolicyLoadingTests.files(replacing: "rules.yaml", with: reused))
        #expect(found.map(\.path) == ["rules.cdk46-replaces-thp.message_id"])
        #expect(found.first?.message.contains("already used by rule her2-anthracycline-concurrent") == true)
    }

    @Test func duplicateIdsAcrossFilesAreErrors() {
        let duplicate =
            "rules:\n  endocrine-during-chemo:\n    kind: overlap\n    message_id: 0123456789abcdef0123456789abcdef\n    severity: info\n    title: t\n    detail: d\n    recommendation: r\n    first: [endocrine]\n    second: [chemotherapy]\n"
        let found = issues(PolicyLoadingTests.files(adding: ["zz-local.yaml": duplicate]))
        #expect(
            found.contains {
                $0.path == "rules.endocrine-during-chemo" && $0.message.contains("already defined in rules.yaml")
            }
        )
        let agent = "agents:\n  herceptin-copy:\n    class: HER2_MAB\n    names: [Herceptin]\n"
        #expect(
            issues(PolicyLoadingTests.files(adding: ["zz-agents.yaml": agent])).contains {
                $0.message.contains("'herceptin' belongs to both")
            }
        )
        let badClass = "agents:\n  newdrug:\n    class: NO_SUCH_CLASS\n"
        #expect(
            issues(PolicyLoadingTests.files(adding: ["zz-agents.yaml": badClass])).contains {
                $0.path == "agents.newdrug.class"
            }
        )
    }

    @Test func brokenYAMLAndMissingPiecesAreReported() {
        #expect(
            issues(PolicyLoadingTests.files(replacing: "rules.yaml", with: "rules: [unclosed")).first?.message.contains(
                "not valid YAML"
            ) == true
        )
        #expect(issues(PolicyLoadingTests.files(replacing: "policy.yaml", with: "")).contains { $0.path == "policy" })
        #expect(
            issues(PolicyLoadingTests.files(replacing: "rules.yaml", with: "rulez: {}")).contains { $0.path == "rulez" }
        )
        #expect(issues([]).count >= 2)
    }
}
