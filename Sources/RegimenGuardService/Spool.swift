import CLinux
import Dispatch
import Foundation
import Glibc
import RegimenGuardCore
import RegimenGuardSystemd
import Synchronization

/// The spool's file protocol, without scheduling: claim orders, read them safely, judge them (an injected
/// closure), make their verdicts durable in one flush per batch (commit), then archive the originals.
///
/// Claims: an order is claimed by renaming it (`RENAME_NOREPLACE`) into `.claims/<instance>/<crashes>/<name>`, a
/// folder of the spool root that pharmacy systems cannot write. The name stays whole, so an order is never judged
/// under another name; two claims of one name never meet (the second waits for the next batch). `<crashes>` counts
/// the times the order was in hand when an instance died; over ``SpoolConfiguration/maxCrashes`` it is
/// quarantined with an `invalid` verdict saying so, so a poison order cannot crash-loop the service.
///
/// Crash safety: an order moves only by `rename`, so at any instant it is in `incoming/`, in `.claims/`, or in
/// `archive/`/`quarantine/`; it moves there only after its verdict is durable. After a crash, a restarted instance
/// takes over the dead instance's claims and judges them again; the verdict for the same bytes and policy is the
/// same apart from `validated_at`.
public final class Spool: Sendable {
    public let configuration: SpoolConfiguration
    public let instance: InstanceID
    let incoming: Int32, verdicts: Int32, archive: Int32, quarantine: Int32, claims: Int32
    private let ownFolders = Locked<Set<Int>>([])
    private let tempCounter = Atomic<UInt64>(0)

    /// The spool root's folder of claims (reserved: the service's own).
    public static let claimsFolder = ".claims"
    static let tempMarker = ".tmp."

    /// Opens the spool, creating any missing folder.
    public init(configuration: SpoolConfiguration, instance: InstanceID = .current) throws(SystemError) {
        self.configuration = configuration
        self.instance = instance
        rg_ignore_sigio()
        let folders = [
            "", configuration.incoming, configuration.verdicts, configuration.archive, configuration.quarantine,
            Spool.claimsFolder,
        ]
        for folder in folders {
            let path = folder.isEmpty ? configuration.root : configuration.root + "/" + folder
            if mkdir(path, 0o770) != 0 && errno != EEXIST {
                throw SystemError(call: "mkdir", subject: path, code: errno)
            }
        }
        let root = configuration.root
        incoming = try POSIX.openDirectory(root + "/" + configuration.incoming)
        verdicts = try POSIX.openDirectory(root + "/" + configuration.verdicts)
        archive = try POSIX.openDirectory(root + "/" + configuration.archive)
        quarantine = try POSIX.openDirectory(root + "/" + configuration.quarantine)
        claims = try POSIX.openDirectory(root + "/" + Spool.claimsFolder)
        var a = stat(), b = stat()
        if fstat(incoming, &a) == 0, fstat(claims, &b) == 0, a.st_dev != b.st_dev {
            throw SystemError(
                call: "open",
                subject: "\(root)/\(Spool.claimsFolder) and incoming/ must be on one file system",
                code: EXDEV
            )
        }
    }

    deinit {
        for fd in [incoming, verdicts, archive, quarantine, claims] { close(fd) }
    }

    public var incomingPath: String { configuration.root + "/" + configuration.incoming }

    /// False when a folder this spool holds open was removed or replaced (an admin recreated it): the spool must
    /// be opened again, or verdicts would go to a folder nobody can see.
    public var foldersAreCurrent: Bool {
        let folders = [
            configuration.incoming, configuration.verdicts, configuration.archive, configuration.quarantine,
            Spool.claimsFolder,
        ]
        for (fd, folder) in zip([incoming, verdicts, archive, quarantine, claims], folders) {
            var held = stat(), current = stat()
            guard fstat(fd, &held) == 0, held.st_nlink > 0,
                lstat(configuration.root + "/" + folder, &current) == 0,
                held.st_ino == current.st_ino, held.st_dev == current.st_dev
            else { return false }
        }
        return true
    }

