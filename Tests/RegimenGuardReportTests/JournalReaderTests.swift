import Foundation
import RegimenGuardJournal
import RegimenGuardReport
import RegimenGuardSystemd
import TestSupport
import Testing

/// `JournalReader` on real journal files: entries sent to a private journald (Tests/Support/with-journald.sh) of two
/// machines, read back through sd_journal from the two folders the journald runs left.
@Suite struct JournalReaderTests {
    static let harness = repositoryRoot.appendingPathComponent("Tests/Support/with-journald.sh").path
    static let canJournal = getuid() == 0 && FileManager.default.fileExists(atPath: "/lib/systemd/systemd-journald")
    static let machineA = "0a0a0a0a0a0a4a0a8a0a0a0a0a0a0a0a", machineB = "0b0b0b0b0b0b4b0b8b0b0b0b0b0b0b0b"
    /// Free text a reader must never take: it is in the entries' MESSAGE only.
    static let secret = "Jane Quinlan Patient"

    /// Sends `entries` (each one journal entry of `FIELD=value` lines) with `logger --journald` beside a private
    /// journald stamped as `machine`/`host`, and keeps its journal files in `keep`.
    static func journal(
        _ entries: [[String]],
        machine: String,
        host: String,
        keep: String,
        in dir: TemporaryDirectory
    )
        throws
    {
        var script = "set -e\n"
        for (index, entry) in entries.enumerated() {
            let file = dir.file("\(host)-\(index).entry")
            try (entry.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            script += "logger --journald='\(file)'\n"
        }
        let result = try ProcessRunner.run(
            harness,
            [
                dir.file("\(host).json"), "--keep", keep, "--machine-id", machine, "--hostname", host, "--", "bash",
                "-c", script,
            ],
            environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"]
        )
        #expect(result.status == 0, "\(result.stderr)")
    }

    static func ours(_ fields: [String]) -> [String] {
        ["SYSLOG_IDENTIFIER=regimen-guard", "MESSAGE=\(secret) RX order judged", "PRIORITY=6"] + fields
    }

    /// Two machines' journals: spool verdicts and findings on rx-a, CDS Hooks cards and feedback on cds-b, and
    /// another program's entries on both.
    static func twoJournals(in dir: TemporaryDirectory) throws -> (String, String) {
        let a = dir.file("journal-a"), b = dir.file("journal-b")
        try journal(
            [
                ours([
                    "MESSAGE_ID=f06e9ef1300d4630b8ab5ae01f6145fb", "REGIMEN_GUARD_ENTRY=rule",
                    "REGIMEN_GUARD_RULE=her2-anthracycline-concurrent", "REGIMEN_GUARD_COUNT=6",
                    "REGIMEN_GUARD_ORDER_ID=RX-1", "REGIMEN_GUARD_FILE=RX-1.json", "REGIMEN_GUARD_DECISION=reject",
                    "REGIMEN_GUARD_POLICY_DIGEST=d1", "REGIMEN_GUARD_POLICY_VERSION=2026.12",
                ]),
                ours([
                    "MESSAGE_ID=\(MessageIDs.orderVerdict)", "REGIMEN_GUARD_ENTRY=verdict",
                    "REGIMEN_GUARD_DECISION=reject", "REGIMEN_GUARD_ORDER_ID=RX-1", "REGIMEN_GUARD_FILE=RX-1.json",
                    "REGIMEN_GUARD_POLICY_DIGEST=d1", "REGIMEN_GUARD_POLICY_VERSION=2026.12",
                ]),
                ours([
                    "MESSAGE_ID=\(MessageIDs.orderInvalid)", "REGIMEN_GUARD_ENTRY=verdict",
                    "REGIMEN_GUARD_DECISION=invalid", "REGIMEN_GUARD_FILE=RX-2.json",
                    "REGIMEN_GUARD_ERROR_PATHS=medications[0].drug; medications[1].drug",
                ]),
                // Another program, though it names our MESSAGE_ID.
                [
                    "SYSLOG_IDENTIFIER=other-tool", "MESSAGE=hello", "MESSAGE_ID=\(MessageIDs.orderVerdict)",
                    "REGIMEN_GUARD_ENTRY=verdict", "REGIMEN_GUARD_DECISION=accept",
                ],
            ],
            machine: machineA,
            host: "rx-a",
            keep: a,
            in: dir
        )
        try journal(
            [
                ours([
                    "MESSAGE_ID=\(CDSMessageIDs.feedback)", "REGIMEN_GUARD_CARD_UUID=card-1",
                    "REGIMEN_GUARD_OUTCOME=overridden", "REGIMEN_GUARD_OVERRIDE_REASON=benefit-outweighs-risk",
                ]),
                ours([
                    "MESSAGE_ID=\(CDSMessageIDs.card)", "REGIMEN_GUARD_CARD_UUID=card-1",
                    "REGIMEN_GUARD_RULE=her2-anthracycline-concurrent", "REGIMEN_GUARD_HOOK=order-sign",
                ]),
                ours([
                    "MESSAGE_ID=\(CDSMessageIDs.request)", "REGIMEN_GUARD_HOOK=order-sign",
                    "REGIMEN_GUARD_DECISION=reject", "REGIMEN_GUARD_POLICY_DIGEST=d1",
                    "REGIMEN_GUARD_POLICY_VERSION=2026.12",
                ]),
                ours([
                    "MESSAGE_ID=\(MessageIDs.orderVerdict)", "REGIMEN_GUARD_ENTRY=verdict",
                    "REGIMEN_GUARD_DECISION=accept", "REGIMEN_GUARD_ORDER_ID=RX-1",
                ]),
                ["SYSLOG_IDENTIFIER=other-tool", "MESSAGE=hello again"],
            ],
            machine: machineB,
            host: "cds-b",
            keep: b,
            in: dir
        )
        return (a, b)
    }

    static func read(_ reader: JournalReader) throws -> [JournalRecord] {
        var records: [JournalRecord] = []
        try reader.read { records.append(JournalRecord(realtime: $0, fields: $1)) }
        return records
    }

    @Test(.enabled(if: canJournal, "needs root and systemd-journald for a private journald (with-journald.sh)"))
    func twoMachinesJournalsAreReadTogetherAndCounted() throws {
        let dir = try TemporaryDirectory(prefix: "regimen-guard-reader")
        defer { dir.remove() }
        let (a, b) = try Self.twoJournals(in: dir)
        // Each folder holds its machine's journal files under the machine id, as journald keeps them.
        #expect(FileManager.default.fileExists(atPath: a + "/" + Self.machineA))
        #expect(FileManager.default.fileExists(atPath: b + "/" + Self.machineB))

        let reader = JournalReader(
            source: .directories([a, b]),
            identifier: JournalRecord.identifier,
            fields: JournalRecord.fieldNames
        )
        let records = try Self.read(reader)
        #expect(records.count == 7, "\(records.map(\.fields))")
        #expect(records.allSatisfy { $0["SYSLOG_IDENTIFIER"] == "regimen-guard" })
        // Only the fields asked for: never the MESSAGE.
        #expect(records.allSatisfy { $0["MESSAGE"] == nil && !$0.fields.values.contains { $0.contains(Self.secret) } })
        #expect(records.allSatisfy { $0.realtime > 1_700_000_000_000_000 })

        var builder = ReportBuilder(window: Report.Window(), day: { TimeSpec.day(of: $0, offset: 0) }, perHost: true)
        for record in records { builder.add(record) }
        let report = builder.finish()
        #expect(report.hosts == ["cds-b", "rx-a"])
        #expect(report.decisions == Report.Decisions(accept: 1, reject: 1, invalid: 1))
        let rule = report.rules["her2-anthracycline-concurrent"]
        #expect(rule?.findings == 6)
        #expect(rule?.orders == 1)
        #expect(rule?.cards == 1)
        #expect(rule?.cardsOverridden == 1)
        #expect(rule?.overrideReasons == ["benefit-outweighs-risk": 1])
        #expect(report.invalidErrors == ["medications[].drug": 1])
        #expect(report.cds.requests == ["order-sign": ["reject": 1]])
        #expect(report.policies.map(\.digest) == ["d1"])
        #expect(report.perHost["rx-a"]?.decisions == Report.Decisions(reject: 1, invalid: 1))
        #expect(report.perHost["cds-b"]?.decisions == Report.Decisions(accept: 1))

        // Without the identifier match, the other program's entries are read too (and the builder drops them).
        let everything = try Self.read(JournalReader(source: .directories([a, b]), fields: JournalRecord.fieldNames))
        #expect(everything.filter { $0["SYSLOG_IDENTIFIER"] == "other-tool" }.count == 2)
        var all = ReportBuilder(window: Report.Window(), day: { TimeSpec.day(of: $0, offset: 0) })
        for record in everything { all.add(record) }
        #expect(all.finish().decisions == report.decisions)

        // The window: since/until bound what is read, both inclusive.
        let times = records.map(\.realtime).sorted()
        let first = try #require(times.first), last = try #require(times.last)
        let window = try Self.read(
            JournalReader(
                source: .directories([a, b]),
                identifier: JournalRecord.identifier,
                since: first,
                until: first,
                fields: JournalRecord.fieldNames
            )
        )
        #expect(!window.isEmpty && window.allSatisfy { $0.realtime == first })
        let none = try Self.read(
            JournalReader(
                source: .directories([a, b]),
                identifier: JournalRecord.identifier,
                since: last + 1,
                fields: JournalRecord.fieldNames
            )
        )
        #expect(none.isEmpty)

        // A unit none of them ran in matches nothing (the entries came from a shell, not a unit).
        let unit = try Self.read(
            JournalReader(
                source: .directories([a, b]),
                units: ["regimen-guard"],
                identifier: JournalRecord.identifier,
                fields: JournalRecord.fieldNames
            )
        )
        #expect(unit.isEmpty)
    }

    @Test func aMissingOrNonDirectoryFolderIsNoInput() throws {
        let dir = try TemporaryDirectory(prefix: "regimen-guard-reader")
        defer { dir.remove() }
        try dir.write("file", "not a folder")
        for path in [dir.file("missing"), dir.file("file")] {
            let reader = JournalReader(source: .directories([path]), fields: JournalRecord.fieldNames)
            var failure: JournalReader.Failure?
            do throws(JournalReader.Failure) {
                try reader.read { _, _ in }
            } catch {
                failure = error
            }
            #expect(failure?.kind == .noInput)
            #expect(failure?.description.contains(path) == true, "\(String(describing: failure))")
        }
    }

    @Test func anEmptyFolderHasNoEntries() throws {
        let dir = try TemporaryDirectory(prefix: "regimen-guard-reader")
        defer { dir.remove() }
        let records = try Self.read(JournalReader(source: .directories([dir.path]), fields: JournalRecord.fieldNames))
        #expect(records.isEmpty)
    }

    @Test func aUnitWithoutATypeIsAService() {
        #expect(JournalReader.unitName("regimen-guard") == "regimen-guard.service")
        #expect(JournalReader.unitName("regimen-guard-cds.socket") == "regimen-guard-cds.socket")
        #expect(JournalReader.unitName("regimen-guard.service") == "regimen-guard.service")
    }
}
