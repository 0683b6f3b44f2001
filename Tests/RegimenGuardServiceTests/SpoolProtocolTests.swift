import Foundation
import Glibc
import RegimenGuardCore
import RegimenGuardService
import ServiceTestSupport
import Synchronization
import TestSupport
import Testing

/// Issue 10's spool promises in-process, on real files: claims, name budget, reserved names, poison orders.
@Suite struct SpoolProtocolTests {
    let validator = Validator(policy: try! loadPolicy())

    func open(_ dir: TemporaryDirectory, instance: InstanceID = .current) throws -> Spool {
        var configuration = SpoolConfiguration(root: dir.path)
        configuration.settleTime = .zero
        return try Spool(configuration: configuration, instance: instance)
    }

    func work(_ scan: Spool.Scan) -> [Spool.Work] {
        scan.orphanedClaims.map { .claim($0) } + scan.ready.map { .incoming($0) }
    }

    /// A token of this host whose process is gone.
    static func deadToken(_ pid: Int = 999_999) -> String {
        InstanceID.current.token.split(separator: "-").dropLast(2).joined(separator: "-") + "-\(pid)-1"
    }

    // MARK: 2. Crash plus resubmission

    @Test func anOrphanedClaimAndAResubmissionOfTheSameNameInOneBatchLoseNothing() throws {
        let dir = try makeSpool()
        defer { dir.remove() }
        // Claimed by an instance that died, twice (two dead instances), and dropped again meanwhile.
        try dir.write(".claims/\(Self.deadToken(999_991))/0/RX-2.json", sampleOrder("RX-2", decision: .reject))
        try dir.write(".claims/\(Self.deadToken(999_992))/0/RX-2.json", sampleOrder("RX-2", decision: .review))
        try drop(sampleOrder("RX-2", decision: .accept), as: "RX-2.json", into: dir.path)
        let spool = try open(dir)
        var outcomes = spool.process(work(try spool.scan()), validator: validator)
        // Whatever could not be claimed in that batch (the same claim name in hand) waits for the next one.
        var rounds = 0
        while outcomes.contains(where: { if case .waiting = $0.disposition { true } else { false } }), rounds < 5 {
            outcomes = spool.process(work(try spool.scan()), validator: validator)
            rounds += 1
        }
        #expect(entries(dir.file("archive")) == ["RX-2.json", "RX-2.json.1", "RX-2.json.2"])
        #expect(entries(dir.file("incoming")).isEmpty)
        #expect(entries(dir.file("verdicts")) == ["RX-2.json.verdict.json"])
    }

    // MARK: 3. Names near NAME_MAX

