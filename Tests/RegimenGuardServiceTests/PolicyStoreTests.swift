import Foundation
import Logging
import RegimenGuardCore
import RegimenGuardJournal
import RegimenGuardPolicyStore
import RegimenGuardSystemd
import ServiceTestSupport
import TestSupport
import Testing

/// Issue 11 item 4: one policy store, one reload, keeping the last good set. Item 5: the journal wording takes a
/// verdict and a source name. Issue 10 item 10: logged error paths.
@Suite struct PolicyStoreTests {
    @Test func aReloadKeepsTheLastGoodSetAndTakesANewGoodOne() async throws {
        let policies = try copyOfPolicies(prefix: "regimen-guard-store")
        defer { policies.remove() }
        let store = try PolicyStore.load([policies.path], logger: Logger(label: "test"))
        let first = store.current.digest
        let rules = try String(contentsOfFile: policies.file("rules.yaml"), encoding: .utf8)
        try policies.write(
            "rules.yaml",
            rules.replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: soon")
        )
        // Driven through the service's own trigger loop, as SIGHUP drives it.
        let (triggers, continuation) = AsyncStream.makeStream(of: Int.self)
        let running = Task { try await store.run(triggers: triggers) }
        await store.waitUntilListening()
        #expect(throws: PolicyError.self) { try store.reload().get() }
        #expect(store.current.digest == first)
        try policies.write("rules.yaml", rules.replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: 60"))
        continuation.yield(1)
        continuation.finish()
        try await running.value
        #expect(store.current.digest != first)
    }

    /// The CDS service's keys reload in the same reload (one SIGHUP, one RELOADING=1 … READY=1): each companion
    /// runs after the policy set, in order, given the set in use, whether the new set loaded or not.
    @Test func companionsRunOnEachReloadWithTheSetInUse() throws {
        let policies = try copyOfPolicies(prefix: "regimen-guard-store-companions")
        defer { policies.remove() }
        let seen = Locked<[String]>([])
        let initial = try PolicyDirectories.load([policies.path])
        let store = PolicyStore(
            directories: [policies.path],
            initial: initial,
            logger: Logger(label: "test"),
            companions: [
                { policy in seen.withLock { $0.append("keys \(policy.digest)") } },
                { policy in seen.withLock { $0.append("status \(policy.digest)") } },
            ]
        )
        #expect(seen.withLock { $0 }.isEmpty)
        let rules = try String(contentsOfFile: policies.file("rules.yaml"), encoding: .utf8)
        try policies.write("rules.yaml", rules.replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: x"))
        #expect(throws: PolicyError.self) { try store.reload().get() }
        try policies.write("rules.yaml", rules.replacingOccurrences(of: "baseline_days: 90", with: "baseline_days: 60"))
        let reloaded = try store.reload().get()
        #expect(reloaded.digest != initial.digest)
        #expect(
            seen.withLock { $0 } == [
                "keys \(initial.digest)", "status \(initial.digest)", "keys \(reloaded.digest)",
                "status \(reloaded.digest)",
            ]
        )
    }

    @Test func loggedPathsKeepOnlyTheContractsNames() {
        #expect(
            LoggedPath.sanitize(["patient.Jane Doe", "medications[0].drug", "medications[1].Jane Doe", "patient.x"])
                == [
                    "patient.<unknown field 1>", "medications[0].drug", "medications[1].<unknown field 1>",
                    "patient.<unknown field 2>",
                ]
        )
        #expect(
            LoggedPath.sanitize(["line 3, column 7", "", "entry[2].resource.medicationCodeableConcept"])
                == ["line 3, column 7", "", "entry[2].resource.medicationCodeableConcept"]
        )
        #expect(LoggedPath.sanitize(["patient[MRN-1]", "line 3; x"]) == ["<unknown field 1>", "<unknown field 2>"])
    }
}
