import Foundation
import Glibc

/// A real `NOTIFY_SOCKET`: a unix datagram socket bound by the test, as systemd binds one for a Type=notify unit.
public final class NotifySocket: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    /// Every datagram received so far, in order.
    public private(set) var messages: [String] = []

    public init(directory: String) throws {
        path = directory + "/notify.sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Receives datagrams until one satisfies `predicate` or the deadline passes; returns it.
    @discardableResult
    public func waitFor(timeout: Duration = .seconds(20), _ predicate: (String) -> Bool) -> String? {
        if let seen = messages.first(where: predicate) { return seen }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while clock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { continue }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            messages.append(message)
            if predicate(message) { return message }
        }
        return nil
    }

    /// Forgets what was received, so the next wait sees only new datagrams.
    public func reset() { messages.removeAll() }
}
