import CSystemd
import Glibc

/// Sockets passed by systemd (`LISTEN_FDS`/`LISTEN_PID`, through `sd_listen_fds`).
enum SocketActivation {
    /// The first passed socket, or nil when the service was not socket-activated. The environment variables are
    /// unset, so child processes do not inherit them.
    static func listeningSocket() -> Int32? {
        let count = sd_listen_fds(1)
        return count >= 1 ? SD_LISTEN_FDS_START : nil
    }

    /// True when `fd` is bound to a loopback address (127.0.0.0/8, ::1) or is a unix socket.
    static func isLoopback(fd: Int32) -> Bool {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return false }
        switch Int32(storage.ss_family) {
        case AF_UNIX:
            return true
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127 }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { bytes in
                        bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
                    }
                }
            }
        default:
            return false
        }
    }
}
