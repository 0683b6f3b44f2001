import Foundation
import Glibc
import RegimenGuardCore
import TestSupport
import Testing

/// Never lose or double an order: kill -9 at several points of a backlog, and several instances on one spool.
@Suite struct CrashRecoveryTests {
    func fill(_ spool: TemporaryDirectory, count: Int) throws -> [String] {
        var names: [String] = []
        let decisions: [Decision] = [.accept, .review, .reject, .invalid]
        for index in 0..<count {
            let name = String(format: "RX-%05d.json", index)
            try spool.write("incoming/" + name, sampleOrder(String(format: "RX-%05d", index), decision: decisions[index % 4]))
            names.append(name)
        }
        return names
    }

    /// Every order has exactly one verdict naming it and exactly one archived original; nothing is left behind.
    func expectConverged(_ spool: TemporaryDirectory, _ names: [String]) {
        #expect(entries(spool.file("archive")) == names.sorted())
        #expect(entries(spool.file("verdicts")) == names.sorted().map { $0 + ".verdict.json" })
        #expect(entries(spool.file("incoming")).isEmpty)
        for name in names {
            #expect(verdict(spool, name)?.source == name)
        }
    }

    func serve(_ spool: TemporaryDirectory, exitWhenIdle: Bool) throws -> ServiceProcess {
        try ServiceProcess(arguments: ["watch", "--spool", spool.path, "--policies", policiesPath, "--settle-time", "0", "--log-target", "stderr"] + (exitWhenIdle ? ["--exit-when-idle"] : []))
    }

    @Test func killNineAtSeveralPointsLosesAndDoublesNothing() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let names = try fill(spool, count: 1500)
        let clean = try makeSpool()
        defer { clean.remove() }
        _ = try fill(clean, count: 1500)
        #expect(try serve(clean, exitWhenIdle: true).wait().status == 0)

        // Kill the service when it has archived more and more of the backlog, restarting it each time.
        for target in [1, 100, 400, 700, 1000, 1300] {
            let service = try serve(spool, exitWhenIdle: false)
            _ = waitUntil(timeout: .seconds(60), pollEvery: .milliseconds(1)) { entries(spool.file("archive")).count >= target }
            service.signal(SIGKILL)
            #expect(service.wait().reason == .uncaughtSignal)
        }
        #expect(try serve(spool, exitWhenIdle: true).wait().status == 0)
        expectConverged(spool, names)
        // The same bytes and policy give the same verdict, apart from when it was made.
        for name in names.prefix(200) {
            var recovered = verdict(spool, name), reference = verdict(clean, name)
            recovered?.validatedAt = .distantPast
            reference?.validatedAt = .distantPast
            #expect(recovered == reference, "\(name)")
        }
    }

    @Test func twoInstancesOnOneSpoolJudgeEachOrderOnce() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        let a = try serve(spool, exitWhenIdle: false)
        let b = try serve(spool, exitWhenIdle: false)
        var names: [String] = []
        for index in 0..<600 {
            let name = String(format: "RX-%05d.json", index)
            try drop(sampleOrder(String(format: "RX-%05d", index)), as: name, into: spool.path)
            names.append(name)
        }
        #expect(waitUntil(timeout: .seconds(60)) { entries(spool.file("archive")).count >= 600 })
        a.signal(SIGTERM)
        b.signal(SIGTERM)
        #expect(a.wait().status == 0)
        #expect(b.wait().status == 0)
        expectConverged(spool, names)
    }
}
