import ArgumentParser
import Foundation
import Glibc
import RegimenGuardReport
import RegimenGuardSystemd

/// `regimen-guard report`: how the alerts fared over a window of the journal (Docs/report.md).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report from the journal how the rules fire and how their alerts fare: counts and codes only.",
        discussion: """
            Reads the entries regimen-guard's services wrote to the journal (SYSLOG_IDENTIFIER=regimen-guard), \
            through libsystemd: the local journal, or the journal directories given with --directory, such as \
            the one systemd-journal-remote fills from several hosts (their entries are counted together, and per \
            host with --per-host). It counts orders judged by decision and per day; per rule the findings, the \
            orders flagged and overridden, the CDS Hooks cards issued, accepted and overridden and the override \
            reason codes; invalid orders by the shape of their error paths; service faults, failed reloads and \
            the policy versions seen.

            Only the fields these figures need are read: never a MESSAGE, a comment or any free text. The journal \
            holds no patient data, and the report prints only counts, rule ids, codes and host names.

            --since and --until take what journalctl takes: 2026-12-01, "2026-12-01 08:00[:00]" (local time, \
            or UTC with " UTC"), today, yesterday, now, -7d, "-1h 30min", @1796083200; both are inclusive. \
            Exit codes: 0 done, 64 usage error, 66 a journal directory cannot be read, 74 the journal cannot be \
            read or the output written.
            """
    )

    // `.unconditional`: `--since -7d` is a value, not an option.
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Count entries from this time on (default: the journal's start).", valueName: "time")
    )
    var since: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Count entries up to this time (default: now).", valueName: "time")
    )
    var until: String?

    @Option(
        name: .customLong("unit"),
        help: ArgumentHelp(
            "Only entries of this systemd unit (regimen-guard, regimen-guard-cds, ...); repeat for several.",
            valueName: "unit"
        )
    )
    var units: [String] = []

    @Option(
        name: .customLong("directory"),
        help: ArgumentHelp(
            "Read the journal files in this directory instead of the local journal; repeat for several.",
            valueName: "dir"
        )
    )
    var directories: [String] = []

    @Flag(name: .customLong("per-host"), help: "Also give the figures per host (_HOSTNAME).")
    var perHost = false

    @Option(help: ArgumentHelp("text, json, prometheus or html.", valueName: "format"))
    var format: ReportFormat = .text

    @Option(
        help: ArgumentHelp(
            "Write the report to this file atomically (mode 0644), as node_exporter's textfile collector needs.",
            valueName: "file"
        )
    )
    var output: String?

    func run() throws {
        let now = ReportCommand.now()
        let window = Report.Window(
            since: try ReportCommand.time(since, option: "--since", now: now),
            until: try ReportCommand.time(until, option: "--until", now: now)
        )
        if let since = window.since, let until = window.until, since > until {
            throw ValidationError("--since is after --until")
        }

        var builder = ReportBuilder(window: window, day: ReportCommand.day(of:), perHost: perHost)
        let reader = JournalReader(
            source: directories.isEmpty ? .local : .directories(directories),
            units: units,
            identifier: JournalRecord.identifier,
            since: window.since,
            until: window.until,
            fields: JournalRecord.fieldNames
        )
        do throws(JournalReader.Failure) {
            try reader.read { realtime, fields in builder.add(JournalRecord(realtime: realtime, fields: fields)) }
        } catch {
            StandardError.write("regimen-guard: \(error.description)\n")
            throw error.kind == .noInput ? ExitCodes.noInput : ExitCodes.ioError
        }
        for directory in directories where !JournalReader.hasJournalFiles(directory) {
            StandardError.write("regimen-guard: note: no journal files in \(directory)\n")
        }
        if directories.isEmpty && !ReportCommand.mayReadSystemJournal() {
            StandardError.write(
                "regimen-guard: note: only your own journal was readable; members of the groups adm or "
                    + "systemd-journal (or root) see the services' entries\n"
            )
        }
        let report = builder.finish()
        let text = report.rendered(
            as: format,
            context: RenderContext(generatedAt: now, formatTime: ReportCommand.iso8601(_:))
        )
        guard let output else {
            var out = StandardOutputBuffer()
            out.append(text)
            out.flush()
            return
        }
        do throws(AtomicFile.Failure) {
            try AtomicFile.write(Array(text.utf8), to: output, mode: 0o644)
        } catch {
            StandardError.write("regimen-guard: cannot write \(output): \(error.description)\n")
            throw ExitCodes.ioError
        }
    }

    /// A `--since`/`--until` value, or a usage error naming the option.
    static func time(_ text: String?, option: String, now: UInt64) throws(ValidationError) -> UInt64? {
        guard let text else { return nil }
        do throws(TimeSpec.ParseError) {
            return try TimeSpec.parse(text, now: now, utcOffset: utcOffset(ofWall:))
        } catch {
            throw ValidationError("\(option): \(error.description)")
        }
    }

    /// Whether this process may read the system journal: root, or a member of `adm` or `systemd-journal` (as
    /// journalctl's hint says).
    static func mayReadSystemJournal() -> Bool {
        if geteuid() == 0 { return true }
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        let got = getgroups(count, &groups)
        let mine = Set(groups.prefix(Int(max(got, 0)))).union([getegid()])
        return ["adm", "systemd-journal"].contains { name in
            guard let group = getgrnam(name) else { return false }
            return mine.contains(group.pointee.gr_gid)
        }
    }

    // MARK: - The reporter's clock and time zone

    /// `TZ`, else /etc/localtime, read once.
    static let zone = TimeZone.current

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1_000
    }

    /// Seconds east of UTC at a UTC instant, in the reporter's time zone (`TZ`, else /etc/localtime).
    static func utcOffset(atUTC seconds: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// Seconds east of UTC at a local wall time (given as if it were UTC): the offset of the instant it names.
    static func utcOffset(ofWall wall: Int64) -> Int {
        let first = utcOffset(atUTC: wall)
        return utcOffset(atUTC: wall - Int64(first))
    }

    @Sendable static func day(of realtime: UInt64) -> String {
        TimeSpec.day(of: realtime, offset: utcOffset(atUTC: Int64(realtime / 1_000_000)))
    }

    @Sendable static func iso8601(_ realtime: UInt64) -> String {
        TimeSpec.iso8601(realtime, offset: utcOffset(atUTC: Int64(realtime / 1_000_000)))
    }
}

