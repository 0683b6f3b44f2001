import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// `regimen-guard validate`, `rules` and `policy` run as a user runs them: the built binary, its output and exit code.
@Suite struct ValidateCommandTests {
    let policies = repositoryRoot.appendingPathComponent("Policies").path

    static let accept = """
        {"order_id": "RX-A", "patient": {"id": "MRN-SECRET-1", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic"},
         "line_of_therapy": 1,
         "medications": [{"drug": "trastuzumab", "start": "2026-12-01"}, {"drug": "Perjeta", "start": "2026-12-01"}, {"drug": "docetaxel", "start": "2026-12-01", "cycles": 6, "cycle_length_days": 21}],
         "observations": [{"type": "lvef", "value": 61, "unit": "%", "date": "2026-11-18"}]}
        """
    static var review: String {
        accept.replacingOccurrences(
            of: "{\"drug\": \"Perjeta\", \"start\": \"2026-12-01\"}",
            with:
                "{\"drug\": \"Perjeta\", \"start\": \"2026-12-01\"}, {\"drug\": \"letrozole\", \"start\": \"2026-12-01\"}"
        )
    }
    static var reject: String { accept.replacingOccurrences(of: "docetaxel", with: "epirubicin") }
    static var invalid: String { accept.replacingOccurrences(of: "docetaxel", with: "docetaxol") }

