import Logging
import RegimenGuardCore
import RegimenGuardJournal
import RegimenGuardSystemd
import ServiceLifecycle
import UnixSignals

/// The policy set a service judges with, and its reload: one store per process, shared by every service of its
/// `ServiceGroup` (the spool, the CDS Hooks service).
///
/// As a `Service` it traps SIGHUP and reloads the policy folders on each; a broken set is logged and the last
/// good one kept. Readers take ``current`` for each order (or batch), so a reload never changes the policy in the
/// middle of an order. Under systemd it reports `RELOADING=1` (with `MONOTONIC_USEC`) and `READY=1` around each
/// reload (systemd 252, without `Type=notify-reload`, may end `systemctl reload` as soon as the signal is sent; the
/// policy-loaded or policy-reload-failed journal entry marks the end).
///
/// A service with more to reload on SIGHUP (the CDS Hooks service's trusted keys) passes it as a companion: each
/// runs after the policy set, inside the same `RELOADING=1` … `READY=1` bracket, so one signal is one reload.
public final class PolicyStore: Service, Sendable {
    /// Reloaded with the policy set, after it; given the set now in use (the new one, or the last good one).
    public typealias Companion = @Sendable (PolicySet) -> Void

    /// The folders read, in overlay order.
    public let directories: [String]
    private let state: Locked<PolicySet>
    private let companions: [Companion]
    private let listening = Locked<(ready: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    private let logger: Logger
    private let notifier: Notifier

    /// - Parameters:
    ///   - initial: the set loaded at start (a broken set at start is the caller's to report, exit 78).
    ///   - companions: what else each reload reloads, in order, after the policy set (see ``Companion``).
    public init(
        directories: [String],
        initial: PolicySet,
        logger: Logger,
        notifier: Notifier = Notifier(),
        companions: [Companion] = []
    ) {
        self.directories = directories
        self.state = Locked(initial)
        self.logger = logger
        self.notifier = notifier
        self.companions = companions
    }

    /// Loads `directories` and makes a store of them.
    /// - Throws: ``PolicyError`` when the set is broken.
    public static func load(
        _ directories: [String],
        logger: Logger,
        notifier: Notifier = Notifier()
    ) throws(PolicyError) -> PolicyStore {
        PolicyStore(
            directories: directories,
            initial: try PolicyDirectories.load(directories),
            logger: logger,
            notifier: notifier
        )
    }

    /// The last good policy set.
    public var current: PolicySet { state.withLock { $0 } }

    /// Reads the folders again (keeping the last good set when the new one is broken), then runs the companions.
    /// - Returns: the set now in use, or the error that kept the old one.
    @discardableResult
    public func reload() -> Result<PolicySet, PolicyError> {
        notifier.reloading()
        defer { notifier.ready() }
        let result = reloadPolicy()
        let inUse = current
        for companion in companions { companion(inUse) }
        return result
    }

    private func reloadPolicy() -> Result<PolicySet, PolicyError> {
        do {
            let policy = try PolicyDirectories.load(directories)
            state.withLock { $0 = policy }
            logger.notice(
                "policy reloaded: \(policy.name) \(policy.version) (\(policy.digest))",
                metadata: [
                    "message_id": .string(MessageIDs.policyLoaded), "policy_version": .string(policy.version),
                    "policy_digest": .string(policy.digest),
                ]
            )
            return .success(policy)
        } catch {
            let kept = current
            logger.error(
                "policy reload failed; keeping \(kept.version) (\(kept.digest)): \(error.description)",
                metadata: [
                    "message_id": .string(MessageIDs.policyReloadFailed), "policy_version": .string(kept.version),
                    "policy_digest": .string(kept.digest), "fault": .string(error.description),
                ]
            )
            return .failure(error)
        }
    }

    /// Returns once SIGHUP is trapped: a service reports READY=1 only after this, because SIGHUP's default action
    /// ends the process and a reload may follow READY=1 at once.
    public func waitUntilListening() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume = listening.withLock { state -> Bool in
                if state.ready { return true }
                state.waiters.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
    }

    private func markListening() {
        let waiters = listening.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.ready = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Traps SIGHUP and reloads on each, until the group shuts down.
    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await run(triggers: hangups)
    }

    /// Reloads once per element of `triggers`, until they end or the group shuts down (tests drive this).
    public func run<Triggers: AsyncSequence & Sendable>(triggers: Triggers) async throws
    where Triggers.Element: Sendable {
        markListening()
        for try await _ in triggers.cancelOnGracefulShutdown() {
            reload()
        }
    }
}
