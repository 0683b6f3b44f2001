import CSystemd
import Glibc

/// The service side of the systemd notify protocol (`sd_notify`): readiness, status, watchdog, reload, stop.
///
/// Without `NOTIFY_SOCKET` every call is a cheap no-op, so the same code runs on a terminal.
public struct Notifier: Sendable {
    /// True when a service manager listens (`NOTIFY_SOCKET` is set).
    public let isEnabled: Bool
    /// Half of the watchdog timeout the manager set (`WATCHDOG_USEC`), or nil without a watchdog.
    public let watchdogInterval: Duration?

    /// The notifier the process's environment asks for (`NOTIFY_SOCKET`, `WATCHDOG_USEC`).
    public init() {
        var usec: UInt64 = 0
        let watchdog = sd_watchdog_enabled(0, &usec) > 0 && usec > 0
        self.init(
            enabled: getenv("NOTIFY_SOCKET") != nil,
            watchdogInterval: watchdog ? .microseconds(Int64(usec / 2)) : nil
        )
    }

    /// A notifier decided by the caller, whatever the environment: a disabled one sends nothing (tests).
    public init(enabled: Bool, watchdogInterval: Duration? = nil) {
        isEnabled = enabled
        self.watchdogInterval = watchdogInterval
    }

    /// Sends raw notify assignments, e.g. `"READY=1\nSTATUS=…"`.
    @discardableResult
    public func send(_ state: String) -> Int32 {
        guard isEnabled else { return 0 }
        return sd_notify(0, state)
    }

    public func ready() { send("READY=1") }

    public func status(_ text: String) { send("STATUS=\(text.replacing("\n", with: " "))") }

    public func watchdog() { send("WATCHDOG=1") }

    /// `RELOADING=1` with `MONOTONIC_USEC`, as systemd asks of a reloading service.
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        send("RELOADING=1\nMONOTONIC_USEC=\(usec)")
    }

    public func stopping() { send("STOPPING=1") }
}
