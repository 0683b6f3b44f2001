import Foundation
import RegimenGuardCore
import RegimenGuardReport
import RegimenGuardSystemd
import TestSupport
import Testing

/// Alerts reach a real journald as structured entries, and the patient identifier never does.
@Suite struct JournalTests {
    static let harness = repositoryRoot.appendingPathComponent("Tests/Support/with-journald.sh").path

    /// Runs the service on a backlog beside a private journald; returns the journal's entries (and copies the
    /// journal files to `keep` when given).
    func journal(of spool: TemporaryDirectory, keep: String? = nil) throws -> [[String: Any]] {
        let output = spool.file("journal.json")
        let result = try ProcessRunner.run(
            Self.harness,
            [output] + (keep.map { ["--keep", $0] } ?? []) + [
                "--", ProcessRunner.regimenGuard, "watch", "--spool", spool.path, "--policies", policiesPath,
                "--exit-when-idle", "--settle-time", "0", "--log-target", "journal",
            ],
            environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"]
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains(patientSecret))
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(!text.contains(patientSecret))
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["SYSLOG_IDENTIFIER"] as? String == "regimen-guard" }
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.fileExists(atPath: "/lib/systemd/systemd-journald")))
    func findingsAreStructuredEntriesWithTheRulesMessageID() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        try spool.write("incoming/RX-J1.json", sampleOrder("RX-J1", decision: .reject))
        try spool.write("incoming/RX-J2.json", sampleOrder("RX-J2", decision: .review))
        try spool.write("incoming/RX-J3.json", sampleOrder("RX-J3", decision: .invalid))
        try spool.write("incoming/RX-J4.json", sampleOrder("RX-J4", decision: .accept))
        let entries = try journal(of: spool)

        let policy = try loadPolicy()
        let critical = entries.filter { $0["MESSAGE_ID"] as? String == "f06e9ef1300d4630b8ab5ae01f6145fb" }
        #expect(critical.count == 1)
        let entry = critical.first ?? [:]
        #expect(entry["PRIORITY"] as? String == "2")
        #expect(entry["REGIMEN_GUARD_RULE"] as? String == "her2-anthracycline-concurrent")
        #expect(entry["REGIMEN_GUARD_SEVERITY"] as? String == "critical")
        #expect(entry["REGIMEN_GUARD_DECISION"] as? String == "reject")
        #expect(entry["REGIMEN_GUARD_ORDER_ID"] as? String == "RX-J1")
        #expect(entry["REGIMEN_GUARD_FILE"] as? String == "RX-J1.json")
        #expect(entry["REGIMEN_GUARD_POLICY_VERSION"] as? String == policy.version)
        #expect(entry["REGIMEN_GUARD_POLICY_DIGEST"] as? String == policy.digest)
        #expect((entry["MESSAGE"] as? String)?.contains("Ogivri overlaps epirubicin") == true)
        #expect(entry["REGIMEN_GUARD_ENTRY"] as? String == "rule")

        let warning = entries.filter { $0["MESSAGE_ID"] as? String == "b88613fc16984362b109e3cc8bd0fc7a" }
        #expect(warning.map { $0["PRIORITY"] as? String } == ["4"])
        #expect(warning.first?["REGIMEN_GUARD_ORDER_ID"] as? String == "RX-J2")

        let summaries = entries.filter { $0["MESSAGE_ID"] as? String == "408d9aae5cb44854861f8318c368e17e" }
        #expect(Set(summaries.compactMap { $0["REGIMEN_GUARD_ORDER_ID"] as? String }) == ["RX-J1", "RX-J2", "RX-J4"])
        // One `verdict` entry per order judged: what `report` counts decisions from.
        #expect(summaries.map { $0["REGIMEN_GUARD_ENTRY"] as? String } == ["verdict", "verdict", "verdict"])
        let invalid = entries.filter { $0["MESSAGE_ID"] as? String == "3275db35b2094a51867404e5e5c1fed0" }
        #expect(invalid.first?["REGIMEN_GUARD_ERROR_PATHS"] as? String == "medications[0].drug")
        #expect(invalid.map { $0["REGIMEN_GUARD_ENTRY"] as? String } == ["verdict"])
        // Error messages can echo field values, so the journal carries only their paths.
        #expect(entries.allSatisfy { !(($0["MESSAGE"] as? String) ?? "").contains("trastuzamab") })
        #expect(entries.contains { $0["MESSAGE_ID"] as? String == "002083c98aaf40b795bacb7426e615d1" })
        #expect(entries.contains { $0["MESSAGE_ID"] as? String == "00291e544d17496bb851ec6e189bf35f" })
    }

    /// What `report` counts from the entries the real service wrote: read back through sd_journal.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.fileExists(atPath: "/lib/systemd/systemd-journald")))
    func theReportCountsWhatTheServiceLogged() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        try spool.write("incoming/RX-R1.json", sampleOrder("RX-R1", decision: .reject))
        try spool.write("incoming/RX-R2.json", sampleOrder("RX-R2", decision: .review))
        try spool.write("incoming/RX-R3.json", sampleOrder("RX-R3", decision: .invalid))
        try spool.write("incoming/RX-R4.json", sampleOrder("RX-R4", decision: .accept))
        // The anthracycline overlap overridden with a documented reason: the order is accepted.
        let overridden = sampleOrder("RX-R5", decision: .reject).replacingOccurrences(
            of: "\"line_of_therapy\": 1,",
            with:
                "\"line_of_therapy\": 1, \"overrides\": [{\"rule\": \"her2-anthracycline-concurrent\", \"reason\": \"tumour board 2026-11-24\"}],"
        )
        try spool.write("incoming/RX-R5.json", overridden)
        let kept = spool.file("journal-files")
        _ = try journal(of: spool, keep: kept)

        var builder = ReportBuilder(window: Report.Window(), day: { TimeSpec.day(of: $0, offset: 0) })
        try JournalReader(
            source: .directories([kept]),
            identifier: JournalRecord.identifier,
            fields: JournalRecord.fieldNames
        ).read { builder.add(JournalRecord(realtime: $0, fields: $1)) }
        let report = builder.finish()
        let policy = try loadPolicy()
        #expect(report.decisions == Report.Decisions(accept: 2, review: 1, reject: 1, invalid: 1))
        #expect(report.days.count == 1 && report.days.first?.decisions.total == 5)
        let anthracycline = report.rules["her2-anthracycline-concurrent"]
        #expect(anthracycline?.orders == 2)
        #expect(anthracycline?.overridden == 1)
        #expect(anthracycline?.findings == 2)
        #expect(report.invalidErrors == ["medications[].drug": 1])
        #expect(report.policies.map(\.digest) == [policy.digest])
        #expect(report.policies.first?.version == policy.version)
        #expect(report.hosts.count == 1)
        #expect(report.faults == Report.Faults())
    }
}