    // MARK: - Work

    /// A claim in `.claims/`: whose, how many crashes it was in hand at, and the order's name.
    public struct Claim: Hashable, Sendable, CustomStringConvertible {
        public var owner: InstanceID
        public var crashes: Int
        public var name: FileName

        /// `<owner>/<crashes>/<name>`, relative to `.claims/`: the one place a claim's path is made.
        var path: FileName { Claim.folder(owner, crashes).appending("/").concatenated(with: name) }

        static func folder(_ owner: InstanceID, _ crashes: Int) -> FileName { FileName("\(owner.token)/\(crashes)") }

        public var description: String { "\(Spool.claimsFolder)/\(path)" }
    }

    /// One thing to process: an entry of `incoming/`, or a claim (a dead instance's, or one of ours given back).
    public enum Work: Hashable, Sendable {
        case incoming(FileName)
        case claim(Claim)

        public var name: FileName {
            switch self {
            case .incoming(let name): name
            case .claim(let claim): claim.name
            }
        }
    }

    // MARK: - Finding work

    /// What a look at the spool found.
    public struct Scan: Sendable {
        /// Orders ready to take.
        public var ready: [FileName] = []
        /// Regular files changed within the settle time, or held open by a writer: look again later.
        public var settling: [FileName] = []
        /// Regular files whose modification time is in the future: treated as changed now (log a warning).
        public var future: [FileName] = []
        /// Claims of instances that are gone: take them over.
        public var orphanedClaims: [Claim] = []
    }

    /// Looks at every entry of `incoming/` and at the claims of other instances.
    public func scan(now: Date = Date()) throws(SystemError) -> Scan {
        var scan = Scan()
        for name in try POSIX.list(incoming) where !name.isIgnored {
            switch readiness(of: name, now: now) {
            case .ready: scan.ready.append(name)
            case .settling, .held: scan.settling.append(name)
            case .future: scan.future.append(name)
            case .gone: break
            }
        }
        scan.orphanedClaims = orphanedClaims(now: now)
        return scan
    }

    public enum Readiness: Sendable, Equatable {
        case ready
        /// Changed within the settle time.
        case settling
        /// A writer holds it open (a read lease is refused).
        case held
        /// Modified in the future (a clock ahead, or a copied time stamp): it cannot settle by its own time.
        case future
        case gone
    }

    /// A regular file is ready once unchanged for the settle time and held open by no writer (when a read lease
    /// can tell); anything else is ready at once (to quarantine).
    public func readiness(of name: FileName, now: Date = Date()) -> Readiness {
        guard let info = POSIX.lstat(incoming, name) else { return .gone }
        guard info.st_mode & S_IFMT == S_IFREG else { return .ready }
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        let age = now.timeIntervalSince1970 - modified
        if age < -1 { return .future }
        if age < configuration.settleTime.seconds { return .settling }
        return POSIX.writerHoldsOpen(incoming, name) == true ? .held : .ready
    }

    /// True for an entry of `incoming/` that exists and is not a regular file (link, FIFO, folder, device).
    public func isSpecialEntry(_ name: FileName) -> Bool {
        guard let info = POSIX.lstat(incoming, name) else { return false }
        return info.st_mode & S_IFMT != S_IFREG
    }

    /// Whether `work` should be judged on its own, away from ordinary orders: large, or in hand at a crash before.
    public func isHeavy(_ work: Work) -> Bool {
        switch work {
        case .claim(let claim):
            if claim.crashes > 0 || claim.owner != instance { return true }
            return (POSIX.lstat(claims, claim.path).map { Int($0.st_size) } ?? 0) > configuration.heavySize
        case .incoming(let name):
            return (POSIX.lstat(incoming, name).map { Int($0.st_size) } ?? 0) > configuration.heavySize
        }
    }

