import CSystemd

/// Sockets passed by systemd (`LISTEN_FDS`/`LISTEN_PID`, through `sd_listen_fds`).
enum SocketActivation {
    /// The first passed socket, or nil when the service was not socket-activated. The environment variables are
    /// unset, so child processes do not inherit them.
    static func listeningSocket() -> Int32? {
        let count = sd_listen_fds(1)
        return count >= 1 ? SD_LISTEN_FDS_START : nil
    }

    /// True when `fd` is bound to a loopback address (127.0.0.0/8, ::1) or is a unix socket.
    static func isLoopback(fd: Int32) -> Bool { rg_socket_is_loopback(fd) == 1 }
}