    @Test func derivedNamesFitTheBudgetWhateverTheHost() throws {
        for length in [1, 199, 200, 201, 226, 233, 255] {
            let name = FileName(String(repeating: "é", count: length / 2) + String(repeating: "a", count: length % 2))
            let stem = SpoolNames.stem(of: name)
            #expect(stem.bytes.count <= SpoolNames.stemLimit)
            #expect(stem.isValidUTF8, "a shortened name keeps whole characters")
            #expect(SpoolNames.verdictName(for: name).bytes.count <= 255)
            #expect(stem.appending(".999999").bytes.count <= 255)
            if name.bytes.count <= SpoolNames.stemLimit { #expect(stem == name) } else { #expect(stem != name) }
        }
        // Two instances with host names of different lengths derive the same names.
        let dir = try makeSpool()
        defer { dir.remove() }
        let long = try open(dir, instance: InstanceID(host: String(repeating: "h", count: 40), pid: 1, start: 1))
        let short = try open(dir, instance: InstanceID(host: "h", pid: 1, start: 1))
        let name = FileName(String(repeating: "n", count: 240) + ".json")
        #expect(long.verdictName(for: name) == short.verdictName(for: name))
    }

    @Test func aNameCraftedToCollideWithAShortenedOneIsRefusedAndTheVictimsVerdictStays() throws {
        let dir = try makeSpool()
        defer { dir.remove() }
        let spool = try open(dir)
        let victim = "RX-VICTIM-" + String(repeating: "v", count: 211) + ".json"  // 226 bytes: shortened
        let attacker = SpoolNames.stem(of: FileName(victim)).description  // exactly the victim's stem
        #expect(attacker.utf8.count <= SpoolNames.stemLimit)
        let staging = dir.file(".s")
        try sampleOrder("RX-VICTIM").write(toFile: staging, atomically: false, encoding: .utf8)
        #expect(rename(staging, dir.file("incoming/" + victim)) == 0)
        _ = spool.process(work(try spool.scan()), validator: validator)
        let victimVerdict = dir.file("verdicts/" + SpoolNames.verdictName(for: FileName(victim)).description)
        #expect(FileManager.default.fileExists(atPath: victimVerdict))
        try sampleOrder("RX-ATTACKER", decision: .accept).write(toFile: staging, atomically: false, encoding: .utf8)
        #expect(rename(staging, dir.file("incoming/" + attacker)) == 0)
        let outcomes = spool.process(work(try spool.scan()), validator: validator)
        guard case .quarantined(_, let reason) = outcomes.first?.disposition else {
            Issue.record("the look-alike name was not refused: \(String(describing: outcomes.first?.disposition))")
            return
        }
        #expect(reason.contains("shortened"))
        let kept = try Verdict.decode(Array(FileManager.default.contents(atPath: victimVerdict) ?? Data()))
        #expect(kept.orderID == "RX-VICTIM")
        let refused = try Verdict.decode(
            Array(
                FileManager.default.contents(
                    atPath: dir.file("verdicts/" + SpoolNames.verdictName(for: FileName(attacker)).description)
                ) ?? Data()
            )
        )
        #expect(refused.decision == .invalid)
    }

    // MARK: 4. The claim prefix is reserved

    @Test func aClaimLookingDotFileDroppedByAWriterIsNeverJudged() throws {
        let dir = try makeSpool()
        defer { dir.remove() }
        try dir.write("incoming/.claim.\(Self.deadToken()).RX-4.json", sampleOrder("RX-4"))
        try dir.write("incoming/.claims", "{}")
        let spool = try open(dir)
        let scan = try spool.scan()
        #expect(scan.ready.isEmpty && scan.orphanedClaims.isEmpty)
        #expect(verdict(dir, "RX-4.json") == nil)
    }

    @Test func anOrphanedClaimHeldOpenByAWriterWaits() throws {
        let dir = try makeSpool()
        defer { dir.remove() }
        try dir.write(".claims/\(Self.deadToken())/0/RX-5.json", sampleOrder("RX-5"))
        let spool = try open(dir)
        let fd = Glibc.open(dir.file(".claims/\(Self.deadToken())/0/RX-5.json"), O_WRONLY | O_APPEND)
        #expect(fd >= 0)
        let held = spool.process(work(try spool.scan()), validator: validator)
        #expect(
            held.allSatisfy { if case .waiting = $0.disposition { true } else { false } },
            "\(held.map(\.disposition))"
        )
        #expect(verdict(dir, "RX-5.json") == nil)
        close(fd)
        let scan = try spool.scan()
        let released = held.map(\.work) + work(scan)
        _ = spool.process(Array(Set(released)), validator: validator)
        #expect(verdict(dir, "RX-5.json")?.orderID == "RX-5")
    }

    // MARK: 1. Written in place

    @Test func aFileHeldOpenByAWriterIsNotReadyAndNotClaimed() throws {
        let dir = try makeSpool()
        defer { dir.remove() }
        let spool = try open(dir)
        let path = dir.file("incoming/RX-OPEN.json")
        let fd = Glibc.open(path, O_WRONLY | O_CREAT, 0o644)
        #expect(fd >= 0)
        _ = sampleOrder("RX-OPEN").withCString { write(fd, $0, strlen($0)) }
        #expect(spool.readiness(of: FileName("RX-OPEN.json")) == .held)
        let outcomes = spool.process([.incoming(FileName("RX-OPEN.json"))], validator: validator)
        #expect(outcomes.count == 1)
        if case .waiting = outcomes.first?.disposition {
        } else {
            Issue.record("claimed while open: \(String(describing: outcomes.first?.disposition))")
        }
        close(fd)
        #expect(spool.readiness(of: FileName("RX-OPEN.json")) == .ready)
    }

