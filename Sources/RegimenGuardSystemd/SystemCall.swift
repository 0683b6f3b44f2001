import Glibc

/// The one place system calls are retried on `EINTR` and partial writes are finished.
public enum SystemCall {
    /// Calls `body` again while it fails (returns a negative value) with `EINTR`; returns its last result, with
    /// `errno` set by the call when negative.
    @inline(__always)
    public static func retrying<Result: SignedInteger>(_ body: () -> Result) -> Result {
        while true {
            let result = body()
            if result < 0 && errno == EINTR { continue }
            return result
        }
    }

    /// Writes every byte of `bytes` to `fd`, retrying on `EINTR` and after partial writes.
    /// - Returns: 0, or the `errno` of the failed write.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let base = bytes.baseAddress else { return 0 }
        var offset = 0
        while offset < bytes.count {
            let written = retrying { write(fd, base + offset, bytes.count - offset) }
            if written < 0 { return errno }
            if written == 0 { return EIO }
            offset += written
        }
        return 0
    }

    /// ``writeAll(_:_:)`` for an array.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }
}
