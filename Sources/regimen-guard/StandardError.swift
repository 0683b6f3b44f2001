import Glibc
import RegimenGuardSystemd

/// Writes to file descriptor 2 (Swift 6 rejects Glibc's global `stderr` as not concurrency-safe).
enum StandardError {
    static func write(_ text: String) {
        _ = SystemCall.writeAll(2, Array(text.utf8))
    }

    static var isTerminal: Bool { isatty(2) == 1 }
}

/// Whether standard output is a terminal (colour only then).
enum StandardOutput {
    static var isTerminal: Bool { isatty(1) == 1 }
}

/// Standard output through one buffer written out every 64 KiB, so that checking thousands of files costs a write
/// per 64 KiB of verdicts, not one per verdict, and nothing is held until the end.
struct StandardOutputBuffer {
    private var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(StandardOutputBuffer.size) }

    static let size = 64 << 10

    mutating func append(_ text: String) { append(contentsOf: text.utf8) }

    mutating func append<Bytes: Sequence<UInt8>>(contentsOf more: Bytes) {
        bytes.append(contentsOf: more)
        if bytes.count >= StandardOutputBuffer.size { flush() }
    }

    mutating func flush() {
        _ = SystemCall.writeAll(1, bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}

/// The bytes of a file, read with one `read` per call into a buffer of the file's size.
enum FileBytes {
    static func read(_ path: String) -> [UInt8]? {
        let fd = SystemCall.retrying { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(Int(info.st_size) + 1)
        var chunk = [UInt8](repeating: 0, count: max(4096, Int(info.st_size) + 1))
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                SystemCall.retrying { Glibc.read(fd, buffer.baseAddress, buffer.count) }
            }
            if count < 0 { return nil }
            if count == 0 { return result }
            result.append(contentsOf: chunk[..<count])
        }
    }
}
