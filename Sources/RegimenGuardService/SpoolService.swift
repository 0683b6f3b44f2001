import Foundation
import Logging
import RegimenGuardCore
import RegimenGuardSystemd
import ServiceLifecycle
import UnixSignals

/// `regimen-guard watch`: serves one spool until shut down.
///
/// One loop owns all state. It wakes for inotify events, SIGHUP, and a timer armed only when something is due
/// (the watchdog, the slow rescan, a file settling, a retry), so an idle service sleeps.
public final class SpoolService: Service, Sendable {
    public struct Options: Sendable {
        public var policyDirectories: [String]
        /// Full rescan period (a spool on NFS raises no inotify events for other clients' writes); nil disables.
        public var rescanInterval: Duration?
        /// Drain what is there, then return (demo and tests).
        public var exitWhenIdle = false

        public init(policyDirectories: [String], rescanInterval: Duration? = .seconds(60), exitWhenIdle: Bool = false) {
            self.policyDirectories = policyDirectories
            self.rescanInterval = rescanInterval
            self.exitWhenIdle = exitWhenIdle
        }
    }

    enum Event: Sendable {
        /// Watch events are waiting in the inbox.
        case watch
        case tick
        case reload
    }

    private let firstSpool: Spool
    let options: Options
    let logger: Logger
    let notifier: Notifier
    private let initialPolicy: PolicySet

    /// - Parameters:
    ///   - policy: the policy set loaded at start (a broken one stops the start with exit 78, before this).
    public init(spool: Spool, policy: PolicySet, options: Options, logger: Logger, notifier: Notifier = Notifier()) {
        self.firstSpool = spool
        self.initialPolicy = policy
        self.options = options
        self.logger = logger
        self.notifier = notifier
    }

