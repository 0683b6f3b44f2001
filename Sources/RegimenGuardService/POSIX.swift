import CLinux
import Glibc

/// A failed system call: which call, on what, and errno.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var call: String
    public var subject: String
    public var code: Int32

    public var description: String { "\(call)(\(subject)): \(String(cString: strerror(code)))" }
}

/// Thin, EINTR-safe wrappers of the calls the spool needs; every return code is checked.
enum POSIX {
    static func check(_ result: Int32, _ call: String, _ subject: @autoclosure () -> String) throws(SystemError) {
        if result < 0 { throw SystemError(call: call, subject: subject(), code: errno) }
    }

    static func openDirectory(_ path: String) throws(SystemError) -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        try check(fd, "open", path)
        return fd
    }

    static func lstat(_ directory: Int32, _ name: FileName) -> stat? {
        var info = stat()
        let result = name.withCString { fstatat(directory, $0, &info, AT_SYMLINK_NOFOLLOW) }
        return result == 0 ? info : nil
    }

    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

    /// Lists a directory's entries (without `.` and `..`).
    static func list(_ directory: Int32) throws(SystemError) -> [FileName] {
        let copy = dup(directory)
        try check(copy, "dup", "directory")
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

    static func rename(_ fromDirectory: Int32, _ from: FileName, _ toDirectory: Int32, _ to: FileName) throws(SystemError) {
        let result = from.withCString { old in to.withCString { new in renameat(fromDirectory, old, toDirectory, new) } }
        try check(result, "rename", "\(from) -> \(to)")
    }

    /// Renames without replacing: `to`, else `to.1`, `to.2`, … Returns the name used.
    static func renameKeepingExisting(
        _ fromDirectory: Int32, _ from: FileName, _ toDirectory: Int32, _ to: FileName
    ) throws(SystemError) -> FileName {
        var suffix = 0
        while true {
            let target = suffix == 0 ? to : to.appending(".\(suffix)")
            let result = from.withCString { old in target.withCString { new in rg_rename_noreplace(fromDirectory, old, toDirectory, new) } }
            if result == 0 { return target }
            switch errno {
            case EEXIST:
                suffix += 1
            case EINVAL, ENOSYS:
                // No RENAME_NOREPLACE on this filesystem (e.g. NFS): check, then rename.
                if lstat(toDirectory, target) != nil {
                    suffix += 1
                    continue
                }
                try rename(fromDirectory, from, toDirectory, target)
                return target
            case EINTR:
                continue
            default:
                throw SystemError(call: "renameat2", subject: "\(from) -> \(target)", code: errno)
            }
        }
    }

    static func unlink(_ directory: Int32, _ name: FileName) {
        _ = name.withCString { unlinkat(directory, $0, 0) }
    }

    static func fsync(_ fd: Int32, _ what: String) throws(SystemError) {
        while Glibc.fsync(fd) != 0 {
            if errno != EINTR { throw SystemError(call: "fsync", subject: what, code: errno) }
        }
    }

    static func syncfs(_ fd: Int32) throws(SystemError) {
        try check(rg_syncfs(fd), "syncfs", "spool filesystem")
    }

    /// Writes a new file (never an existing one, never through a link) with `bytes`; `sync` makes it durable.
    static func createFile(_ directory: Int32, _ name: FileName, _ bytes: [UInt8], sync: Bool) throws(SystemError) {
        let fd = name.withCString { openat(directory, $0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640) }
        try check(fd, "open", name.description)
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemError(call: "write", subject: name.description, code: errno)
            }
            offset += written
        }
        if sync { try fsync(fd, name.description) }
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
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw SystemError(call: "read", subject: "order", code: errno)
            }
            if got == 0 { break }
            count += got
        }
        bytes.removeSubrange(count...)
        return bytes
    }
}