    /// Claims of other instances that are gone (on this host: no process with that pid and start time; on another
    /// host: unchanged for the stale timeout). Removes their emptied folders.
    func orphanedClaims(now: Date) -> [Claim] {
        guard let owners = try? POSIX.list(claims) else { return [] }
        var found: [Claim] = []
        for ownerName in owners {
            guard let owner = InstanceID(token: ownerName.description), owner != instance else { continue }
            if let alive = owner.isAliveOnThisHost, alive { continue }
            guard let ownerFD = try? POSIX.openDirectory(claims, ownerName) else { continue }
            defer { close(ownerFD) }
            var empty = true
            for countName in (try? POSIX.list(ownerFD)) ?? [] {
                guard let crashes = Int(countName.description), crashes >= 0,
                    let countFD = try? POSIX.openDirectory(ownerFD, countName)
                else { continue }
                defer { close(countFD) }
                let names = (try? POSIX.list(countFD)) ?? []
                if names.isEmpty {
                    POSIX.removeDirectory(ownerFD, countName)
                    continue
                }
                empty = false
                for name in names {
                    if owner.isAliveOnThisHost == nil {
                        guard let info = POSIX.lstat(countFD, name),
                            now.timeIntervalSince1970 - Double(info.st_ctim.tv_sec)
                                > configuration.staleClaimTimeout.seconds
                        else { continue }
                    }
                    found.append(Claim(owner: owner, crashes: crashes, name: name))
                }
            }
            if empty { POSIX.removeDirectory(claims, ownerName) }
        }
        return found
    }

    /// Removes temp files that dead instances (or this one, before) left in `verdicts/`.
    public func removeStaleTemporaryFiles() {
        guard let names = try? POSIX.list(verdicts) else { return }
        for name in names where name.hasPrefix(Spool.tempMarker) {
            let rest = name.bytes.dropFirst(Spool.tempMarker.utf8.count)
            guard let dot = rest.lastIndex(of: UInt8(ascii: ".")),
                let owner = InstanceID(token: String(decoding: rest[..<dot], as: UTF8.self))
            else { continue }
            if owner == instance || owner.isAliveOnThisHost == false { POSIX.unlink(verdicts, name) }
        }
    }

    /// Removes this instance's empty claim folders (at a clean stop).
    public func removeOwnClaimFolders() {
        guard let ownerFD = try? POSIX.openDirectory(claims, FileName(instance.token)) else { return }
        for name in (try? POSIX.list(ownerFD)) ?? [] { POSIX.removeDirectory(ownerFD, name) }
        close(ownerFD)
        POSIX.removeDirectory(claims, FileName(instance.token))
        ownFolders.withLock { $0 = [] }
    }

    // MARK: - Processing

    /// What became of one entry.
    public struct Outcome: Sendable {
        public enum Disposition: Sendable, Equatable {
            /// Verdict durable, original moved to `archive/` under this name.
            case archived(FileName)
            /// Verdict durable, entry moved to `quarantine/` under this name, for this reason.
            case quarantined(FileName, reason: String)
            /// Another instance took it first, or it disappeared.
            case skipped
            /// Not taken now: a writer holds it open, it changed while it was read, or a claim of the same name is
            /// in hand. It is where it was (or back in `incoming/`) and waits.
            case waiting(String)
            /// A system call failed; the order is back in `incoming/` (or still claimed) and will be tried again.
            case failed(SystemError)
            /// It cannot be moved at all (its name is too long for this file system): the verdict is durable, the
            /// entry stays; it is not tried again.
            case refused(reason: String)
        }

        public var work: Spool.Work
        public var verdict: Verdict?
        public var disposition: Disposition

        public var name: FileName { work.name }
    }

    /// What the judge is asked: the bytes of an order, or an entry refused with a reason.
    public enum JudgeInput: Sendable {
        case order(bytes: [UInt8], fileName: String)
        case refused(fileName: String, reason: String)
    }

    public typealias Judge = @Sendable (JudgeInput) -> Verdict

