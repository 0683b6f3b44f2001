import Glibc

/// Writes to file descriptor 2 (Swift 6 rejects Glibc's global `stderr` as not concurrency-safe).
enum StandardError {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
        bytes.removeAll()
    }

    static var isTerminal: Bool { isatty(2) == 1 }
}

/// Whether standard output is a terminal (colour only then).
enum StandardOutput {
    static var isTerminal: Bool { isatty(1) == 1 }
}
