import Foundation
import Glibc
import RegimenGuardCore
import TestSupport
import Testing

/// Issue 10, tried from outside as an attacker or an unlucky pharmacy system would: the built binary, real files,
/// real processes, a real private journald. Each test names the promise it pins (Docs/reliability.md).
@Suite struct HostileInputTests {
    static let harness = repositoryRoot.appendingPathComponent("Tests/Support/with-journald.sh").path
    static let canJournal = getuid() == 0 && FileManager.default.fileExists(atPath: "/lib/systemd/systemd-journald")

    func start(
        _ spool: TemporaryDirectory,
        extra: [String] = [],
        environment: [String: String] = [:],
        stderrFile: String? = nil
    ) throws -> ServiceProcess {
        try ServiceProcess(
            arguments: [
                "watch", "--spool", spool.path, "--policies", policiesPath, "--settle-time", "0.2", "--log-target",
                "stderr",
            ] + extra,
            environment: environment,
            stderrFile: stderrFile
        )
    }

    /// Drops an order under a name too long for `drop`'s staging name.
    func dropAs(_ contents: String, _ name: String, into spool: TemporaryDirectory) throws {
        let staging = spool.file(".staging")
        try Data(contents.utf8).write(to: URL(fileURLWithPath: staging))
        #expect(rename(staging, spool.file("incoming/" + name)) == 0)
    }

