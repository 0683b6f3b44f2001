import Foundation
import TestSupport
import Testing

/// `regimen-guard report` as a user runs it: the built binary on a journal folder, its output, file and exit code.
/// (The figures are tested on a real journal in RegimenGuardReportTests and in Tests/report.)
@Suite struct ReportCommandTests {
    func run(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(
            ProcessRunner.regimenGuard,
            ["report"] + arguments,
            environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1", "TZ": "UTC"]
        )
    }

    @Test(arguments: ["text", "json", "prometheus", "html"])
    func anEmptyJournalFolderGivesAReportInEachFormat(format: String) throws {
        let dir = try TemporaryDirectory(prefix: "regimen-guard-report")
        defer { dir.remove() }
        let result = try run(["--directory", dir.path, "--since", "-7d", "--until", "now", "--format", format])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.isEmpty)
        // Likely a wrong folder: said, though not an error (journalctl -D says so too).
        #expect(result.stderr == "regimen-guard: note: no journal files in \(dir.path)\n")
    }

    @Test func outputIsWrittenAtomicallyReadableByAll() throws {
        let dir = try TemporaryDirectory(prefix: "regimen-guard-report")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("journal"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("textfile"), withIntermediateDirectories: true)
        let target = dir.file("textfile/regimen_guard.prom")
        try dir.write("textfile/regimen_guard.prom", "old\n")
        let result = try run([
            "--directory", dir.file("journal"), "--format", "prometheus", "--output", target,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let written = try String(contentsOfFile: target, encoding: .utf8)
        #expect(written != "old\n" && !written.isEmpty)
        let attributes = try FileManager.default.attributesOfItem(atPath: target)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o644)
        // No temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("textfile")) == ["regimen_guard.prom"])
    }

    @Test func aBadTimeIsAUsageErrorSayingWhy() throws {
        let result = try run(["--directory", "/nonexistent", "--since", "2026-13-01"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--since: \"2026-13-01\": month 13 is not 1-12"), "\(result.stderr)")
        let reversed = try run(["--since", "2026-12-02", "--until", "2026-12-01"])
        #expect(reversed.status == 64)
        #expect(reversed.stderr.contains("--since is after --until"), "\(reversed.stderr)")
    }

    @Test func aMissingJournalFolderIsNoInput() throws {
        let result = try run(["--directory", "/nonexistent/journal"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("/nonexistent/journal"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func anUnwritableOutputIsAnIOError() throws {
        let dir = try TemporaryDirectory(prefix: "regimen-guard-report")
        defer { dir.remove() }
        let result = try run(["--directory", dir.path, "--output", dir.file("missing/folder/report.prom")])
        #expect(result.status == 74)
        #expect(result.stderr.contains("cannot write"), "\(result.stderr)")
    }

    /// Two machines' journal folders from private journalds (Tests/Support/with-journald.sh), read together.
    @Test(
        .enabled(
            if: getuid() == 0 && FileManager.default.fileExists(atPath: "/lib/systemd/systemd-journald"),
            "needs root and systemd-journald for a private journald (with-journald.sh)"
        )
    )
    func twoJournalFoldersAreReadTogether() throws {
        let dir = try TemporaryDirectory(prefix: "regimen-guard-report")
        defer { dir.remove() }
        let harness = repositoryRoot.appendingPathComponent("Tests/Support/with-journald.sh").path
        for (machine, host) in [
            ("0c0c0c0c0c0c4c0c8c0c0c0c0c0c0c0c", "rx-c"), ("0d0d0d0d0d0d4d0d8d0d0d0d0d0d0d0d", "rx-d"),
        ] {
            let entry = dir.file("\(host).entry")
            try dir.write(
                "\(host).entry",
                """
                SYSLOG_IDENTIFIER=regimen-guard
                MESSAGE=RX-\(host) judged
                MESSAGE_ID=408d9aae5cb44854861f8318c368e17e
                REGIMEN_GUARD_ENTRY=verdict
                REGIMEN_GUARD_DECISION=accept
                REGIMEN_GUARD_ORDER_ID=RX-1

                """
            )
            let result = try ProcessRunner.run(
                harness,
                [
                    dir.file("\(host).json"), "--keep", dir.file(host), "--machine-id", machine, "--hostname", host,
                    "--", "logger", "--journald=\(entry)",
                ],
                environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"]
            )
            #expect(result.status == 0, "\(result.stderr)")
        }
        for format in ["text", "json", "prometheus", "html"] {
            let result = try run([
                "--directory", dir.file("rx-c"), "--directory", dir.file("rx-d"), "--per-host", "--format", format,
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.isEmpty, "\(result.stderr)")
            #expect(!result.stdout.isEmpty)
            #expect(!result.stdout.contains("judged"), "a MESSAGE reached the report")
        }
    }
}
