import Foundation
import Glibc
import RegimenGuardCore
import RegimenGuardPolicyStore
import RegimenGuardService
import ServiceTestSupport
import TestSupport
import Testing

/// Trying hard to lose or double an order. CI runs bounded versions; `REGIMEN_GUARD_LONG=1` runs the long ones
/// (5,000 orders with 50 kill points, 20,000 orders over 4 instances).
@Suite(.serialized) struct ReliabilityTests {
    static let long = ProcessInfo.processInfo.environment["REGIMEN_GUARD_LONG"] == "1"

    func names(_ count: Int) -> [String] { (0..<count).map { String(format: "RX-%05d.json", $0) } }

    func fill(_ spool: TemporaryDirectory, _ folder: String, _ names: [String]) throws {
        let decisions: [Decision] = [.accept, .review, .reject, .invalid]
        for (index, name) in names.enumerated() {
            try spool.write(folder + "/" + name, sampleOrder(String(name.dropLast(5)), decision: decisions[index % 4]))
        }
    }

    func moveIn(_ spool: TemporaryDirectory, _ names: [String]) {
        for name in names { rename(spool.file("staging/" + name), spool.file("incoming/" + name)) }
    }

    func expectConverged(_ spool: TemporaryDirectory, _ names: [String]) {
        #expect(entries(spool.file("archive")) == names.sorted())
        #expect(entries(spool.file("verdicts")) == names.sorted().map { $0 + ".verdict.json" })
        #expect(entries(spool.file("incoming")).isEmpty)
    }

    func watch(
        _ spool: TemporaryDirectory,
        policies: String = policiesPath,
        stderrFile: String? = nil,
        _ extra: [String] = []
    ) throws -> ServiceProcess {
        try ServiceProcess(
            arguments: [
                "watch", "--spool", spool.path, "--policies", policies, "--settle-time", "0", "--log-target", "stderr",
            ] + extra,
            stderrFile: stderrFile
        )
    }