    /// The judge of `validator`: validates bytes, makes an `invalid` verdict for a refusal.
    public static func judge(with validator: Validator, now: @escaping @Sendable () -> Date = { Date() }) -> Judge {
        { input in
            switch input {
            case .order(let bytes, let fileName):
                validator.validate(bytes: bytes, fileName: fileName, at: now())
            case .refused(let fileName, let reason):
                validator.invalid(
                    fileName: fileName,
                    bytes: nil,
                    errors: [OrderError(path: "", message: reason)],
                    at: now()
                )
            }
        }
    }

    /// Claims, judges and commits `work`, in batches, with `validator`.
    public func process(
        _ work: [Work],
        validator: Validator,
        now: @escaping @Sendable () -> Date = { Date() }
    ) -> [Outcome] {
        process(work, judge: Spool.judge(with: validator, now: now))
    }

    /// What a caller learns of a batch in flight, and how it stops one before its commit (a shutdown).
    public struct BatchHooks: Sendable {
        /// Called with the batch's claims once made; returning false gives them back at once.
        public var claimed: @Sendable ([Claim]) -> Bool
        /// Called after judging, before the commit; returning false gives the claims back instead.
        public var proceed: @Sendable () -> Bool

        public init(
            claimed: @escaping @Sendable ([Claim]) -> Bool = { _ in true },
            proceed: @escaping @Sendable () -> Bool = { true }
        ) {
            self.claimed = claimed
            self.proceed = proceed
        }
    }

    /// Claims, judges and commits `work`, in batches of ``SpoolConfiguration/batchSize``.
    /// - Parameter isolated: the orders are judged on their own (the heavy lane): each one's claim counts one more
    ///   attempt before it is judged, so a crash or kill meanwhile is counted against that order alone.
    public func process(
        _ work: [Work],
        judge: @escaping Judge,
        hooks: BatchHooks = BatchHooks(),
        isolated: Bool = false
    ) -> [Outcome] {
        var outcomes: [Outcome] = []
        var start = 0
        while start < work.count {
            let batch = Array(work[start..<min(work.count, start + configuration.batchSize)])
            outcomes += processBatch(batch, judge: judge, hooks: hooks, isolated: isolated)
            start += batch.count
        }
        return outcomes
    }

    /// One item from its claim to its archive.
    struct Item {
        var work: Work
        var claim: Claim
        var input: Read
        var verdict: Verdict?
        var failure: SystemError?
    }

    enum Read {
        case order([UInt8])
        case quarantine(String)
        /// Judged invalid, but the entry cannot be moved (stays where it is).
        case refuse(String)
        /// A writer still had it, or it changed while it was read: not judged, given back.
        case changed
    }

    /// The protocol, in its four steps.
    func processBatch(_ batch: [Work], judge: @escaping Judge, hooks: BatchHooks, isolated: Bool) -> [Outcome] {
        var outcomes: [Outcome] = []
        var items = claim(batch, &outcomes)
        guard hooks.claimed(items.map(\.claim)) else { return outcomes + giveBack(items) }
        if isolated { countAttempt(&items) }
        self.judge(&items, judge)
        guard hooks.proceed() else { return outcomes + giveBack(items) }
        commit(&items)
        outcomes += archiveOrRelease(items)
        return outcomes
    }

    private func giveBack(_ items: [Item]) -> [Outcome] {
        items.map { Outcome(work: release($0), verdict: nil, disposition: .waiting("given back at shutdown")) }
    }

    /// Gives a claim of this instance back to `incoming/` (a shutdown that does not wait for its judgement).
    public func giveBack(_ claim: Claim) {
        // Judged on its own, the claim may have moved on to its next attempt's folder meanwhile.
        for candidate in [claim, Claim(owner: claim.owner, crashes: claim.crashes + 1, name: claim.name)] {
            do {
                try POSIX.renameNoReplace(claims, candidate.path, incoming, claim.name)
                return
            } catch {
                continue
            }
        }
    }

    // MARK: Claim

