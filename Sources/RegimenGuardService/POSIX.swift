import CLinux
import Glibc
import RegimenGuardSystemd

/// A failed system call: which call, on what, and errno.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var call: String
    public var subject: String
    public var code: Int32

    public var description: String { "\(call)(\(subject)): \(String(cString: strerror(code)))" }
}

/// Thin wrappers of the calls the spool needs: every one goes through ``call(_:_:_:)`` (retried on EINTR, checked).
enum POSIX {
    /// Runs a system call, retrying on EINTR; throws its errno when it fails.
    @discardableResult
    static func call<Result: SignedInteger>(
        _ name: String,
        _ subject: @autoclosure () -> String,
        _ body: () -> Result
    ) throws(SystemError) -> Result {
        let result = SystemCall.retrying(body)
        if result < 0 { throw SystemError(call: name, subject: subject(), code: errno) }
        return result
    }

    static func openDirectory(_ path: String) throws(SystemError) -> Int32 {
        try call("open", path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) }
    }

    static func openDirectory(_ directory: Int32, _ name: FileName) throws(SystemError) -> Int32 {
        try call("open", name.description) {
            name.withCString { openat(directory, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) }
        }
    }

    /// Makes a folder; an existing one is fine.
    static func makeDirectory(_ directory: Int32, _ name: FileName) throws(SystemError) {
        let result = SystemCall.retrying { name.withCString { mkdirat(directory, $0, 0o770) } }
        if result != 0 && errno != EEXIST { throw SystemError(call: "mkdir", subject: name.description, code: errno) }
    }

    static func removeDirectory(_ directory: Int32, _ name: FileName) {
        _ = name.withCString { unlinkat(directory, $0, AT_REMOVEDIR) }
    }

    static func lstat(_ directory: Int32, _ name: FileName) -> stat? {
        var info = stat()
        let result = name.withCString { fstatat(directory, $0, &info, AT_SYMLINK_NOFOLLOW) }
        return result == 0 ? info : nil
    }

    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

    /// Lists a directory's entries (without `.` and `..`).
    static func list(_ directory: Int32) throws(SystemError) -> [FileName] {
        let copy = try call("dup", "directory") { dup(directory) }
        guard let stream = fdopendir(copy) else {
            close(copy)
            throw SystemError(call: "fdopendir", subject: "directory", code: errno)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [FileName] = []
        while let entry = readdir(stream) {
            // d_name is read in place up to its NUL: the kernel's record is only d_reclen bytes long, so copying
            // the whole `dirent` (256 bytes of name) would read past it (AddressSanitizer found that).
            let cName = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
            let name = Array(UnsafeRawBufferPointer(start: cName, count: strlen(cName)))
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(FileName(bytes: name))
        }
        return names
    }

    /// Renames without replacing (`RENAME_NOREPLACE`); where the file system lacks it (NFS), checks, then renames.
    /// - Throws: EEXIST when `to` exists.
    static func renameNoReplace(
        _ fromDirectory: Int32,
        _ from: FileName,
        _ toDirectory: Int32,
        _ to: FileName
    ) throws(SystemError) {
        let result = SystemCall.retrying {
            from.withCString { old in
                to.withCString { new in rg_rename_noreplace(fromDirectory, old, toDirectory, new) }
            }
        }
        if result == 0 { return }
        let code = errno
        guard code == EINVAL || code == ENOSYS else {
            throw SystemError(call: "renameat2", subject: "\(from) -> \(to)", code: code)
        }
        if lstat(toDirectory, to) != nil {
            throw SystemError(call: "renameat2", subject: "\(from) -> \(to)", code: EEXIST)
        }
        try call("rename", "\(from) -> \(to)") {
            from.withCString { old in to.withCString { new in renameat(fromDirectory, old, toDirectory, new) } }
        }
    }

    /// Renames over an existing `to` (a verdict replacing the earlier one).
    static func rename(
        _ fromDirectory: Int32,
        _ from: FileName,
        _ toDirectory: Int32,
        _ to: FileName
    ) throws(SystemError) {
        try call("rename", "\(from) -> \(to)") {
            from.withCString { old in to.withCString { new in renameat(fromDirectory, old, toDirectory, new) } }
        }
    }

    /// Renames without replacing: `to`, else `to.1`, `to.2`, … Returns the name used.
    static func renameKeepingExisting(
        _ fromDirectory: Int32,
        _ from: FileName,
        _ toDirectory: Int32,
        _ to: FileName
    ) throws(SystemError) -> FileName {
        var suffix = 0
        while true {
            let target = suffix == 0 ? to : to.appending(".\(suffix)")
            do {
                try renameNoReplace(fromDirectory, from, toDirectory, target)
                return target
            } catch  where error.code == EEXIST {
                suffix += 1
            }
        }
    }

    static func unlink(_ directory: Int32, _ name: FileName) {
        _ = name.withCString { unlinkat(directory, $0, 0) }
    }

    static func fsync(_ fd: Int32, _ what: String) throws(SystemError) {
        try call("fsync", what) { Glibc.fsync(fd) }
    }

    static func syncfs(_ fd: Int32) throws(SystemError) {
        try call("syncfs", "spool filesystem") { rg_syncfs(fd) }
    }

    /// Writes a new file (never an existing one, never through a link) with `bytes`; `sync` makes it durable.
    static func createFile(_ directory: Int32, _ name: FileName, _ bytes: [UInt8], sync: Bool) throws(SystemError) {
        let fd = try call("open", name.description) {
            name.withCString { openat(directory, $0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640) }
        }
        defer { close(fd) }
        let failed = SystemCall.writeAll(fd, bytes)
        if failed != 0 { throw SystemError(call: "write", subject: name.description, code: failed) }
        if sync { try fsync(fd, name.description) }
    }

    /// Whether a writer holds the file open: true, false, or nil when a lease cannot tell (not permitted here).
    static func writerHoldsOpen(_ directory: Int32, _ name: FileName) -> Bool? {
        let fd = SystemCall.retrying {
            name.withCString { openat(directory, $0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        }
        if fd < 0 { return nil }
        defer { close(fd) }
        return writerHoldsOpen(fd)
    }

    static func writerHoldsOpen(_ fd: Int32) -> Bool? {
        if rg_probe_read_lease(fd) == 0 { return false }
        return errno == EAGAIN ? true : nil
    }

    /// Reads at most `limit + 1` bytes from `fd`, so a caller can tell a file over the limit. `expected` (the size
    /// `fstat` reported) sizes the buffer; a file that grew meanwhile is still read up to the limit.
    static func read(_ fd: Int32, expected: Int, limit: Int) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: min(limit + 1, max(expected, 0) + 1))
        var count = 0
        while true {
            if count == bytes.count {
                guard bytes.count <= limit else { break }
                bytes += [UInt8](repeating: 0, count: min(limit + 1 - bytes.count, max(bytes.count, 4096)))
            }
            let got = try call("read", "order") {
                bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            }
            if got == 0 { break }
            count += got
        }
        bytes.removeSubrange(count...)
        return bytes
    }
}
