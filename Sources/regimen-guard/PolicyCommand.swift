import ArgumentParser
import Foundation
import RegimenGuardCore
import RegimenGuardPolicyStore

/// `regimen-guard policy check|test`: prove a policy change before reloading the service.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check a policy set, or run its example orders.",
        subcommands: [Check.self, Test.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load and validate a policy set; print its version and digest, or every problem (exit 78)."
        )

        @Argument(help: ArgumentHelp("Policy folders, later ones overriding earlier ones.", valueName: "dir"))
        var directories: [String] = []

        func run() throws {
            let policy = try PolicyOptions.load(directories)
            print(
                "ok: policy \(policy.name) \(policy.version), \(policy.rules.count) rules, \(policy.vocabulary.agents.count) agents, \(policy.digest)"
            )
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Run the example orders in DIR/tests against the policy set and compare with their *.expect.yaml.",
            discussion:
                "Each tests/NAME.json or NAME.csv needs tests/NAME.expect.yaml with decision, rules (the exact set of rule ids with a finding) and, for invalid orders, errors (the exact set of error paths). Exits 0 when all pass, 1 otherwise, 78 for a broken policy."
        )

        @Argument(
            help: ArgumentHelp(
                "Policy folders; the example orders are read from the last one's tests/.",
                valueName: "dir"
            )
        )
        var directories: [String] = []

        func run() throws {
            let validator = Validator(policy: try PolicyOptions.load(directories))
            let testsDirectory = (PolicyOptions.resolve(directories).last! as NSString).appendingPathComponent("tests")
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: testsDirectory)) ?? []).sorted()
            var passed = 0, failed = 0
            for name in names where validator.format(for: name, content: []) != nil {
                let path = (testsDirectory as NSString).appendingPathComponent(name)
                let expectationPath = (path as NSString).deletingPathExtension + ".expect.yaml"
                guard let expectationBytes = FileManager.default.contents(atPath: expectationPath) else {
                    print("not ok - \(name): no \((expectationPath as NSString).lastPathComponent)")
                    failed += 1
                    continue
                }
                let verdict = validator.validate(
                    bytes: Array(FileManager.default.contents(atPath: path) ?? Data()),
                    fileName: name,
                    at: Date()
                )
                let differences: [String]
                do {
                    differences = try CaseExpectation.parse(Array(expectationBytes), file: expectationPath).differences(
                        from: verdict
                    )
                } catch {
                    differences = [error.description]
                }
                if differences.isEmpty {
                    passed += 1
                    print("ok - \(name): \(verdict.decision.rawValue)")
                } else {
                    failed += 1
                    print("not ok - \(name): \(differences.joined(separator: "; "))")
                }
            }
            print("\(passed) passed, \(failed) failed")
            if failed > 0 || passed == 0 { throw ExitCode(1) }
        }
    }
}
