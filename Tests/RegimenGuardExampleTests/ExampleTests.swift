import Foundation
import TestSupport
import Testing

/// The built binary on what the repository shows a newcomer: the example spool's decisions promised in
/// `Examples/README.md`, the README's console sample, and the `--help` of every command, as golden files.
///
/// `REGIMEN_GUARD_UPDATE_SNAPSHOTS=1 swift test --filter ExampleTests` rewrites the `--help` snapshots after a
/// deliberate change to a command's options; review the diff before committing it.
@Suite struct ExampleTests {
    static let root = repositoryRoot.path
    static let examples = root + "/Examples/spool/incoming"
    static let snapshots = root + "/Tests/RegimenGuardExampleTests/Snapshots"

    /// A fixed width, no colour and a plain PATH, so output does not depend on the terminal running the tests.
    func run(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(
            ProcessRunner.regimenGuard,
            arguments,
            environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "100"],
            currentDirectory: Self.root
        )
    }

    /// `| `FILE` | what it shows | `decision` |` rows of the examples table, and each order's FHIR twin
    /// `NAME.fhir.json`, which the examples promise the same decision.
    static func promisedDecisions() -> [(file: String, decision: String)] {
        tableDecisions().flatMap { row in
            [row, ((row.file as NSString).deletingPathExtension + ".fhir.json", row.decision)]
        }
    }

    static func tableDecisions() -> [(file: String, decision: String)] {
        let text = (try? String(contentsOfFile: root + "/Examples/README.md", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 4, cells[1].hasPrefix("`RX-"), cells[cells.count - 2].hasPrefix("`") else {
                return nil
            }
            return (
                cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")),
                cells[cells.count - 2].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            )
        }
    }

    @Test func everyExampleOrderIsDescribedWithItsDecision() throws {
        let promised = Self.promisedDecisions()
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples).sorted()
        #expect(!promised.isEmpty)
        #expect(promised.map(\.file).sorted() == files)
    }

    @Test(arguments: promisedDecisions().map(\.file))
    func anExampleOrderGetsTheDecisionTheExamplesPromise(file: String) throws {
        let promised = try #require(Self.promisedDecisions().first { $0.file == file })
        let result = try run([
            "validate", "--format", "json", "--policies", "Policies", "Examples/spool/incoming/\(file)",
        ])
        let verdict = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            "\(result.stderr)"
        )
        #expect(verdict["decision"] as? String == promised.decision, "\(file)")
        let expectedStatus: Int32 = ["accept": 0, "review": 1, "reject": 2, "invalid": 65][promised.decision] ?? -1
        #expect(result.status == expectedStatus)
    }

    /// The README's first console block: the command it shows, and the lines it shows of the output (a line ending
    /// in `...` stands for a longer line that starts with what precedes it).
    @Test func theReadmeConsoleSampleIsWhatTheBinaryPrints() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let block = try #require(
            readme.components(separatedBy: "```console\n").dropFirst().first?.components(separatedBy: "```").first
        )
        var lines = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let command = try #require(lines.first?.hasPrefix("$ regimen-guard ") == true ? lines.removeFirst() : nil)
        let arguments = command.dropFirst("$ regimen-guard ".count).split(separator: " ").map(String.init)
        let output = try run(arguments).stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(output.count >= lines.count)
        for (shown, printed) in zip(lines, output) {
            if shown.hasSuffix("...") {
                #expect(printed.hasPrefix(String(shown.dropLast(3))), "README: \(shown)\nprinted: \(printed)")
            } else {
                #expect(printed == shown, "README: \(shown)\nprinted: \(printed)")
            }
        }
    }

    /// Every command and subcommand the binary lists, as `["validate"]`, `["policy", "check"]`, ...
    func commands(under prefix: [String] = []) throws -> [[String]] {
        let help = try run(prefix + ["--help"]).stdout
        guard let section = help.components(separatedBy: "SUBCOMMANDS:\n").dropFirst().first else { return [prefix] }
        var result = [prefix]
        // The section lists `  name   abstract` lines (abstracts may wrap, indented further) up to a blank line.
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else {
                continue
            }
            let command = String(name)
            guard command != "help" else { continue }
            result += try commands(under: prefix + [command])
        }
        return result
    }

    @Test func theHelpOfEveryCommandMatchesItsSnapshot() throws {
        let update = ProcessInfo.processInfo.environment["REGIMEN_GUARD_UPDATE_SNAPSHOTS"] == "1"
        let all = try commands()
        #expect(all.count >= 5, "\(all)")
        var expectedFiles: Set<String> = []
        for command in all {
            let name = "help-" + (command.isEmpty ? "regimen-guard" : command.joined(separator: "-")) + ".txt"
            expectedFiles.insert(name)
            let path = Self.snapshots + "/" + name
            let help = try run(command + ["--help"])
            #expect(help.status == 0)
            if update {
                try Data(help.stdout.utf8).write(to: URL(fileURLWithPath: path))
                continue
            }
            let snapshot = try? String(contentsOfFile: path, encoding: .utf8)
            #expect(
                snapshot == help.stdout,
                "regimen-guard \(command.joined(separator: " ")) --help differs from \(name)"
            )
        }
        let onDisk = Set(
            try FileManager.default.contentsOfDirectory(atPath: Self.snapshots).filter { $0.hasPrefix("help-") }
        )
        #expect(update || onDisk == expectedFiles, "snapshots without a command, or commands without a snapshot")
    }
}