    @Test func killNineAtTwentyRandomPointsLosesAndDoublesNothing() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let all = names(Self.long ? 5_000 : 2_000)
        try fill(spool, "incoming", all)
        // Seeded and printed, so a failure can be replayed with the same points.
        var rng = SeededGenerator.reproducible(overriddenBy: "REGIMEN_GUARD_KILL_SEED")
        // The very start (before the first archive) and random points of the drain.
        let points = [1] + (1..<(Self.long ? 50 : 20)).map { _ in Int.random(in: 2..<all.count, using: &rng) }.sorted()
        for point in points {
            let service = try watch(spool)
            // Wait (bounded) until the service got that far, then kill it without warning.
            _ = waitUntil(timeout: .seconds(60), pollEvery: .milliseconds(1)) {
                entries(spool.file("archive")).count >= point
            }
            service.signal(SIGKILL)
            let killed = service.wait()
            #expect(
                killed.reason == .uncaughtSignal,
                "the service ended by itself (kill points \(points)): \(killed.stderr.suffix(2_000))"
            )
        }
        let last = try watch(spool, ["--exit-when-idle"]).wait()
        #expect(last.status == 0, "\(last.stderr.suffix(2_000))")
        expectConverged(spool, all)
        // Every verdict is the one a clean run gives for the same bytes, apart from its timestamp.
        let clean = try makeSpool()
        defer { clean.remove() }
        try fill(clean, "incoming", all)
        let reference = try watch(clean, ["--exit-when-idle"]).wait()
        #expect(reference.status == 0, "\(reference.stderr.suffix(2_000))")
        expectConverged(clean, all)
        for name in all {
            let crashed = verdictWithoutTimestamp(spool, name), expected = verdictWithoutTimestamp(clean, name)
            #expect(crashed != nil && crashed == expected, "\(name) differs from a clean run's verdict")
        }
    }

    /// The verdict file's bytes with its `validated_at` line removed.
    func verdictWithoutTimestamp(_ spool: TemporaryDirectory, _ name: String) -> String? {
        guard let text = try? String(contentsOfFile: spool.file("verdicts/\(name).verdict.json"), encoding: .utf8)
        else { return nil }
        return text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("\"validated_at\"") }
            .joined(separator: "\n")
    }

    @Test func fourInstancesOnOneSpoolJudgeEachOrderOnce() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let all = names(Self.long ? 20_000 : 4_000)
        try fill(spool, "staging", all)
        let services = try (0..<4).map { _ in try watch(spool) }
        moveIn(spool, all)
        #expect(waitUntil(timeout: .seconds(300)) { entries(spool.file("archive")).count >= all.count })
        for service in services { service.signal(SIGTERM) }
        for service in services {
            let result = service.wait()
            #expect(result.status == 0, "\(result.stderr.suffix(2_000))")
        }
        expectConverged(spool, all)
    }

    @Test func aReloadStormUnderLoadNeverJudgesWithABrokenPolicy() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let policies = try copyOfPolicies(prefix: "regimen-guard-storm")
        defer { policies.remove() }
        let rules = try String(contentsOfFile: policies.file("rules.yaml"), encoding: .utf8)
        let variants = [
            rules, rules.replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: 89"),
            rules.replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: broken"),
        ]
        var goodDigests: Set<String> = []
        for variant in variants.prefix(2) {
            try policies.write("rules.yaml", variant)
            goodDigests.insert(try PolicyDirectories.load([policies.path]).digest)
        }
        try policies.write("rules.yaml", rules)
        let all = names(1_000)
        try fill(spool, "staging", all)
        let notify = try NotifySocket(directory: spool.path)
        let service = try ServiceProcess(
            arguments: [
                "watch", "--spool", spool.path, "--policies", policies.path, "--settle-time", "0", "--log-target",
                "stderr",
            ],
            environment: ["NOTIFY_SOCKET": notify.path]
        )
        #expect(notify.waitFor { $0.contains("READY=1") } != nil)
        let dropper = Thread { self.moveIn(spool, all) }
        dropper.start()
        for round in 0..<100 {
            // Swap the rules atomically, alternating broken and good sets, and reload each time.
            let staged = policies.file(".rules.yaml.tmp")
            try variants[round % 2 == 0 ? 2 : (round / 2) % 2].write(toFile: staged, atomically: false, encoding: .utf8)
            rename(staged, policies.file("rules.yaml"))
            notify.reset()
            service.signal(SIGHUP)
            guard notify.waitFor({ $0 == "READY=1" }) != nil else {
                Issue.record(
                    "no READY=1 after reload \(round); the service is \(service.process.isRunning ? "running" : "gone")"
                )
                return
            }
        }
        #expect(waitUntil(timeout: .seconds(120)) { entries(spool.file("archive")).count >= all.count })
        service.signal(SIGTERM)
        #expect(service.wait().status == 0)
        expectConverged(spool, all)
        for name in all {
            let digest = verdict(spool, name)?.policy.digest
            #expect(digest.map(goodDigests.contains) == true, "\(name) judged with \(digest ?? "nothing")")
        }
    }

    @Test(.enabled(if: getuid() == 0, "needs root to mount a 2 MiB tmpfs for the spool"))
    func aFullDiskLosesNothingAndTheServiceConvergesWhenSpaceReturns() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        // A 2 MiB file system of its own for the spool.
        let mounted = try ProcessRunner.run(
            "/bin/mount",
            ["-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", spool.path]
        )
        #expect(mounted.status == 0, "\(mounted.stderr)")
        defer { _ = try? ProcessRunner.run("/bin/umount", ["-l", spool.path]) }
        let all = names(40)
        try fill(spool, "staging", all)
        try FileManager.default.createDirectory(atPath: spool.file("incoming"), withIntermediateDirectories: true)
        let log = spool.path + ".log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let service = try watch(spool, stderrFile: log)
        // Fill the file system to the last byte.
        let filler = spool.file("filler")
        let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
        var chunk = [UInt8](repeating: 0x41, count: 4096)
        while write(fd, &chunk, chunk.count) > 0 {}
        close(fd)
        moveIn(spool, all)
        #expect(
            waitUntil(timeout: .seconds(30)) {
                ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("No space left on device")
            }
        )
        // While the disk stays full (2 s of the scenario), the service backs off instead of spinning: with
        // back-off from 0.25 s, each order is tried a handful of times, not thousands.
        func faults() -> Int {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").filter {
                $0.contains("cannot finish")
            }.count
        }
        #expect(
            !waitUntil(timeout: .seconds(2), pollEvery: .milliseconds(50)) { faults() > all.count * 10 },
            "\(faults()) fault lines"
        )
        #expect(faults() > 0)
        // Nothing lost while the disk is full: every order is in incoming/, claimed in .claims/, or done.
        let claimed = (FileManager.default.enumerator(atPath: spool.file(".claims"))?.allObjects as? [String] ?? [])
            .filter { $0.split(separator: "/").count == 3 }.count
        let pending = entries(spool.file("incoming")).count + claimed + entries(spool.file("archive")).count
        #expect(pending == all.count)
        unlink(filler)
        #expect(waitUntil(timeout: .seconds(90)) { entries(spool.file("archive")).count == all.count })
        service.signal(SIGTERM)
        #expect(service.wait().status == 0)
        expectConverged(spool, all)
    }
}