extension ReportFormat: ExpressibleByArgument {}

/// A file replaced atomically: written to a temporary file in the same folder, flushed, renamed over the target,
/// and the folder flushed, so a reader (node_exporter) sees the old file or the new one, never a part.
enum AtomicFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(Failure) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw Failure(description: "the output names a folder, not a file") }
        let directory = SystemCall.retrying { open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard directory >= 0 else { throw failure("open \(folder)") }
        defer { close(directory) }
        // A dot name: node_exporter's textfile collector reads only `*.prom`.
        let temporary = ".\(name).\(getpid()).tmp"
        let fd = SystemCall.retrying {
            openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        guard fd >= 0 else { throw failure("create \(temporary)") }
        var done = false
        defer { if !done { unlinkat(directory, temporary, 0) } }
        do {
            defer { close(fd) }
            let written = SystemCall.writeAll(fd, bytes)
            guard written == 0 else { throw Failure(description: "write: \(String(cString: strerror(written)))") }
            // The umask must not narrow the mode the collector needs to read.
            guard fchmod(fd, mode) == 0 else { throw failure("chmod") }
            guard fsync(fd) == 0 else { throw failure("fsync") }
        }
        guard renameat(directory, temporary, directory, name) == 0 else { throw failure("rename") }
        done = true
        guard fsync(directory) == 0 else { throw failure("fsync \(folder)") }
    }

    static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
