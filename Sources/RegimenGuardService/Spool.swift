import CLinux
import Dispatch
import Foundation
import Glibc
import RegimenGuardCore

/// The spool's file protocol, without scheduling: claim orders, read them safely, validate, make verdicts durable
/// in one flush per batch, then archive the originals.
///
/// Crash safety: an order moves only by `rename`, so at any instant it is either in `incoming/` (under its name or
/// as this instance's dot-claim) or in `archive/`/`quarantine/`; it moves there only after its verdict is durable.
/// After a crash, a restarted instance finds the dead instance's claims and judges them again; the verdict for the
/// same bytes and policy is the same apart from `validated_at`.
public final class Spool: Sendable {
    public let configuration: SpoolConfiguration
    public let instance: InstanceID
    let incoming: Int32, verdicts: Int32, archive: Int32, quarantine: Int32
    private let claimPrefix: String

    static let claimMarker = ".claim."
    static let tempMarker = ".tmp."

    /// Opens the spool, creating any missing folder.
    public init(configuration: SpoolConfiguration, instance: InstanceID = .current) throws(SystemError) {
        self.configuration = configuration
        self.instance = instance
        claimPrefix = Spool.claimMarker + instance.token + "."
        for folder in ["", configuration.incoming, configuration.verdicts, configuration.archive, configuration.quarantine] {
            let path = folder.isEmpty ? configuration.root : configuration.root + "/" + folder
            if mkdir(path, 0o770) != 0 && errno != EEXIST { throw SystemError(call: "mkdir", subject: path, code: errno) }
        }
        let root = configuration.root
        incoming = try POSIX.openDirectory(root + "/" + configuration.incoming)
        verdicts = try POSIX.openDirectory(root + "/" + configuration.verdicts)
        archive = try POSIX.openDirectory(root + "/" + configuration.archive)
        quarantine = try POSIX.openDirectory(root + "/" + configuration.quarantine)
    }

    deinit {
        for fd in [incoming, verdicts, archive, quarantine] { close(fd) }
    }

    public var incomingPath: String { configuration.root + "/" + configuration.incoming }

    /// False when a folder this spool holds open was removed or replaced (an admin recreated it): the spool must
    /// be opened again, or verdicts would go to a folder nobody can see.
    public var foldersAreCurrent: Bool {
        let folders = [configuration.incoming, configuration.verdicts, configuration.archive, configuration.quarantine]
        for (fd, folder) in zip([incoming, verdicts, archive, quarantine], folders) {
            var held = stat(), current = stat()
            guard fstat(fd, &held) == 0, held.st_nlink > 0,
                lstat(configuration.root + "/" + folder, &current) == 0,
                held.st_ino == current.st_ino, held.st_dev == current.st_dev
            else { return false }
        }
        return true
    }

    // MARK: - Finding work

    /// What a look at `incoming/` found.
    public struct Scan: Sendable {
        /// Orders ready to take.
        public var ready: [FileName] = []
        /// Regular files changed within the settle time: look again later.
        public var settling: [FileName] = []
        /// Claims of instances that are gone: take them over.
        public var orphanedClaims: [FileName] = []
    }

    /// Looks at every entry of `incoming/`.
    public func scan(now: Date = Date()) throws(SystemError) -> Scan {
        var scan = Scan()
        for name in try POSIX.list(incoming) {
            if name.hasPrefix(Spool.claimMarker) {
                if isOrphaned(claim: name, now: now) { scan.orphanedClaims.append(name) }
                continue
            }
            if name.isIgnored { continue }
            switch readiness(of: name, now: now) {
            case .ready: scan.ready.append(name)
            case .settling: scan.settling.append(name)
            case .gone: break
            }
        }
        return scan
    }

    public enum Readiness: Sendable { case ready, settling, gone }

    /// A regular file is ready once unchanged for the settle time; anything else is ready at once (to quarantine).
    public func readiness(of name: FileName, now: Date = Date()) -> Readiness {
        guard let info = POSIX.lstat(incoming, name) else { return .gone }
        guard info.st_mode & S_IFMT == S_IFREG else { return .ready }
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        let settle = Double(configuration.settleTime.components.seconds) + Double(configuration.settleTime.components.attoseconds) / 1e18
        return now.timeIntervalSince1970 - modified >= settle ? .ready : .settling
    }

    /// True for an entry of `incoming/` that exists and is not a regular file (link, FIFO, folder, device).
    public func isSpecialEntry(_ name: FileName) -> Bool {
        guard let info = POSIX.lstat(incoming, name) else { return false }
        return info.st_mode & S_IFMT != S_IFREG
    }

    /// The original name and owner of a claim entry.
    func parseClaim(_ name: FileName) -> (owner: InstanceID, original: FileName)? {
        let rest = Array(name.bytes.dropFirst(Spool.claimMarker.utf8.count))
        guard let dot = rest.firstIndex(of: UInt8(ascii: ".")),
            let owner = InstanceID(token: String(decoding: rest[..<dot], as: UTF8.self))
        else { return nil }
        return (owner, FileName(bytes: Array(rest[(dot + 1)...])))
    }