    /// Renames each entry into this instance's claims; entries that cannot be taken now become outcomes.
    func claim(_ batch: [Work], _ outcomes: inout [Outcome]) -> [Item] {
        var items: [Item] = []
        for work in batch {
            let original = work.name
            var crashes = 0
            var poisoned = false
            let target: Claim
            switch work {
            case .incoming(let name):
                if POSIX.writerHoldsOpen(incoming, name) == true {
                    outcomes.append(Outcome(work: work, verdict: nil, disposition: .waiting("a writer holds it open")))
                    continue
                }
                target = Claim(owner: instance, crashes: 0, name: name)
            case .claim(let claim):
                crashes = claim.crashes
                poisoned = crashes > configuration.maxCrashes
                target = Claim(owner: instance, crashes: crashes, name: claim.name)
            }
            do {
                try ensureOwnFolder(crashes)
                switch work {
                case .incoming(let name): try POSIX.renameNoReplace(incoming, name, claims, target.path)
                case .claim(let claim):
                    if claim != target { try POSIX.renameNoReplace(claims, claim.path, claims, target.path) }
                }
            } catch {
                switch error.code {
                case ENOENT:
                    outcomes.append(Outcome(work: work, verdict: nil, disposition: .skipped))
                case EEXIST:
                    outcomes.append(
                        Outcome(work: work, verdict: nil, disposition: .waiting("a claim of the same name is in hand"))
                    )
                case ENAMETOOLONG:
                    items.append(
                        Item(
                            work: work,
                            claim: target,
                            input: .refuse(
                                "the file name is too long for this file system (\(original.bytes.count) bytes)"
                            )
                        )
                    )
                default:
                    outcomes.append(Outcome(work: work, verdict: nil, disposition: .failed(error)))
                }
                continue
            }
            if poisoned {
                items.append(
                    Item(
                        work: .claim(target),
                        claim: target,
                        input: .quarantine(
                            "the order was in hand when the service stopped without warning (a crash, running out of memory or a watchdog kill) \(crashes) times; it is not judged again"
                        )
                    )
                )
                continue
            }
            items.append(Item(work: .claim(target), claim: target, input: read(target, original: original)))
        }
        return items
    }

    /// Moves each claim to the next attempt's folder before it is judged on its own: if the process dies while
    /// judging it, the next instance finds one more attempt on that order, and on no other.
    private func countAttempt(_ items: inout [Item]) {
        for index in items.indices {
            guard case .order = items[index].input else { continue }
            let from = items[index].claim
            let to = Claim(owner: instance, crashes: from.crashes + 1, name: from.name)
            do {
                try ensureOwnFolder(to.crashes)
                try POSIX.renameNoReplace(claims, from.path, claims, to.path)
                items[index].claim = to
                items[index].work = .claim(to)
            } catch {
                // Not counted (the name is taken there): judged all the same.
            }
        }
    }

    private func ensureOwnFolder(_ crashes: Int) throws(SystemError) {
        if ownFolders.withLock({ $0.contains(crashes) }) { return }
        try POSIX.makeDirectory(claims, FileName(instance.token))
        try POSIX.makeDirectory(claims, Claim.folder(instance, crashes))
        _ = ownFolders.withLock { $0.insert(crashes) }
    }