    // MARK: 5. Future modification time

    @Test func aFutureModificationTimeIsReportedNotLeftSettlingForever() throws {
        let dir = try makeSpool()
        defer { dir.remove() }
        try drop(sampleOrder("RX-FUTURE"), as: "RX-FUTURE.json", into: dir.path)
        var times = [
            timespec(tv_sec: time(nil) + 86_400, tv_nsec: 0), timespec(tv_sec: time(nil) + 86_400, tv_nsec: 0),
        ]
        #expect(utimensat(AT_FDCWD, dir.file("incoming/RX-FUTURE.json"), &times, 0) == 0)
        let scan = try open(dir).scan()
        #expect(scan.future.map(\.description) == ["RX-FUTURE.json"])
    }

    // MARK: 8. A poison order is quarantined after N crashes

    @Test func anOrderInHandAtMoreThanTwoCrashesIsQuarantinedWithAReason() throws {
        let dir = try makeSpool()
        defer { dir.remove() }
        // Judged on its own three times, and each time the instance died (its claim's folder says 3).
        try dir.write(".claims/\(Self.deadToken())/3/RX-POISON.json", sampleOrder("RX-POISON"))
        try dir.write(".claims/\(Self.deadToken())/2/RX-SURVIVOR.json", sampleOrder("RX-SURVIVOR"))
        let spool = try open(dir)
        let outcomes = spool.process(work(try spool.scan()), validator: validator)
        let poison = outcomes.first { $0.name.description == "RX-POISON.json" }
        guard case .quarantined(_, let reason) = poison?.disposition else {
            Issue.record("not quarantined: \(String(describing: poison?.disposition))")
            return
        }
        #expect(reason.contains("3 times"))
        #expect(verdict(dir, "RX-POISON.json")?.decision == .invalid)
        #expect(verdict(dir, "RX-POISON.json")?.errors.first?.message.contains("stopped without warning") == true)
        #expect(entries(dir.file("quarantine")) == ["RX-POISON.json"])
        // One crash fewer: judged as usual.
        #expect(verdict(dir, "RX-SURVIVOR.json")?.decision == .reject)
        #expect(entries(dir.file("archive")) == ["RX-SURVIVOR.json"])
    }

    @Test func theCrashCountIsKeptInTheSpoolWhileTheOrderIsInHand() throws {
        let dir = try makeSpool()
        defer { dir.remove() }
        try dir.write(".claims/\(Self.deadToken())/0/RX-C.json", sampleOrder("RX-C"))
        let mine = InstanceID(host: InstanceID.current.host, pid: 999_994, start: 1)
        let spool = try open(dir, instance: mine)
        let claims = try spool.scan().orphanedClaims
        #expect(claims.map(\.crashes) == [0])
        #expect(spool.isHeavy(.claim(claims[0])), "an order in hand at a crash is judged on its own")
        let seen = Mutex<[String]>([])
        let path = dir.file(".claims/\(mine.token)/1/RX-C.json")
        // While it is judged on its own, its claim says one attempt: a kill now leaves that count for the next
        // instance.
        _ = spool.process(
            claims.map { .claim($0) },
            judge: Spool.judge(with: validator),
            hooks: Spool.BatchHooks(proceed: {
                seen.withLock { $0.append(FileManager.default.fileExists(atPath: path) ? "counted" : "not counted") }
                return true
            }),
            isolated: true
        )
        #expect(seen.withLock { $0 } == ["counted"])
        #expect(verdict(dir, "RX-C.json")?.orderID == "RX-C")
        // A shutdown gives an order back without counting a crash.
        try drop(sampleOrder("RX-D"), as: "RX-D.json", into: dir.path)
        _ = spool.process(
            [.incoming(FileName("RX-D.json"))],
            judge: Spool.judge(with: validator),
            hooks: Spool.BatchHooks(proceed: { false })
        )
        #expect(entries(dir.file("incoming")) == ["RX-D.json"])
    }
}