    func isOrphaned(claim name: FileName, now: Date) -> Bool {
        guard let (owner, _) = parseClaim(name), owner != instance else { return false }
        if let alive = owner.isAliveOnThisHost { return !alive }
        guard let info = POSIX.lstat(incoming, name) else { return false }
        let changed = Double(info.st_ctim.tv_sec)
        return now.timeIntervalSince1970 - changed > Double(configuration.staleClaimTimeout.components.seconds)
    }

    /// Removes temp files that dead instances left in `verdicts/`.
    public func removeStaleTemporaryFiles() {
        guard let names = try? POSIX.list(verdicts) else { return }
        for name in names where name.hasPrefix(Spool.tempMarker) {
            let rest = Array(name.bytes.dropFirst(Spool.tempMarker.utf8.count))
            guard let dot = rest.firstIndex(of: UInt8(ascii: ".")),
                let owner = InstanceID(token: String(decoding: rest[..<dot], as: UTF8.self))
            else { continue }
            if owner == instance || owner.isAliveOnThisHost == false { POSIX.unlink(verdicts, name) }
        }
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
            /// A system call failed; the order is back in `incoming/` and will be tried again.
            case failed(SystemError)
        }

        public var name: FileName
        public var verdict: Verdict?
        public var disposition: Disposition
    }

    private enum Read {
        case order([UInt8])
        case quarantine(String)
    }

    private struct Claimed {
        var original: FileName
        var claim: FileName
        var read: Read
        var verdict: Verdict?
        var failure: SystemError?
    }

    /// Claims, judges and commits `names` (entries of `incoming/`, or orphaned claims), in batches.
    public func process(_ names: [FileName], validator: Validator, now: @escaping @Sendable () -> Date = { Date() }) -> [Outcome] {
        var outcomes: [Outcome] = []
        var start = 0
        while start < names.count {
            let batch = Array(names[start..<min(names.count, start + configuration.batchSize)])
            outcomes += processBatch(batch, validator: validator, now: now)
            start += batch.count
        }
        return outcomes
    }

    private func processBatch(_ names: [FileName], validator: Validator, now: @escaping @Sendable () -> Date) -> [Outcome] {
        var outcomes: [Outcome] = []
        var claimed: [Claimed] = []
        for name in names {
            let original: FileName
            if name.hasPrefix(Spool.claimMarker) {
                guard let parsed = parseClaim(name) else { continue }
                original = parsed.original
            } else {
                original = name
            }
            let claim = FileName(claimPrefix).concatenated(with: original)
            do {
                try POSIX.rename(incoming, name, incoming, claim)
            } catch {
                if error.code == ENOENT {
                    outcomes.append(Outcome(name: original, verdict: nil, disposition: .skipped))
                } else if error.code == ENAMETOOLONG {
                    claimed.append(Claimed(original: original, claim: name, read: .quarantine("the file name is too long (over \(255 - claimPrefix.utf8.count) bytes)")))
                } else {
                    outcomes.append(Outcome(name: original, verdict: nil, disposition: .failed(error)))
                }
                continue
            }
            claimed.append(Claimed(original: original, claim: claim, read: read(claim: claim, original: original)))
        }

        // Judge: pure and thread-safe, so spread over the workers.
        let results = UnsafeResults(count: claimed.count)
        let inputs = claimed
        let work = { @Sendable (index: Int) in
            let item = inputs[index]
            let date = now()
            switch item.read {
            case .order(let bytes):
                results.set(index, validator.validate(bytes: bytes, fileName: item.original.description, at: date))
            case .quarantine(let reason):
                results.set(index, validator.invalid(fileName: item.original.description, bytes: nil, errors: [OrderError(path: "", message: reason)], at: date))
            }
        }
        if claimed.count > 1 && configuration.workers > 1 {
            DispatchQueue.concurrentPerform(iterations: claimed.count, execute: work)
        } else {
            for index in claimed.indices { work(index) }
        }
        for index in claimed.indices { claimed[index].verdict = results.get(index) }

        commit(&claimed)
        for item in claimed {
            if let failure = item.failure {
                outcomes.append(Outcome(name: item.original, verdict: nil, disposition: .failed(failure)))
                continue
            }
            do {
                if case .quarantine(let reason) = item.read {
                    let target = try POSIX.renameKeepingExisting(incoming, item.claim, quarantine, item.original)
                    outcomes.append(Outcome(name: item.original, verdict: item.verdict, disposition: .quarantined(target, reason: reason)))
                } else {
                    let target = try POSIX.renameKeepingExisting(incoming, item.claim, archive, item.original)
                    outcomes.append(Outcome(name: item.original, verdict: item.verdict, disposition: .archived(target)))
                }
            } catch {
                release(item)
                outcomes.append(Outcome(name: item.original, verdict: nil, disposition: .failed(error)))
            }
        }
        // The moves are durable once the folders they touched are flushed.
        var touched: [Int32] = []
        for outcome in outcomes {
            switch outcome.disposition {
            case .archived: if !touched.contains(archive) { touched.append(archive) }
            case .quarantined: if !touched.contains(quarantine) { touched.append(quarantine) }
            default: break
            }
        }
        if !touched.isEmpty { touched.append(incoming) }
        for fd in touched { try? POSIX.fsync(fd, "spool folder") }
        return outcomes
    }

    /// Reads a claimed entry without following links or opening anything but a regular file.
    private func read(claim: FileName, original: FileName) -> Read {
        guard let info = POSIX.lstat(incoming, claim) else { return .quarantine("the entry vanished while it was read") }
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
        if info.st_nlink > 1 { return .quarantine("a hard link to another file (\(info.st_nlink) links); only files of their own are read") }
        if Int(info.st_size) > configuration.maxSize {
            return .quarantine("the file is \(info.st_size) bytes, over the \(configuration.maxSize)-byte limit; it was not read")
        }
        let fd = claim.withCString { openat(incoming, $0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        if fd < 0 { return .quarantine("the file cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var opened = stat()
        guard fstat(fd, &opened) == 0, opened.st_mode & S_IFMT == S_IFREG, opened.st_ino == info.st_ino, opened.st_dev == info.st_dev else {
            return .quarantine("the entry changed while it was opened")
        }
        do {
            let bytes = try POSIX.read(fd, expected: Int(opened.st_size), limit: configuration.maxSize)
            if bytes.count > configuration.maxSize { return .quarantine("the file grew over the \(configuration.maxSize)-byte limit while it was read") }
            return .order(bytes)
        } catch {
            return .quarantine("the file cannot be read: \(String(cString: strerror(error.code)))")
        }
    }

    /// Makes every verdict of the batch durable: temp files, one flush, renames, one folder flush.
    private func commit(_ items: inout [Claimed]) {
        let single = items.count == 1
        var written: [Int] = []
        for index in items.indices {
            guard let verdict = items[index].verdict else { continue }
            let temp = FileName(Spool.tempMarker + instance.token + ".").concatenated(with: verdictName(for: items[index].original))
            POSIX.unlink(verdicts, temp)
            do {
                try POSIX.createFile(verdicts, temp, verdict.jsonBytes(), sync: single)
                if configuration.fhirVerdicts && verdict.sourceFormat == "fhir" {
                    try writeFHIRVerdict(verdict, for: items[index].original)
                }
                written.append(index)
            } catch {
                POSIX.unlink(verdicts, temp)
                items[index].failure = error
            }
        }
        if !single && !written.isEmpty {
            do {
                try POSIX.syncfs(verdicts)
            } catch {
                for index in written { items[index].failure = error }
                written = []
            }
        }
        for index in written {
            let temp = FileName(Spool.tempMarker + instance.token + ".").concatenated(with: verdictName(for: items[index].original))
            do {
                try POSIX.rename(verdicts, temp, verdicts, verdictName(for: items[index].original))
            } catch {
                POSIX.unlink(verdicts, temp)
                items[index].failure = error
            }
        }
        do {
            try POSIX.fsync(verdicts, configuration.verdicts)
        } catch {
            for index in written where items[index].failure == nil { items[index].failure = error }
        }
        for item in items where item.failure != nil { release(item) }
    }

    /// Gives a claim back (renames it to its original name), so the order is tried again.
    private func release(_ item: Claimed) {
        guard item.claim != item.original else { return }
        try? POSIX.rename(incoming, item.claim, incoming, item.original)
    }

    /// `<name>.verdict.fhir.json` (`watch --fhir-verdicts`), atomic like every verdict: a synced temp file renamed
    /// into place; the folder flush of the batch makes the rename durable.
    private func writeFHIRVerdict(_ verdict: Verdict, for original: FileName) throws(SystemError) {
        let name = verdictName(for: original, suffix: ".verdict.fhir.json")
        let temp = FileName(Spool.tempMarker + instance.token + ".").concatenated(with: name)
        POSIX.unlink(verdicts, temp)
        do {
            try POSIX.createFile(verdicts, temp, verdict.fhirBundleBytes(), sync: true)
            try POSIX.rename(verdicts, temp, verdicts, name)
        } catch {
            POSIX.unlink(verdicts, temp)
            throw error
        }
    }

    /// `<name>.verdict.json`; a name too long for that is cut and tagged with a hash of the whole name.
    public func verdictName(for original: FileName, suffix: String = ".verdict.json") -> FileName {
        let room = 255 - suffix.utf8.count - Spool.tempMarker.utf8.count - instance.token.utf8.count - 1
        if original.bytes.count <= room { return original.appending(suffix) }
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in original.bytes { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return FileName(bytes: Array(original.bytes.prefix(room - 17)) + Array("~\(String(hash, radix: 16))".utf8)).appending(suffix)
    }
}

extension FileName {
    func concatenated(with other: FileName) -> FileName { FileName(bytes: bytes + other.bytes) }
}

/// Results written by concurrent workers, each to its own slot.
private final class UnsafeResults: @unchecked Sendable {
    private var slots: [Verdict?]
    private let lock = NSLock()

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ verdict: Verdict) {
        lock.lock()
        slots[index] = verdict
        lock.unlock()
    }

    func get(_ index: Int) -> Verdict? {
        lock.lock()
        defer { lock.unlock() }
        return slots[index]
    }
}