    /// Reads a claimed entry without following links or opening anything but a regular file.
    private func read(_ claim: Claim, original: FileName) -> Read {
        let path = claim.path
        guard let info = POSIX.lstat(claims, path) else { return .quarantine("the entry vanished while it was read") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK: return .quarantine("a symbolic link; links are never followed")
        case S_IFDIR: return .quarantine("a directory, not an order file")
        case S_IFIFO: return .quarantine("a FIFO, not an order file; it was not opened")
        case S_IFSOCK: return .quarantine("a socket, not an order file")
        case S_IFCHR, S_IFBLK: return .quarantine("a device node, not an order file; it was not opened")
        default: return .quarantine("not a regular file")
        }
        if !original.isValidUTF8 { return .quarantine("the file name is not valid UTF-8") }
        if let refusal = SpoolNames.refusal(of: original) { return .quarantine(refusal) }
        if info.st_nlink > 1 {
            return .quarantine("a hard link to another file (\(info.st_nlink) links); only files of their own are read")
        }
        if Int(info.st_size) > configuration.maxSize {
            return .quarantine(
                "the file is \(info.st_size) bytes, over the \(configuration.maxSize)-byte limit; it was not read"
            )
        }
        let fd = SystemCall.retrying {
            path.withCString { openat(claims, $0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        }
        if fd < 0 { return .quarantine("the file cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var before = stat()
        guard fstat(fd, &before) == 0, before.st_mode & S_IFMT == S_IFREG, before.st_ino == info.st_ino,
            before.st_dev == info.st_dev
        else {
            return .quarantine("the entry changed while it was opened")
        }
        if POSIX.writerHoldsOpen(fd) == true { return .changed }
        do throws(SystemError) {
            let bytes = try POSIX.read(fd, expected: Int(before.st_size), limit: configuration.maxSize)
            if bytes.count > configuration.maxSize {
                return .quarantine("the file grew over the \(configuration.maxSize)-byte limit while it was read")
            }
            // Re-checked after reading: a file still being written is put back, not judged half-written.
            var after = stat()
            guard fstat(fd, &after) == 0, after.st_ino == before.st_ino, after.st_size == before.st_size,
                after.st_mtim.tv_sec == before.st_mtim.tv_sec, after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
                bytes.count == Int(after.st_size)
            else { return .changed }
            return .order(bytes)
        } catch {
            return .quarantine("the file cannot be read: \(String(cString: strerror(error.code)))")
        }
    }

    // MARK: Judge

    /// Judges every item that has something to judge: spread over the workers (the judge is pure and thread-safe).
    func judge(_ items: inout [Item], _ judge: @escaping Judge) {
        let inputs: [JudgeInput?] = items.map { item in
            let fileName = item.work.name.description
            switch item.input {
            case .changed: return nil
            case .order(let bytes): return .order(bytes: bytes, fileName: fileName)
            case .quarantine(let reason), .refuse(let reason): return .refused(fileName: fileName, reason: reason)
            }
        }
        let results = Locked<[Verdict?]>(Array(repeating: nil, count: inputs.count))
        let work = { @Sendable (index: Int) in
            guard let input = inputs[index] else { return }
            let verdict = judge(input)
            results.withLock { $0[index] = verdict }
        }
        if inputs.count > 1 && configuration.workers > 1 {
            DispatchQueue.concurrentPerform(iterations: inputs.count, execute: work)
        } else {
            for index in inputs.indices { work(index) }
        }
        let verdicts = results.withLock { $0 }
        for index in items.indices { items[index].verdict = verdicts[index] }
    }

    // MARK: Commit

    /// Makes every verdict of the batch durable: temp files, one flush, renames, one folder flush.
    func commit(_ items: inout [Item]) {
        let single = items.count == 1
        var written: [(index: Int, temp: FileName)] = []
        for index in items.indices {
            guard let verdict = items[index].verdict else { continue }
            let temp = FileName(
                Spool.tempMarker + instance.token + ".\(tempCounter.add(1, ordering: .relaxed).newValue)"
            )
            do {
                try POSIX.createFile(verdicts, temp, verdict.jsonBytes(), sync: single)
                if configuration.fhirVerdicts && verdict.sourceFormat == "fhir" {
                    try writeFHIRVerdict(verdict, for: items[index].work.name)
                }
                written.append((index, temp))
            } catch {
                POSIX.unlink(verdicts, temp)
                items[index].failure = error
            }
        }
        if !single && !written.isEmpty {
            do {
                try POSIX.syncfs(verdicts)
            } catch {
                for (index, temp) in written {
                    POSIX.unlink(verdicts, temp)
                    items[index].failure = error
                }
                written = []
            }
        }
        var renamed: [Int] = []
        for (index, temp) in written {
            do {
                try POSIX.rename(verdicts, temp, verdicts, SpoolNames.verdictName(for: items[index].work.name))
                renamed.append(index)
            } catch {
                POSIX.unlink(verdicts, temp)
                items[index].failure = error
            }
        }
        if !renamed.isEmpty {
            do {
                try POSIX.fsync(verdicts, configuration.verdicts)
            } catch {
                for index in renamed { items[index].failure = error }
            }
        }
    }

    // MARK: Archive

    /// Moves each committed original to `archive/` or `quarantine/`; gives back what was not committed.
    func archiveOrRelease(_ items: [Item]) -> [Outcome] {
        var outcomes: [Outcome] = []
        var touched: Set<Int32> = []
        for item in items {
            let original = item.work.name
            if let failure = item.failure {
                outcomes.append(Outcome(work: release(item), verdict: nil, disposition: .failed(failure)))
                continue
            }
            guard item.verdict != nil else {
                // Changed while it was read: back to incoming/, to wait for its writer.
                outcomes.append(
                    Outcome(work: release(item), verdict: nil, disposition: .waiting("it changed while it was read"))
                )
                continue
            }
            let stem = SpoolNames.stem(of: original)
            do {
                switch item.input {
                case .refuse(let reason):
                    outcomes.append(
                        Outcome(work: item.work, verdict: item.verdict, disposition: .refused(reason: reason))
                    )
                case .quarantine(let reason):
                    let target = try POSIX.renameKeepingExisting(claims, item.claim.path, quarantine, stem)
                    touched.insert(quarantine)
                    outcomes.append(
                        Outcome(
                            work: item.work,
                            verdict: item.verdict,
                            disposition: .quarantined(target, reason: reason)
                        )
                    )
                case .order, .changed:
                    let target = try POSIX.renameKeepingExisting(claims, item.claim.path, archive, stem)
                    touched.insert(archive)
                    outcomes.append(Outcome(work: item.work, verdict: item.verdict, disposition: .archived(target)))
                }
            } catch {
                outcomes.append(Outcome(work: release(item), verdict: nil, disposition: .failed(error)))
            }
        }
        // The moves are durable once the folders they touched are flushed.
        if !touched.isEmpty { touched.insert(claims) }
        for fd in touched { try? POSIX.fsync(fd, "spool folder") }
        return outcomes
    }

    /// `<stem>.verdict.fhir.json` (`watch --fhir-verdicts`), atomic like every verdict: a synced temp file renamed
    /// into place before the native verdict's rename; the folder flush of the batch makes the rename durable.
    private func writeFHIRVerdict(_ verdict: Verdict, for original: FileName) throws(SystemError) {
        let name = SpoolNames.stem(of: original).appending(SpoolNames.fhirVerdictSuffix)
        let temp = FileName(Spool.tempMarker + instance.token + ".\(tempCounter.add(1, ordering: .relaxed).newValue)")
        do {
            try POSIX.createFile(verdicts, temp, verdict.fhirBundleBytes(), sync: true)
            try POSIX.rename(verdicts, temp, verdicts, name)
        } catch {
            POSIX.unlink(verdicts, temp)
            throw error
        }
    }

    /// Gives a claim back to `incoming/` under its name, so the order is tried again; when that name was taken
    /// meanwhile, the claim stays in hand. Returns the work to try again.
    func release(_ item: Item) -> Work {
        if case .refuse = item.input { return item.work }
        do {
            try POSIX.renameNoReplace(claims, item.claim.path, incoming, item.work.name)
            return .incoming(item.work.name)
        } catch {
            return .claim(item.claim)
        }
    }

    /// `<name>.verdict.json`, within the name budget (``SpoolNames``).
    public func verdictName(for original: FileName) -> FileName { SpoolNames.verdictName(for: original) }
}

extension FileName {
    func concatenated(with other: FileName) -> FileName { FileName(bytes: bytes + other.bytes) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