    func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Runs the service on a backlog beside a private journald; returns the entries and the service's stderr.
    func journal(
        of spool: TemporaryDirectory,
        extra: [String] = []
    ) throws -> (entries: [[String: Any]], raw: String, stderr: String) {
        let output = spool.path + ".journal.json"
        defer { unlink(output) }
        let result = try ProcessRunner.run(
            Self.harness,
            [
                output, "--", ProcessRunner.regimenGuard, "watch", "--spool", spool.path, "--policies", policiesPath,
                "--exit-when-idle", "--settle-time", "0", "--log-target", "journal",
            ] + extra,
            environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"]
        )
        #expect(result.status == 0, "\(result.stderr)")
        let raw = text(output)
        let entries = raw.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["SYSLOG_IDENTIFIER"] as? String == "regimen-guard" }
        return (entries, raw, result.stderr)
    }

    // MARK: - 1. A file written in place is taken only once closed

    static let csvHeader =
        "order_id,patient_id,her2_status,hr_status,disease_setting,menopausal_status,line_of_therapy,record,drug,start,end,cycles,cycle_length_days,phase,stop_reason,observation,value,unit,date\n"
    static func csvRow(_ record: String) -> String {
        "RX-INPLACE,\(patientSecret),positive,positive,metastatic,,1,\(record)\n"
    }
    static let acceptPart =
        csvHeader
        + csvRow("medication,trastuzumab,2026-12-01,,,,,,,,,")
        + csvRow("medication,pertuzumab,2026-12-01,,,,,,,,,")
        + csvRow("medication,docetaxel,2026-12-01,,6,21,,,,,,")
        + csvRow("observation,,,,,,,,lvef,60,%,2026-11-20")
    static let epirubicinRow = csvRow("medication,epirubicin,2026-12-01,,4,21,,,,,,")

    @Test func aFileWrittenInPlaceIsTakenOnlyOnceClosedAndItsVerdictMatchesTheArchivedBytes() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        // The writer starts before the service (it is found by the scan at start) and pauses with the file open;
        // the periodic rescan runs meanwhile.
        let path = spool.file("incoming/RX-INPLACE.csv")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        _ = Self.acceptPart.withCString { write(fd, $0, strlen($0)) }
        let service = try start(spool, extra: ["--rescan-interval", "0.3"])
        defer {
            service.signal(SIGKILL)
            _ = service.wait()
        }
        // While it stays open (2 s, settle time 0.2 s, rescans every 0.3 s), no verdict may appear.
        #expect(!waitUntil(timeout: .seconds(2)) { verdict(spool, "RX-INPLACE.csv") != nil })
        _ = Self.epirubicinRow.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        #expect(waitUntil { verdict(spool, "RX-INPLACE.csv") != nil && entries(spool.file("archive")).count == 1 })
        let judged = verdict(spool, "RX-INPLACE.csv")
        #expect(judged?.decision == .reject)
        let archived = FileManager.default.contents(atPath: spool.file("archive/RX-INPLACE.csv")) ?? Data()
        #expect(String(decoding: archived, as: UTF8.self) == Self.acceptPart + Self.epirubicinRow)
        // source_sha256 is of the archived bytes: judge them again and compare.
        let again = Validator(policy: try loadPolicy()).validate(
            bytes: Array(archived),
            fileName: "RX-INPLACE.csv",
            at: Date()
        )
        #expect(judged?.sourceSHA256 == again.sourceSHA256)
    }

    // MARK: - 3. Names near NAME_MAX

    static func longName(_ length: Int, tag: String = "") -> String {
        let stem = "RX-LONG-" + tag
        return stem + String(repeating: "n", count: length - stem.utf8.count - 5) + ".json"
    }

    @Test func namesUpTo255BytesAreJudgedAndAResubmittedOneIsArchivedBeside() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let names = [233, 240, 255].map { Self.longName($0, tag: "\($0)-") }
        for name in names { try dropAs(sampleOrder("RX-L\(name.utf8.count)"), name, into: spool) }
        let log = spool.path + ".log"
        defer { unlink(log) }
        let service = try start(spool, stderrFile: log)
        defer {
            service.signal(SIGKILL)
            _ = service.wait()
        }
        #expect(waitUntil { entries(spool.file("archive")).count == 3 })
        // Resubmit the 255-byte name.
        try dropAs(sampleOrder("RX-L255B", decision: .accept), names[2], into: spool)
        #expect(waitUntil { entries(spool.file("archive")).count == 4 })
        #expect(entries(spool.file("incoming")).isEmpty)
        let verdicts = entries(spool.file("verdicts"))
        #expect(verdicts.count == 3, "\(verdicts)")
        for name in verdicts {
            let document = try Verdict.decode(
                Array(FileManager.default.contents(atPath: spool.file("verdicts/" + name)) ?? Data())
            )
            #expect(document.decision != .invalid, "\(name): \(document.errors)")
            #expect(name.utf8.count <= 255)
        }
        #expect(
            verdicts.contains {
                (try? Verdict.decode(
                    Array(FileManager.default.contents(atPath: spool.file("verdicts/" + $0)) ?? Data())
                ))?.orderID == "RX-L255B"
            }
        )
        service.signal(SIGTERM)
        #expect(service.wait().status == 0)
        #expect(!text(log).contains("cannot finish"), "\(text(log).suffix(2_000))")
    }

    @Test(.enabled(if: getuid() == 0, "needs root for a UTS namespace with another host name"))
    func derivedNamesDoNotDependOnTheHostName() throws {
        func verdictNames(host: String) throws -> [String] {
            let spool = try makeSpool()
            defer { spool.remove() }
            for length in [200, 226, 255] {
                try dropAs(sampleOrder("RX-H\(length)"), Self.longName(length), into: spool)
            }
            let result = try ProcessRunner.run(
                "/usr/bin/unshare",
                [
                    "--uts", "/bin/sh", "-c", "hostname \"$0\" && exec \"$@\"", host, ProcessRunner.regimenGuard,
                    "watch",
                    "--spool", spool.path, "--policies", policiesPath, "--exit-when-idle", "--settle-time", "0",
                    "--log-target", "stderr",
                ]
            )
            #expect(result.status == 0, "\(result.stderr)")
            return entries(spool.file("verdicts"))
        }
        let short = try verdictNames(host: "h")
        let long = try verdictNames(host: String(repeating: "x", count: 63))
        #expect(short.count == 3)
        #expect(short == long)
    }

    // MARK: - 6. Back-off

    /// The service runs as `nobody` over a spool `nobody` owns, except archive/, which it cannot write.
    @Test(.enabled(if: getuid() == 0, "needs root to run the service as another user"))
    func anUnwritableArchiveBacksOffAndLogsOncePerStep() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let tools = try TemporaryDirectory(prefix: "regimen-guard-tools")
        defer { tools.remove() }
        #expect(chmod(tools.path, 0o755) == 0)
        try FileManager.default.copyItem(atPath: ProcessRunner.regimenGuard, toPath: tools.file("regimen-guard"))
        try FileManager.default.copyItem(atPath: policiesPath, toPath: tools.file("policies"))
        let nobody: uid_t = 65534
        for folder in ["verdicts", "archive", "quarantine"] { #expect(mkdir(spool.file(folder), 0o755) == 0) }
        for path in [spool.path, spool.file("incoming"), spool.file("verdicts"), spool.file("quarantine")] {
            #expect(chown(path, nobody, gid_t(nobody)) == 0)
        }
        let log = spool.path + ".log"
        defer { unlink(log) }
        let service = try ServiceProcess(
            arguments: [
                "watch", "--spool", spool.path, "--policies", tools.file("policies"), "--settle-time", "0",
                "--log-target", "stderr",
            ],
            stderrFile: log,
            launcher: [
                "/usr/bin/setpriv", "--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", "--inh-caps=-all",
            ],
            executable: tools.file("regimen-guard")
        )
        defer {
            service.signal(SIGKILL)
            _ = service.wait()
        }
        try drop(sampleOrder("RX-BACKOFF"), as: "RX-BACKOFF.json", into: spool.path)
        #expect(chown(spool.file("incoming/RX-BACKOFF.json"), nobody, gid_t(nobody)) == 0)
        func faults() -> Int { text(log).split(separator: "\n").filter { $0.contains("cannot finish") }.count }
        #expect(waitUntil { faults() > 0 })
        // 4 s of an unwritable archive: with a delay doubling from 0.25 s that is at most 5 tries (0.25 + 0.5 + 1 + 2),
        // each logged once.
        #expect(
            !waitUntil(timeout: .seconds(4), pollEvery: .milliseconds(50)) { faults() > 5 },
            "\(faults()) fault lines"
        )
        #expect(chown(spool.file("archive"), nobody, gid_t(nobody)) == 0)
        #expect(
            waitUntil(timeout: .seconds(40)) { entries(spool.file("archive")) == ["RX-BACKOFF.json"] },
            "\(text(log).suffix(3_000))"
        )
        #expect(verdict(spool, "RX-BACKOFF.json")?.decision == .reject)
    }

    // MARK: - 8. A heavy order does not block the others

    /// A 1 MiB order of about 100,000 short unknown keys: with the core of today, many minutes of CPU (its duplicate
    /// and unknown-key checks grow with the square of the keys).
    static func heavyOrder() -> String {
        var text =
            "{\"order_id\": \"RX-HEAVY\", \"patient\": {\"id\": \"\(patientSecret)\", \"her2_status\": \"positive\", \"hr_status\": \"positive\", \"disease_setting\": \"metastatic\"}, \"line_of_therapy\": 1, \"medications\": [{\"drug\": \"trastuzumab\", \"start\": \"2026-12-01\"}], "
        var keys: [String] = []
        var size = text.utf8.count
        var index = 0
        while size < 1_040_000 {
            let key = "\"\(String(index, radix: 16))\":1"
            keys.append(key)
            size += key.utf8.count + 1
            index += 1
        }
        text += keys.joined(separator: ",") + "}"
        return text
    }

    @Test func aHeavyOrderDoesNotDelayOrdinaryOnesNorTheWatchdogNorSIGTERM() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let notify = try NotifySocket(directory: spool.path)
        let service = try start(spool, environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        defer {
            service.signal(SIGKILL)
            _ = service.wait()
        }
        #expect(notify.waitFor { $0.contains("READY=1") } != nil)
        try drop(Self.heavyOrder(), as: "RX-HEAVY.json", into: spool.path)
        let names = (0..<100).map { String(format: "RX-ORD-%03d.json", $0) }
        for name in names {
            try drop(sampleOrder(String(name.dropLast(5)), decision: .accept), as: name, into: spool.path)
        }
        let clock = ContinuousClock()
        let started = clock.now
        // The notify socket is read meanwhile, as systemd reads it (its queue holds only a few datagrams).
        #expect(
            waitUntil(timeout: .seconds(15)) {
                notify.waitFor(timeout: .milliseconds(1)) { _ in false }
                return names.allSatisfy { verdict(spool, $0) != nil }
            },
            "ordinary verdicts: \(names.filter { verdict(spool, $0) != nil }.count) of 100 after \(clock.now - started)"
        )
        // The watchdog keeps being fed (every 0.5 s) while the heavy order is judged.
        notify.reset()
        #expect(notify.waitFor(timeout: .seconds(2)) { $0 == "WATCHDOG=1" } != nil)
        let heavyPending = verdict(spool, "RX-HEAVY.json") == nil
        // SIGTERM is answered within seconds, even with the heavy order in hand; it is not lost.
        service.signal(SIGTERM)
        #expect(notify.waitFor(timeout: .seconds(5)) { $0 == "STOPPING=1" } != nil)
        let exited = waitUntil(timeout: .seconds(5)) { !service.process.isRunning }
        #expect(exited, "SIGTERM not answered within 5 s")
        guard exited else { return }
        #expect(service.wait().status == 0)
        if heavyPending {
            #expect(entries(spool.file("incoming")).contains("RX-HEAVY.json") || verdict(spool, "RX-HEAVY.json") != nil)
        }
    }

    // MARK: - 10. No patient data through JSON keys

    @Test(.enabled(if: canJournal))
    func anUnknownKeyNeverReachesALogButStaysInTheVerdict() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let order = """
            {"order_id": "RX-KEY", "patient": {"id": "\(patientSecret)", "Jane Quinlan Patient": "1961-04-02", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic"},
             "medications": [{"drug": "trastuzumab", "start": "2026-12-01", "Dr Bob Surname": 1}]}
            """
        try spool.write("incoming/RX-KEY.json", order)
        let (entries, raw, stderr) = try journal(of: spool)
        for secret in ["Jane Quinlan Patient", "1961-04-02", "Dr Bob Surname", patientSecret] {
            #expect(!raw.contains(secret), "\(secret) reached the journal")
            #expect(!stderr.contains(secret))
        }
        let invalid = entries.first { $0["MESSAGE_ID"] as? String == "3275db35b2094a51867404e5e5c1fed0" }
        let paths = invalid?["REGIMEN_GUARD_ERROR_PATHS"] as? String ?? ""
        #expect(paths.contains("patient.<unknown field 1>"), "\(paths)")
        #expect(paths.contains("medications[0].<unknown field 2>"), "\(paths)")
        // The verdict keeps the real key for the pharmacist.
        #expect(verdict(spool, "RX-KEY.json")?.errors.contains { $0.path.contains("Jane Quinlan Patient") } == true)
    }

    // MARK: - 11. No forged lines, no terminal injection

    @Test func controlCharactersInANameNeverForgeALine() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let name = "RX-F.json\r\nregimen-guard: info: RX-FORGED: accept\tdecision=accept \u{1B}[2K\u{7F}\u{85}\\.json"
        try drop(sampleOrder("RX-FORGE"), as: name, into: spool.path)
        let result = try ServiceProcess(
            arguments: [
                "watch", "--spool", spool.path, "--policies", policiesPath, "--exit-when-idle", "--settle-time", "0",
                "--log-target", "stderr",
            ]).wait()
        #expect(result.status == 0)
        #expect(verdict(spool, name)?.decision == .reject)
        let bytes = Array(result.stderr.utf8)
        for line in result.stderr.split(separator: "\n") {
            #expect(!line.hasPrefix("regimen-guard: info: RX-FORGED"), "forged: \(line)")
        }
        #expect(!bytes.contains(0x0D) && !bytes.contains(0x09) && !bytes.contains(0x1B) && !bytes.contains(0x7F))
        #expect(!result.stderr.unicodeScalars.contains("\u{85}"))
        // One escaped, quoted value: the name cannot add a key=value pair of its own.
        #expect(!result.stderr.contains("\tdecision=accept"))
        #expect(result.stderr.contains("\\r\\n"), "\(result.stderr)")
    }

    @Test(.enabled(if: canJournal))
    func controlCharactersNeverReachTheJournalRaw() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let name = "RX-J.json\r\n\u{1B}[32mACCEPT\u{7F}.json"
        try drop(sampleOrder("RX-JCTL"), as: name, into: spool.path)
        let (entries, _, _) = try journal(of: spool)
        let mine = entries.filter { ($0["REGIMEN_GUARD_ORDER_ID"] as? String) == "RX-JCTL" }
        #expect(!mine.isEmpty)
        for entry in mine {
            // journalctl -o json shows a field with control characters as an array of bytes, not a string.
            for key in ["MESSAGE", "REGIMEN_GUARD_FILE"] {
                let value = entry[key] as? String
                #expect(value != nil, "\(key) is not plain text: \(String(describing: entry[key]))")
                #expect(value?.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) } == false)
            }
        }
    }

    @Test func humanOutputEscapesWhatTheOrderSays() throws {
        let dir = try TemporaryDirectory(prefix: "regimen-guard-human")
        defer { dir.remove() }
        let forged = "\\r\\u001b[2K\\u001b[1A\\u001b[32mACCEPT\\u0000\\u009b"
        try dir.write(
            "RX-TTY.json",
            """
            {"order_id": "RX-TTY", "patient": {"id": "\(patientSecret)", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic", "\(forged)": 1},
             "medications": [{"drug": "trastuzumab", "start": "2026-12-01"}]}
            """
        )
        let result = try ProcessRunner.run(
            ProcessRunner.regimenGuard,
            ["validate", "--policies", policiesPath, dir.file("RX-TTY.json")]
        )
        #expect(result.status == 65)
        let bytes = Array(result.stdout.utf8)
        #expect(!bytes.contains(0x1B) && !bytes.contains(0x0D) && !bytes.contains(0x00), "\(result.stdout)")
        #expect(!result.stdout.unicodeScalars.contains("\u{9B}"))
        #expect(result.stdout.contains("\\x1b[32mACCEPT"), "\(result.stdout)")
    }

    // MARK: - 12. One order's alert flood

    /// 120 HER2 antibody items of three agents beside 120 anthracycline items of two: one rule, thousands of pairs
    /// (the core merges them into one finding per pair of agents, six here).
    static func floodOrder() -> String {
        let her2 = ["trastuzumab", "pertuzumab", "Kadcyla"], anthracyclines = ["epirubicin", "doxorubicin"]
        let items =
            (0..<120).map { "{\"drug\": \"\(her2[$0 % 3])\", \"start\": \"2026-12-01\"}" }
            + (0..<120).map {
                "{\"drug\": \"\(anthracyclines[$0 % 2])\", \"start\": \"2026-12-01\", \"cycles\": 4, \"cycle_length_days\": 21}"
            }
        return """
            {"order_id": "RX-FLOOD", "patient": {"id": "\(patientSecret)", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic"},
             "line_of_therapy": 1, "medications": [\(items.joined(separator: ", "))],
             "observations": [{"type": "lvef", "value": 60, "unit": "%", "date": "2026-11-20"}]}
            """
    }

    @Test(.enabled(if: canJournal))
    func atMostOneJournalEntryPerOrderAndRuleWithACount() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        try spool.write("incoming/RX-FLOOD.json", Self.floodOrder())
        let (entries, _, _) = try journal(of: spool)
        let flood = entries.filter { ($0["REGIMEN_GUARD_ORDER_ID"] as? String) == "RX-FLOOD" }
        let findings = flood.filter { $0["REGIMEN_GUARD_RULE"] != nil }
        let rules = findings.compactMap { $0["REGIMEN_GUARD_RULE"] as? String }
        #expect(Set(rules).count == rules.count, "\(rules.count) entries for \(Set(rules).count) rules")
        #expect(flood.count <= 21)
        let anthracycline = findings.first { $0["REGIMEN_GUARD_RULE"] as? String == "her2-anthracycline-concurrent" }
        #expect(Int(anthracycline?["REGIMEN_GUARD_COUNT"] as? String ?? "") ?? 0 > 1)
        #expect(anthracycline?["PRIORITY"] as? String == "2")
        #expect(findings.allSatisfy { $0["REGIMEN_GUARD_ENTRY"] as? String == "rule" })
        #expect(flood.filter { $0["REGIMEN_GUARD_ENTRY"] as? String == "verdict" }.count == 1)
        let judged = verdict(spool, "RX-FLOOD.json")
        #expect(
            judged?.findings.filter { $0.rule == "her2-anthracycline-concurrent" }.count
                == Int(anthracycline?["REGIMEN_GUARD_COUNT"] as? String ?? "")
        )
    }
}
