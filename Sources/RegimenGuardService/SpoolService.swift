import Foundation
import Logging
import RegimenGuardCore
import RegimenGuardJournal
import RegimenGuardPolicyStore
import RegimenGuardSystemd
import ServiceLifecycle
import UnixSignals

/// `regimen-guard watch`: serves one spool until shut down.
///
/// One loop owns all state and never judges: it wakes for inotify events, finished batches and a timer armed only
/// when something is due (the watchdog, the slow rescan, a file settling, a retry), so an idle service sleeps.
/// Orders are judged off the loop on two lanes: ordinary orders in batches, heavy ones (large, or in hand at a
/// crash before) one at a time, so a slow order never holds up the others, the watchdog stays fed and SIGTERM is
/// answered at once. The policy set comes from a ``PolicyStore`` (its SIGHUP reload is the store's).
public final class SpoolService: Service, Sendable {
    public struct Options: Sendable {
        /// Full rescan period (a spool on NFS raises no inotify events for other clients' writes); nil disables.
        public var rescanInterval: Duration?
        /// Drain what is there, then return (demo and tests).
        public var exitWhenIdle = false

        public init(rescanInterval: Duration? = .seconds(60), exitWhenIdle: Bool = false) {
            self.rescanInterval = rescanInterval
            self.exitWhenIdle = exitWhenIdle
        }
    }

    enum Lane: Sendable { case ordinary, heavy }

    enum Event: Sendable {
        /// Watch events are waiting in the inbox.
        case watch
        case tick
        /// A lane's batch is done.
        case done(Lane)
    }

    private let firstSpool: Spool
    let store: PolicyStore
    let options: Options
    let logger: Logger
    let notifier: Notifier
    let journal = VerdictJournal()

    public init(spool: Spool, store: PolicyStore, options: Options, logger: Logger, notifier: Notifier = Notifier()) {
        self.firstSpool = spool
        self.store = store
        self.options = options
        self.logger = logger
        self.notifier = notifier
    }