    /// Runs the service in a service group that shuts it down gracefully on SIGTERM or SIGINT.
    public func runUntilShutdown() async throws {
        // The loop returns only when shut down or, with exitWhenIdle, when drained: both are a clean end.
        let service = ServiceGroupConfiguration.ServiceConfiguration(
            service: self, successTerminationBehavior: .gracefullyShutdownGroup)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    public func run() async throws {
        var state = LoopState(spool: firstSpool, validator: Validator(policy: initialPolicy))
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let inbox = EventInbox()
        var watcher = try InotifyWatcher(path: state.spool.incomingPath)
        watcher.start { events in inbox.post(events) { continuation.yield(.watch) } }
        // Trap SIGHUP before READY=1: its default action ends the process, so a reload sent right after
        // the service reported ready must find the trap in place (the sequence's init installs it).
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let signals = Task {
            for await _ in hangups { continuation.yield(.reload) }
        }
        defer {
            watcher.stop()
            signals.cancel()
            state.timer?.cancel()
            continuation.finish()
        }
        let spool = state.spool

        spool.removeStaleTemporaryFiles()
        logger.info(
            "regimen-guard started on \(spool.configuration.root) with policy \(initialPolicy.version)",
            metadata: ["message_id": .string(MessageIDs.serviceStarted), "policy_version": .string(initialPolicy.version),
                       "policy_digest": .string(initialPolicy.digest)])
        rescan(&state)
        notifier.ready()
        updateStatus(state)
        drain(&state)
        if options.exitWhenIdle && state.isIdle { return finish(state) }
        arm(&state, continuation)

        for await event in events.cancelOnGracefulShutdown() {
            switch event {
            case .watch: handle(inbox.takeAll(), &state)
            case .tick: tick(&state)
            case .reload: reload(&state)
            }
            if !state.spool.foldersAreCurrent, let reopened = reopen(&state, inbox, continuation) {
                watcher.stop()
                watcher = reopened
            }
            drain(&state)
            if options.exitWhenIdle && state.isIdle { break }
            arm(&state, continuation)
        }
        finish(state)
    }

    // MARK: - State

    struct LoopState {
        var spool: Spool
        var validator: Validator
        var queue: [FileName] = []
        var queued: Set<FileName> = []
        var settling: [FileName: ContinuousClock.Instant] = [:]
        var nextRescan: ContinuousClock.Instant?
        var nextWatchdog: ContinuousClock.Instant?
        var retryAt: ContinuousClock.Instant?
        /// Orders whose last attempt failed: their own events (the claim's release renames them back into
        /// incoming/) are ignored until the retry, so a full disk gives back-off, not a busy loop.
        var backoff: Set<FileName> = []
        var retryDelay: Duration = .milliseconds(250)
        var timer: Task<Void, Never>?
        var timerDeadline: ContinuousClock.Instant?
        var counts: [Decision: Int] = [:]

        var isIdle: Bool { queue.isEmpty && settling.isEmpty && retryAt == nil }

        mutating func enqueue(_ name: FileName) {
            guard !backoff.contains(name) else { return }
            settling[name] = nil
            if queued.insert(name).inserted { queue.append(name) }
        }
    }

    private let clock = ContinuousClock()

    private func rescan(_ state: inout LoopState) {
        let spool = state.spool
        do {
            let scan = try spool.scan()
            for name in scan.orphanedClaims + scan.ready { state.enqueue(name) }
            let due = clock.now.advanced(by: spool.configuration.settleTime)
            for name in scan.settling where state.settling[name] == nil { state.settling[name] = due }
        } catch {
            fault("cannot scan \(spool.incomingPath): \(error)")
        }
        state.nextRescan = options.rescanInterval.map { clock.now.advanced(by: $0) }
    }

    private func handle(_ events: [WatchEvent], _ state: inout LoopState) {
        let spool = state.spool
        let due = clock.now.advanced(by: spool.configuration.settleTime)
        for event in events {
            switch event {
            case .arrived(let name) where !name.isIgnored:
                state.enqueue(name)
            case .written(let name) where !name.isIgnored:
                if !state.queued.contains(name) && !state.backoff.contains(name) { state.settling[name] = due }
            case .created(let name) where !name.isIgnored:
                // A link, FIFO or folder made in place raises no close event: take it now. A regular file is
                // still being written: its close (or the settle check) takes it.
                if spool.isSpecialEntry(name) { state.enqueue(name) }
            case .overflow:
                logger.notice(
                    "inotify queue overflowed; scanning \(spool.incomingPath)",
                    metadata: ["message_id": .string(MessageIDs.rescan)])
                rescan(&state)
            default:
                break
            }
        }
    }

    private func tick(_ state: inout LoopState) {
        let spool = state.spool
        let now = clock.now
        if let next = state.nextRescan, next <= now { rescan(&state) }
        if let retry = state.retryAt, retry <= now {
            state.retryAt = nil
            state.backoff.removeAll()
            rescan(&state)
        }
        for (name, due) in state.settling where due <= now {
            switch spool.readiness(of: name) {
            case .ready: state.enqueue(name)
            case .settling: state.settling[name] = now.advanced(by: spool.configuration.settleTime)
            case .gone: state.settling[name] = nil
            }
        }
    }

    /// Processes the queue in batches; pings the watchdog between batches, so a stuck batch stops the pings.
    private func drain(_ state: inout LoopState) {
        let spool = state.spool
        var failed = false
        while !state.queue.isEmpty {
            if Task.isShuttingDownGracefully { break }
            let batch = Array(state.queue.prefix(spool.configuration.batchSize))
            state.queue.removeFirst(batch.count)
            for name in batch { state.queued.remove(name) }
            let outcomes = spool.process(batch, validator: state.validator)
            for outcome in outcomes {
                VerdictLog.log(outcome, policy: state.validator.policy, logger: logger)
                switch outcome.disposition {
                case .archived, .quarantined:
                    if let decision = outcome.verdict?.decision { state.counts[decision, default: 0] += 1 }
                case .failed:
                    failed = true
                    state.backoff.insert(outcome.name)
                case .skipped:
                    break
                }
            }
            feedWatchdog(&state)
            updateStatus(state)
        }
        if failed {
            state.retryAt = clock.now.advanced(by: state.retryDelay)
            state.retryDelay = min(state.retryDelay * 2, .seconds(30))
        } else if state.queue.isEmpty {
            state.retryDelay = .milliseconds(250)
        }
        feedWatchdog(&state)
    }

    /// `WATCHDOG=1`, sent only from this loop: if the loop is stuck, the pings stop and systemd restarts us.
    private func feedWatchdog(_ state: inout LoopState) {
        guard let interval = notifier.watchdogInterval else { return }
        notifier.watchdog()
        state.nextWatchdog = clock.now.advanced(by: interval)
    }

    /// Opens the spool again after one of its folders was removed or replaced, and watches the new incoming/.
    private func reopen(
        _ state: inout LoopState, _ inbox: EventInbox, _ continuation: AsyncStream<Event>.Continuation
    ) -> InotifyWatcher? {
        do {
            let spool = try Spool(configuration: state.spool.configuration)
            let watcher = try InotifyWatcher(path: spool.incomingPath)
            watcher.start { events in inbox.post(events) { continuation.yield(.watch) } }
            state.spool = spool
            fault("a spool folder under \(spool.configuration.root) was removed or replaced; the spool was opened again")
            rescan(&state)
            drain(&state)
            return watcher
        } catch {
            fault("a spool folder under \(state.spool.configuration.root) was removed or replaced and cannot be opened again: \(error)")
            return nil
        }
    }

    private func reload(_ state: inout LoopState) {
        notifier.reloading()
        do {
            let policy = try PolicyDirectories.load(options.policyDirectories)
            state.validator = Validator(policy: policy)
            logger.notice(
                "policy reloaded: \(policy.name) \(policy.version) (\(policy.digest))",
                metadata: ["message_id": .string(MessageIDs.policyLoaded), "policy_version": .string(policy.version),
                           "policy_digest": .string(policy.digest)])
        } catch {
            let kept = state.validator.policy
            logger.error(
                "policy reload failed; keeping \(kept.version) (\(kept.digest)): \(error.description)",
                metadata: ["message_id": .string(MessageIDs.policyReloadFailed), "policy_version": .string(kept.version),
                           "policy_digest": .string(kept.digest), "fault": .string(error.description)])
        }
        notifier.ready()
        updateStatus(state)
    }

    /// Arms the timer for the earliest thing due; no timer when nothing is.
    private func arm(_ state: inout LoopState, _ continuation: AsyncStream<Event>.Continuation) {
        let deadlines = [state.nextWatchdog, state.nextRescan, state.retryAt] + state.settling.values.map { Optional($0) }
        guard let deadline = deadlines.compactMap({ $0 }).min() else {
            state.timer?.cancel()
            state.timer = nil
            state.timerDeadline = nil
            return
        }
        if state.timerDeadline == deadline, state.timer != nil { return }
        state.timer?.cancel()
        state.timerDeadline = deadline
        state.timer = Task {
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
                continuation.yield(.tick)
            } catch {}
        }
    }

    private func updateStatus(_ state: LoopState) {
        let total = state.counts.values.reduce(0, +)
        notifier.status(
            "\(total) orders: \(state.counts[.accept] ?? 0) accepted, \(state.counts[.review] ?? 0) review, "
                + "\(state.counts[.reject] ?? 0) rejected, \(state.counts[.invalid] ?? 0) invalid; backlog \(state.queue.count + state.settling.count)")
    }

    private func finish(_ state: LoopState) {
        notifier.stopping()
        let total = state.counts.values.reduce(0, +)
        logger.info(
            "regimen-guard stopping after \(total) orders",
            metadata: ["message_id": .string(MessageIDs.serviceStopping)])
    }

    private func fault(_ message: String) {
        logger.error("\(message)", metadata: ["message_id": .string(MessageIDs.serviceFault)])
    }
}