    func withOrders(_ body: (TemporaryDirectory) throws -> Void) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("accept.json", Self.accept)
        try dir.write("review.json", Self.review)
        try dir.write("reject.json", Self.reject)
        try dir.write("invalid.json", Self.invalid)
        try body(dir)
    }

    func run(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(
            ProcessRunner.regimenGuard,
            arguments,
            environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"]
        )
    }

    @Test func exitCodesFollowTheDecision() throws {
        try withOrders { dir in
            for (name, code) in [("accept", 0), ("review", 1), ("reject", 2), ("invalid", 65)] as [(String, Int32)] {
                let result = try run(["validate", "--policies", policies, dir.file("\(name).json")])
                #expect(result.status == code, "\(name): \(result.stdout)\(result.stderr)")
                #expect(result.stdout.hasPrefix(name.uppercased()), "\(result.stdout)")
            }
        }
    }

    @Test func severalFilesExitWithTheWorst() throws {
        try withOrders { dir in
            let review = try run(["validate", "--policies", policies, dir.file("accept.json"), dir.file("review.json")])
            let reject = try run(["validate", "--policies", policies, dir.file("reject.json"), dir.file("accept.json")])
            let invalid = try run([
                "validate", "--policies", policies, dir.file("reject.json"), dir.file("invalid.json"),
            ])
            #expect([review.status, reject.status, invalid.status] == [1, 2, 65])
        }
    }

    @Test func humanOutputShowsFindingsWithEvidenceAndWhatToDo() throws {
        try withOrders { dir in
            let out = try run(["validate", "--policies", policies, dir.file("reject.json")]).stdout
            // Two critical findings, then (v2) the info findings: first-line-without-thp, lvef-monitoring-due and the
            // undosed epirubicin's lifetime dose that cannot be computed.
            #expect(
                out.contains(
                    "REJECT  \(dir.file("reject.json"))  (order RX-A)  5 findings\n  critical  her2-anthracycline-concurrent"
                )
            )
            #expect(
                out.contains("critical  her2-anthracycline-concurrent: trastuzumab overlaps epirubicin (2026-12-01 to")
            )
            #expect(out.contains("medications[0] trastuzumab 2026-12-01 to open-ended"))
            #expect(out.contains("what to do: Give anthracyclines and HER2 antibodies sequentially"))
            #expect(!out.contains("\u{1B}["))  // no colour when not on a terminal
            #expect(!out.contains("MRN-SECRET-1"))
            let invalid = try run(["validate", "--policies", policies, dir.file("invalid.json")]).stdout
            #expect(invalid.contains("error  medications[2].drug: unknown drug 'docetaxol'; did you mean 'docetaxel'?"))
        }
    }

    @Test func jsonOutputIsTheVerdictDocument() throws {
        try withOrders { dir in
            let result = try run(["validate", "--format", "json", "--policies", policies, dir.file("review.json")])
            let verdict = try Verdict.decode(Array(result.stdout.utf8))
            #expect(verdict.decision == .review)
            #expect(verdict.source == "review.json")
            // Info findings (v2: the unconfirmed menopausal status, the LVEF due date) do not decide.
            #expect(verdict.findings.filter { $0.severity != .info }.map(\.rule) == ["endocrine-during-chemo"])
            let several = try run([
                "validate", "--format", "json", "--policies", policies, dir.file("review.json"),
                dir.file("accept.json"),
            ])
            let array = try JSONSerialization.jsonObject(with: Data(several.stdout.utf8)) as? [[String: Any]]
            #expect(array?.map { $0["decision"] as? String } == ["review", "accept"])
        }
    }

    /// Two processes (so no state of one run can leak into the other) give byte-identical verdicts for the same bytes
    /// and policy, apart from `validated_at`.
    @Test func theSameBytesGiveTheSameVerdictInSeparateProcesses() throws {
        try withOrders { dir in
            func verdictLines() throws -> [Substring] {
                let result = try run(["validate", "--format", "json", "--policies", policies, dir.file("reject.json")])
                #expect(result.status == 2)
                return result.stdout.split(separator: "\n").filter { !$0.contains("\"validated_at\"") }
            }
            let first = try verdictLines(), second = try verdictLines()
            #expect(first.count > 20)
            #expect(first == second)
        }
    }

    /// The version is written once: `--version` and the verdict's `validator` agree with the package's VERSION file.
    @Test func theVersionIsTheSameEverywhere() throws {
        let package = try String(
            contentsOfFile: repositoryRoot.appendingPathComponent("Packaging/VERSION").path,
            encoding: .utf8
        )
        .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try run(["--version"]).stdout == package + "\n")
        #expect(Verdict.validatorName == "regimen-guard " + package)
    }

    /// `--files-from` reads a list of paths (an archive re-checked after a policy change): the same verdicts, in the
    /// same order, as the paths given as arguments; the worst decision is the exit code.
    @Test func aListOfFilesGivesTheSameVerdictsAsArguments() throws {
        try withOrders { dir in
            let names = ["accept", "review", "reject"].map { dir.file("\($0).json") }
            try dir.write("list", names.joined(separator: "\n") + "\n\n")
            let listed = try run([
                "validate", "--format", "json", "--policies", policies, "--files-from", dir.file("list"),
            ])
            let given = try run(["validate", "--format", "json", "--policies", policies] + names)
            func decisions(_ result: ProcessResult) throws -> [String] {
                let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
                return (array ?? []).compactMap { $0["decision"] as? String }
            }
            #expect(try decisions(listed) == ["accept", "review", "reject"])
            #expect(try decisions(listed) == decisions(given))
            #expect(listed.status == 2 && given.status == 2)
            try dir.write("empty", "")
            let none = try run([
                "validate", "--format", "json", "--policies", policies, "--files-from", dir.file("empty"),
            ])
            #expect(none.stdout == "[\n]\n" && none.status == 0)
        }
    }

    @Test func usageErrorsExit64() throws {
        let statuses = try [["validate"], ["validate", "--format", "xml", "x.json"], ["no-such-command"]].map {
            try run($0).status
        }
        #expect(statuses == [64, 64, 64])
    }

    @Test func aBrokenPolicyExits78WithThePreciseProblem() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for name in ["policy.yaml", "vocabulary.yaml", "rules.yaml"] {
            var text = try String(contentsOfFile: policies + "/" + name, encoding: .utf8)
            text = text.replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: ninety")
            try dir.write("policies-copy/" + name, text)
        }
        try dir.write("order.json", Self.accept)
        let result = try run(["validate", "--policies", dir.file("policies-copy"), dir.file("order.json")])
        #expect(result.status == 78)
        #expect(result.stderr.contains("rules.yaml: rules.lvef-baseline-missing.baseline_days: must be a whole number"))
        let check = try run(["policy", "check", dir.file("policies-copy")])
        #expect(check.status == 78)
        let good = try run(["policy", "check", policies])
        #expect(good.stdout.hasPrefix("ok: policy"))
    }

    @Test func rulesListsIdsSeveritiesAndTitles() throws {
        let out = try run(["rules", "--policies", policies]).stdout
        #expect(
            out.split(separator: "\n").contains {
                $0.hasPrefix("her2-anthracycline-concurrent ")
                    && $0.hasSuffix("  critical  HER2 antibody given with, or within the washout of, an anthracycline")
            }
        )
        #expect(
            out.split(separator: "\n").contains { $0.hasPrefix("endocrine-during-chemo ") && $0.contains(" warning ") }
        )
        #expect(out.split(separator: "\n").contains { $0.hasPrefix("lvef-monitoring-due ") && $0.contains(" info ") })
        // One line per rule of the policy set, after the heading.
        let count = try PolicySet.load(
            FileManager.default.contentsOfDirectory(atPath: policies).filter { $0.hasSuffix(".yaml") }.map {
                PolicySourceFile(name: $0, bytes: Array(FileManager.default.contents(atPath: policies + "/" + $0)!))
            }
        ).rules.count
        #expect(count >= 17)
        #expect(out.split(separator: "\n").count == 1 + count)
        #expect(
            out.split(separator: "\n").contains {
                $0.hasPrefix("cumulative-anthracycline-dose ") && $0.contains(" critical ")
            }
        )
    }

    @Test func policyTestRunsTheExampleOrdersBesideThePolicies() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for name in ["policy.yaml", "vocabulary.yaml", "rules.yaml"] {
            try dir.write("p/" + name, try String(contentsOfFile: policies + "/" + name, encoding: .utf8))
        }
        try dir.write("p/tests/a.json", Self.reject)
        try dir.write("p/tests/a.expect.yaml", "decision: reject\nrules: [her2-anthracycline-concurrent]\n")
        try dir.write("p/tests/b.json", Self.review)
        try dir.write("p/tests/b.expect.yaml", "decision: accept\nrules: []\n")
        let result = try run(["policy", "test", dir.file("p")])
        #expect(result.status == 1)
        #expect(result.stdout.contains("ok - a.json: reject"))
        #expect(
            result.stdout.contains(
                "not ok - b.json: decision is review, expected accept; unexpected finding: endocrine-during-chemo: letrozole overlaps docetaxel"
            )
        )
        #expect(result.stdout.contains("1 passed, 1 failed"))
    }
}
