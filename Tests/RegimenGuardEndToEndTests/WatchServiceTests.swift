import Foundation
import Glibc
import RegimenGuardCore
import ServiceTestSupport
import TestSupport
import Testing

/// `regimen-guard watch` as systemd runs it: real process, real notify socket, real signals, real files.
@Suite struct WatchServiceTests {
    func start(
        _ spool: TemporaryDirectory,
        policies: String = policiesPath,
        notify: NotifySocket? = nil,
        extra: [String] = [],
        environment: [String: String] = [:]
    ) throws -> ServiceProcess {
        var env = environment
        if let notify { env["NOTIFY_SOCKET"] = notify.path }
        return try ServiceProcess(
            arguments: [
                "watch", "--spool", spool.path, "--policies", policies, "--settle-time", "0.2", "--log-target",
                "stderr",
            ] + extra,
            environment: env
        )
    }

    @Test func speaksTheNotifyProtocolAndStopsCleanlyOnSIGTERM() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let notify = try NotifySocket(directory: spool.path)
        let service = try start(spool, notify: notify, environment: ["WATCHDOG_USEC": "400000"])
        #expect(notify.waitFor { $0.contains("READY=1") } != nil)
        #expect(notify.waitFor { $0.hasPrefix("STATUS=0 orders") } != nil)
        try drop(sampleOrder("RX-N1", decision: .reject), as: "RX-N1.json", into: spool.path)
        #expect(
            notify.waitFor { $0.contains("STATUS=1 orders: 0 accepted, 0 review, 1 rejected, 0 invalid; backlog 0") }
                != nil
        )
        // The watchdog is fed at half of WATCHDOG_USEC, also when idle.
        notify.reset()
        #expect(notify.waitFor(timeout: .seconds(5)) { $0 == "WATCHDOG=1" } != nil)
        service.signal(SIGHUP)
        let reloading = notify.waitFor { $0.hasPrefix("RELOADING=1") }
        #expect(reloading?.contains("MONOTONIC_USEC=") == true)
        #expect(notify.waitFor { $0 == "READY=1" } != nil)
        service.signal(SIGTERM)
        #expect(notify.waitFor { $0 == "STOPPING=1" } != nil)
        let result = service.wait()
        #expect(result.status == 0)
        #expect(result.reason == .exit)
        #expect(!result.stderr.contains(patientSecret))
    }

    @Test func judgesOrdersDroppedWhileRunningIncludingFilesWrittenInPlace() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let service = try start(spool)
        defer {
            service.signal(SIGKILL)
            _ = service.wait()
        }
        for (index, decision) in [Decision.accept, .review, .reject, .invalid].enumerated() {
            try drop(sampleOrder("RX-D\(index)", decision: decision), as: "RX-D\(index).json", into: spool.path)
        }
        // Written in place (no rename): taken once closed and settled.
        try sampleOrder("RX-W", decision: .accept).write(
            toFile: spool.file("incoming/RX-W.json"),
            atomically: false,
            encoding: .utf8
        )
        #expect(waitUntil { entries(spool.file("archive")).count == 5 })
        #expect(
            [0, 1, 2, 3].map { verdict(spool, "RX-D\($0).json")?.decision } == [.accept, .review, .reject, .invalid]
        )
        #expect(verdict(spool, "RX-W.json")?.decision == .accept)
        // A FIFO made in place raises no close event: it is quarantined at once, never opened.
        mkfifo(spool.file("incoming/pipe.json"), 0o600)
        #expect(waitUntil { entries(spool.file("quarantine")) == ["pipe.json"] })
        #expect(verdict(spool, "pipe.json")?.errors.first?.message.contains("FIFO") == true)
    }

    @Test func aBrokenPolicyOnReloadKeepsTheLastGoodOne() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let policies = try copyOfPolicies(prefix: "regimen-guard-policies")
        defer { policies.remove() }
        let notify = try NotifySocket(directory: spool.path)
        let service = try start(spool, policies: policies.path, notify: notify)
        #expect(notify.waitFor { $0.contains("READY=1") } != nil)
        try drop(sampleOrder("RX-R1"), as: "RX-R1.json", into: spool.path)
        #expect(waitUntil { verdict(spool, "RX-R1.json") != nil })
        let goodDigest = verdict(spool, "RX-R1.json")?.policy.digest

        let rules = try String(contentsOfFile: policies.file("rules.yaml"), encoding: .utf8)
        try policies.write(
            "rules.yaml",
            rules.replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: soon")
        )
        notify.reset()
        service.signal(SIGHUP)
        #expect(notify.waitFor { $0 == "READY=1" } != nil)
        try drop(sampleOrder("RX-R2"), as: "RX-R2.json", into: spool.path)
        #expect(waitUntil { verdict(spool, "RX-R2.json") != nil })
        #expect(verdict(spool, "RX-R2.json")?.policy.digest == goodDigest)
        #expect(verdict(spool, "RX-R2.json")?.decision == .reject)

        try policies.write("rules.yaml", rules.replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: 60"))
        notify.reset()
        service.signal(SIGHUP)
        #expect(notify.waitFor { $0 == "READY=1" } != nil)
        try drop(sampleOrder("RX-R3"), as: "RX-R3.json", into: spool.path)
        #expect(waitUntil { verdict(spool, "RX-R3.json") != nil })
        #expect(verdict(spool, "RX-R3.json")?.policy.digest != goodDigest)

        service.signal(SIGTERM)
        let result = service.wait()
        #expect(result.status == 0)
        #expect(result.stderr.contains("policy reload failed; keeping 2026.11.0"))
        #expect(result.stderr.contains("rules.yaml: rules.lvef-baseline-missing.baseline_days: must be a whole number"))
    }

    @Test func aSpoolFolderReplacedWhileRunningIsOpenedAgain() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let service = try start(spool)
        defer {
            service.signal(SIGKILL)
            _ = service.wait()
        }
        try drop(sampleOrder("RX-F1"), as: "RX-F1.json", into: spool.path)
        #expect(waitUntil { verdict(spool, "RX-F1.json") != nil })
        // An admin moves the verdicts folder away and makes a new one.
        #expect(rename(spool.file("verdicts"), spool.file("verdicts-old")) == 0)
        #expect(mkdir(spool.file("verdicts"), 0o770) == 0)
        try drop(sampleOrder("RX-F2"), as: "RX-F2.json", into: spool.path)
        #expect(waitUntil { verdict(spool, "RX-F2.json") != nil })
        #expect(entries(spool.file("archive")) == ["RX-F1.json", "RX-F2.json"])
    }

    @Test func aBrokenPolicyAtStartExits78() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let result = try start(spool, policies: spool.file("no-such-folder")).wait()
        #expect(result.status == 78)
    }

    /// Root reads every file, so as root the service runs as `nobody` (setpriv) over a spool `nobody` owns, and
    /// the order it must not read stays root's, mode 0600; as another user, mode 0000 is enough. The binary and
    /// the policies are copied to a folder anyone can read, wherever the checkout lives (for example under /root).
    @Test func anUnreadableOrderIsQuarantinedWithTheReasonAndTheOthersAreJudged() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        try drop(sampleOrder("RX-READABLE"), as: "readable.json", into: spool.path)
        try drop(sampleOrder("RX-UNREADABLE"), as: "unreadable.json", into: spool.path)
        let tools = try TemporaryDirectory(prefix: "regimen-guard-tools")
        defer { tools.remove() }
        #expect(chmod(tools.path, 0o755) == 0)
        try FileManager.default.copyItem(atPath: ProcessRunner.regimenGuard, toPath: tools.file("regimen-guard"))
        try FileManager.default.copyItem(atPath: policiesPath, toPath: tools.file("policies"))
        var launcher: [String] = []
        if getuid() == 0 {
            let nobody: uid_t = 65534
            for path in [spool.path, spool.file("incoming"), spool.file("incoming/readable.json")] {
                #expect(chown(path, nobody, gid_t(nobody)) == 0)
            }
            #expect(chmod(spool.file("incoming/unreadable.json"), 0o600) == 0)
            launcher = [
                "/usr/bin/setpriv", "--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", "--inh-caps=-all",
            ]
        } else {
            #expect(chmod(spool.file("incoming/unreadable.json"), 0) == 0)
        }
        let result = try ServiceProcess(
            arguments: [
                "watch", "--spool", spool.path, "--policies", tools.file("policies"), "--exit-when-idle",
                "--settle-time", "0", "--log-target", "stderr",
            ],
            launcher: launcher,
            executable: tools.file("regimen-guard")
        ).wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(entries(spool.file("quarantine")) == ["unreadable.json"])
        #expect(entries(spool.file("archive")) == ["readable.json"])
        #expect(entries(spool.file("incoming")).isEmpty)
        let refused = verdict(spool, "unreadable.json")
        #expect(refused?.decision == .invalid)
        #expect(
            refused?.errors.first?.message.contains("cannot be opened: Permission denied") == true,
            "\(String(describing: refused?.errors))"
        )
        #expect(verdict(spool, "readable.json")?.decision == .reject)
    }

    @Test func exitWhenIdleDrainsTheBacklogAndExitsZero() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        for name in entries(examplesPath) {
            try FileManager.default.copyItem(atPath: examplesPath + "/" + name, toPath: spool.file("incoming/" + name))
        }
        let result = try ServiceProcess(arguments: [
            "watch", "--spool", spool.path, "--policies", policiesPath, "--exit-when-idle", "--settle-time", "0",
            "--log-target", "stderr",
        ]).wait()
        #expect(result.status == 0)
        #expect(entries(spool.file("archive")) == entries(examplesPath))
        #expect(entries(spool.file("incoming")).isEmpty)
        for name in entries(examplesPath) { #expect(verdict(spool, name) != nil, "\(name)") }
    }
}