    /// Runs the service and its policy store in a service group that shuts down gracefully on SIGTERM or SIGINT.
    public func runUntilShutdown() async throws {
        // The loop returns only when shut down or, with exitWhenIdle, when drained: both are a clean end.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: store),
                    .init(service: self, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }

    // MARK: - Jobs

    /// A batch judged off the loop, with the handshake that lets a shutdown give its claims back instead of waiting.
    final class Job: Sendable {
        let lane: Lane
        let work: [Spool.Work]
        let started = ContinuousClock.now
        private struct State {
            var claims: [Spool.Claim] = []
            var abandoned = false
            var committing = false
            var outcomes: [Spool.Outcome]?
            var waiters: [CheckedContinuation<Void, Never>] = []
        }
        private let state = Locked(State())

        init(lane: Lane, work: [Spool.Work]) {
            self.lane = lane
            self.work = work
        }

        var hooks: Spool.BatchHooks {
            Spool.BatchHooks(
                claimed: { [self] claims in
                    state.withLock { state in
                        state.claims += claims
                        return !state.abandoned
                    }
                },
                proceed: { [self] in
                    state.withLock { state in
                        if state.abandoned { return false }
                        state.committing = true
                        return true
                    }
                }
            )
        }

        func finish(_ outcomes: [Spool.Outcome]) {
            let waiters = state.withLock { state in
                state.outcomes = outcomes
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }

        var outcomes: [Spool.Outcome]? { state.withLock { $0.outcomes } }

        /// Stops the job before it commits: returns its claims to give back, or nil when it is already committing
        /// (or done), so it must be waited for.
        func abandon() -> [Spool.Claim]? {
            state.withLock { state in
                if state.committing || state.outcomes != nil { return nil }
                state.abandoned = true
                return state.claims
            }
        }

        func finished() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state -> Bool in
                    if state.outcomes != nil { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        }
    }

    // MARK: - Loop

    public func run() async throws {
        var state = LoopState(spool: firstSpool)
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let inbox = EventInbox()
        var watcher = try InotifyWatcher(path: state.spool.incomingPath)
        watcher.start { events in inbox.post(events) { continuation.yield(.watch) } }
        defer {
            watcher.stop()
            state.timer?.cancel()
            continuation.finish()
        }
        let spool = state.spool
        let policy = store.current

        spool.removeStaleTemporaryFiles()
        logger.info(
            "regimen-guard started on \(spool.configuration.root) with policy \(policy.version)",
            metadata: [
                "message_id": .string(MessageIDs.serviceStarted), "policy_version": .string(policy.version),
                "policy_digest": .string(policy.digest),
            ]
        )
        rescan(&state)
        // SIGHUP must be trapped before READY=1: its default action ends the process.
        await store.waitUntilListening()
        notifier.ready()
        updateStatus(&state)
        drain(&state, continuation)
        if options.exitWhenIdle && state.isIdle { return await finish(&state) }
        arm(&state, continuation)

        for await event in events.cancelOnGracefulShutdown() {
            switch event {
            case .watch: handle(inbox.takeAll(), &state)
            case .tick:
                // The timer fired: a new one is armed below for whatever is due next.
                state.timer = nil
                state.timerDeadline = nil
                tick(&state)
            case .done(let lane): collect(lane, &state)
            }
            if !state.spool.foldersAreCurrent, let reopened = reopen(&state, inbox, continuation) {
                watcher.stop()
                watcher = reopened
            }
            drain(&state, continuation)
            if options.exitWhenIdle && state.isIdle { break }
            arm(&state, continuation)
        }
        await finish(&state)
    }

    // MARK: - State

    struct LoopState {
        var spool: Spool
        var queue: [Spool.Work] = []
        var heavyQueue: [Spool.Work] = []
        var queued: Set<Spool.Work> = []
        var settling: [FileName: ContinuousClock.Instant] = [:]
        /// Files with a modification time in the future, and when they were first seen so.
        var futureSince: [FileName: ContinuousClock.Instant] = [:]
        var nextRescan: ContinuousClock.Instant?
        var nextWatchdog: ContinuousClock.Instant?
        var retryAt: ContinuousClock.Instant?
        /// Orders whose last attempt failed: their own events (giving a claim back renames it into incoming/) are
        /// ignored until the retry, so a fault gives back-off, not a busy loop.
        var backoff: Set<FileName> = []
        /// Claims given back that could not return to incoming/: tried again at the retry.
        var pendingClaims: [Spool.Claim] = []
        /// The delay before the next retry; it grows with each failed try and resets only after a commit.
        var retryDelay: Duration = SpoolService.firstRetryDelay
        /// Entries that cannot be moved at all (refused): not tried again.
        var refused: Set<FileName> = []
        var jobs: [Lane: Job] = [:]
        var inFlight: Set<FileName> = []
        /// Names that arrived again while an order of that name was in flight: looked at once it is done.
        var recheck: Set<FileName> = []
        var timer: Task<Void, Never>?
        var timerDeadline: ContinuousClock.Instant?
        var counts: [Decision: Int] = [:]
        var lastStatus = ""

        var isIdle: Bool {
            queue.isEmpty && heavyQueue.isEmpty && settling.isEmpty && futureSince.isEmpty && retryAt == nil
                && jobs.isEmpty
        }

        mutating func enqueue(_ work: Spool.Work) {
            let name = work.name
            if case .incoming = work, inFlight.contains(name) {
                recheck.insert(name)
                return
            }
            if case .incoming = work, backoff.contains(name) || refused.contains(name) {
                // Looked at again at the retry (a rescan), not before.
                settling[name] = nil
                return
            }
            settling[name] = nil
            futureSince[name] = nil
            if queued.insert(work).inserted { queue.append(work) }
        }
    }

    static let firstRetryDelay: Duration = .milliseconds(250)
    static let maxRetryDelay: Duration = .seconds(30)
    private let clock = ContinuousClock()

    private func rescan(_ state: inout LoopState) {
        let spool = state.spool
        do {
            let scan = try spool.scan()
            for claim in scan.orphanedClaims { state.enqueue(.claim(claim)) }
            for name in scan.ready { state.enqueue(.incoming(name)) }
            let due = clock.now.advanced(by: spool.configuration.settleTime)
            for name in scan.settling where state.settling[name] == nil && !state.inFlight.contains(name) {
                state.settling[name] = due
            }
            for name in scan.future { noteFuture(name, &state) }
        } catch {
            fault("cannot scan \(spool.incomingPath): \(error)")
        }
        state.nextRescan = options.rescanInterval.map { clock.now.advanced(by: $0) }
    }

    /// A modification time in the future is treated as a change now: the file settles from when it was first
    /// seen so, and a warning says why it was taken before its own time.
    private func noteFuture(_ name: FileName, _ state: inout LoopState) {
        guard state.futureSince[name] == nil, !state.inFlight.contains(name), !state.backoff.contains(name) else {
            return
        }
        state.futureSince[name] = clock.now
        state.settling[name] = nil
        logger.warning(
            "\(LogText.quoted(name.description)) has a modification time in the future; it is treated as changed now and taken once settled",
            metadata: ["message_id": .string(MessageIDs.serviceFault), "file": .string(name.description)]
        )
    }

    private func handle(_ events: [WatchEvent], _ state: inout LoopState) {
        let spool = state.spool
        let due = clock.now.advanced(by: spool.configuration.settleTime)
        for event in events {
            switch event {
            case .arrived(let name) where !name.isIgnored:
                state.enqueue(.incoming(name))
            case .written(let name) where !name.isIgnored:
                if state.inFlight.contains(name) {
                    state.recheck.insert(name)
                } else if !state.queued.contains(.incoming(name)) && !state.backoff.contains(name) {
                    state.settling[name] = due
                }
            case .created(let name) where !name.isIgnored:
                // A link, FIFO or folder made in place raises no close event: take it now. A regular file is
                // still being written: its close (or the settle check) takes it.
                if spool.isSpecialEntry(name) { state.enqueue(.incoming(name)) }
            case .overflow:
                logger.notice(
                    "inotify queue overflowed; scanning \(spool.incomingPath)",
                    metadata: ["message_id": .string(MessageIDs.rescan)]
                )
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
            for claim in state.pendingClaims { state.enqueue(.claim(claim)) }
            state.pendingClaims = []
            rescan(&state)
        }
        for (name, since) in state.futureSince where since.advanced(by: spool.configuration.settleTime) <= now {
            state.futureSince[name] = nil
            if POSIX.lstat(spool.incoming, name) != nil { state.enqueue(.incoming(name)) }
        }
        for (name, due) in state.settling where due <= now {
            switch spool.readiness(of: name) {
            case .ready: state.enqueue(.incoming(name))
            case .settling, .held: state.settling[name] = now.advanced(by: spool.configuration.settleTime)
            case .future: noteFuture(name, &state)
            case .gone: state.settling[name] = nil
            }
        }
        feedWatchdog(&state)
    }

    /// Starts a batch on each free lane: heavy orders go to their own lane, one at a time.
    private func drain(_ state: inout LoopState, _ continuation: AsyncStream<Event>.Continuation) {
        if Task.isShuttingDownGracefully { return }
        let spool = state.spool
        if state.jobs[.ordinary] == nil && !state.queue.isEmpty {
            var batch: [Spool.Work] = []
            while batch.count < spool.configuration.batchSize, !state.queue.isEmpty {
                let work = state.queue.removeFirst()
                state.queued.remove(work)
                if spool.isHeavy(work) { state.heavyQueue.append(work) } else { batch.append(work) }
            }
            if !batch.isEmpty { start(.ordinary, batch, &state, continuation) }
        }
        if state.jobs[.heavy] == nil && !state.heavyQueue.isEmpty {
            start(.heavy, [state.heavyQueue.removeFirst()], &state, continuation)
        }
        feedWatchdog(&state)
        updateStatus(&state)
    }

    private func start(
        _ lane: Lane,
        _ work: [Spool.Work],
        _ state: inout LoopState,
        _ continuation: AsyncStream<Event>.Continuation
    ) {
        let job = Job(lane: lane, work: work)
        state.jobs[lane] = job
        for item in work { state.inFlight.insert(item.name) }
        let spool = state.spool
        let judge = Spool.judge(with: Validator(policy: store.current))
        Thread.detachNewThread {
            let outcomes = spool.process(work, judge: judge, hooks: job.hooks, isolated: lane == .heavy)
            job.finish(outcomes)
            continuation.yield(.done(lane))
        }
    }

    /// Takes a finished batch's outcomes: logs them, counts them, schedules retries.
    private func collect(_ lane: Lane, _ state: inout LoopState) {
        guard let job = state.jobs[lane], let outcomes = job.outcomes else { return }
        state.jobs[lane] = nil
        for item in job.work { state.inFlight.remove(item.name) }
        record(outcomes, &state)
        for item in job.work where state.recheck.remove(item.name) != nil {
            if POSIX.lstat(state.spool.incoming, item.name) != nil {
                state.settling[item.name] = clock.now.advanced(by: state.spool.configuration.settleTime)
            }
        }
    }

    private func record(_ outcomes: [Spool.Outcome], _ state: inout LoopState) {
        let policy = store.current
        var failures: [(FileName, SystemError)] = []
        var committed = false
        let due = clock.now.advanced(by: state.spool.configuration.settleTime)
        for outcome in outcomes {
            VerdictLog.log(outcome, policy: policy, journal: journal, logger: logger)
            switch outcome.disposition {
            case .archived, .quarantined:
                committed = true
                if let decision = outcome.verdict?.decision { state.counts[decision, default: 0] += 1 }
            case .failed(let error):
                failures.append((outcome.name, error))
                state.backoff.insert(outcome.name)
                if case .claim(let claim) = outcome.work { state.pendingClaims.append(claim) }
            case .waiting:
                switch outcome.work {
                case .incoming(let name): state.settling[name] = due
                case .claim(let claim): state.pendingClaims.append(claim)
                }
                if case .claim = outcome.work, state.retryAt == nil { state.retryAt = due }
            case .refused:
                state.refused.insert(outcome.name)
            case .skipped:
                break
            }
        }
        if committed && failures.isEmpty { state.retryDelay = SpoolService.firstRetryDelay }
        if !failures.isEmpty && state.retryAt == nil {
            // One line per back-off step, not per try or per order.
            let (name, error) = failures[0]
            let others = failures.count > 1 ? " and \(failures.count - 1) other orders" : ""
            logger.error(
                "cannot finish \(LogText.quoted(name.description))\(others): \(error); they stay in incoming/ and are tried again in \(state.retryDelay)",
                metadata: [
                    "message_id": .string(MessageIDs.serviceFault), "file": .string(name.description),
                    "fault": .string(error.description), "count": .string(String(failures.count)),
                ]
            )
            state.retryAt = clock.now.advanced(by: state.retryDelay)
            state.retryDelay = min(state.retryDelay * 2, SpoolService.maxRetryDelay)
        }
    }

    /// `WATCHDOG=1`, sent only from this loop and only while no order has been judged for longer than the judge
    /// time limit: if the loop is stuck, or one order runs away, the pings stop and systemd kills us (the order
    /// then counts a crash).
    private func feedWatchdog(_ state: inout LoopState) {
        guard let interval = notifier.watchdogInterval else { return }
        let limit = state.spool.configuration.judgeTimeLimit
        if state.jobs.values.contains(where: { $0.started.duration(to: clock.now) > limit }) {
            state.nextWatchdog = nil
            return
        }
        if let next = state.nextWatchdog, next > clock.now.advanced(by: interval / 2) { return }
        notifier.watchdog()
        state.nextWatchdog = clock.now.advanced(by: interval)
    }

    /// Opens the spool again after one of its folders was removed or replaced, and watches the new incoming/.
    private func reopen(
        _ state: inout LoopState,
        _ inbox: EventInbox,
        _ continuation: AsyncStream<Event>.Continuation
    ) -> InotifyWatcher? {
        do {
            let spool = try Spool(configuration: state.spool.configuration)
            let watcher = try InotifyWatcher(path: spool.incomingPath)
            watcher.start { events in inbox.post(events) { continuation.yield(.watch) } }
            state.spool = spool
            fault(
                "a spool folder under \(spool.configuration.root) was removed or replaced; the spool was opened again"
            )
            rescan(&state)
            return watcher
        } catch {
            fault(
                "a spool folder under \(state.spool.configuration.root) was removed or replaced and cannot be opened again: \(error)"
            )
            return nil
        }
    }

    /// Arms the timer for the earliest thing due; no timer when nothing is.
    private func arm(_ state: inout LoopState, _ continuation: AsyncStream<Event>.Continuation) {
        let settle = state.spool.configuration.settleTime
        let deadlines =
            [state.nextWatchdog, state.nextRescan, state.retryAt] + state.settling.values.map { Optional($0) }
            + state.futureSince.values.map { Optional($0.advanced(by: settle)) }
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

    /// `STATUS=`, sent only when it changed (the manager's socket queue is short; a full one blocks the sender).
    private func updateStatus(_ state: inout LoopState) {
        let total = state.counts.values.reduce(0, +)
        let backlog = state.queue.count + state.heavyQueue.count + state.settling.count + state.inFlight.count
        let text =
            "\(total) orders: \(state.counts[.accept] ?? 0) accepted, \(state.counts[.review] ?? 0) review, "
            + "\(state.counts[.reject] ?? 0) rejected, \(state.counts[.invalid] ?? 0) invalid; backlog \(backlog)"
        guard text != state.lastStatus else { return }
        state.lastStatus = text
        notifier.status(text)
    }

    /// Shutdown: ordinary batches in hand are finished (milliseconds); a heavy order still being judged is given
    /// back to incoming/ at once, to be judged again by the next start.
    private func finish(_ state: inout LoopState) async {
        notifier.stopping()
        for lane in [Lane.heavy, .ordinary] {
            guard let job = state.jobs[lane] else { continue }
            if lane == .ordinary {
                let deadline = clock.now.advanced(by: .seconds(2))
                while job.outcomes == nil && clock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
            }
            if let claims = job.abandon() {
                for claim in claims { state.spool.giveBack(claim) }
            } else {
                await job.finished()
                if let outcomes = job.outcomes { record(outcomes, &state) }
            }
            state.jobs[lane] = nil
        }
        state.spool.removeOwnClaimFolders()
        let total = state.counts.values.reduce(0, +)
        logger.info(
            "regimen-guard stopping after \(total) orders",
            metadata: ["message_id": .string(MessageIDs.serviceStopping)]
        )
    }

    private func fault(_ message: String) {
        logger.error("\(message)", metadata: ["message_id": .string(MessageIDs.serviceFault)])
    }
}
