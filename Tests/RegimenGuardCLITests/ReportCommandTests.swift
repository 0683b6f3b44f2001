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
        #expect(result.stderr.contains("month 13 is not 1-12"), "\(result.stderr)")
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
}
