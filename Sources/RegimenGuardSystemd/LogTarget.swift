import Glibc
import Logging

/// Where the service's logs go.
public enum LogTarget: String, Sendable, CaseIterable {
    /// The journal when standard error is connected to it (systemd sets `JOURNAL_STREAM`), else standard error.
    case auto
    case journal
    case stderr

    /// Resolves `auto` for this process, as systemd recommends: compare `JOURNAL_STREAM` (`device:inode`) with
    /// file descriptor 2.
    public func resolved(environment: [String: String]) -> LogTarget {
        guard self == .auto else { return self }
        return LogTarget.stderrIsJournal(environment["JOURNAL_STREAM"]) ? .journal : .stderr
    }

    static func stderrIsJournal(_ stream: String?) -> Bool {
        guard let stream else { return false }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// A swift-log handler factory for this target (resolve `auto` first).
    public func handlerFactory(level: Logger.Level = .info) -> @Sendable (String) -> any LogHandler {
        switch self {
        case .journal:
            return { _ in
                var handler = ServiceLogHandler(sink: .journal)
                handler.logLevel = level
                return handler
            }
        case .auto, .stderr:
            return { _ in
                var handler = ServiceLogHandler(sink: .stderr)
                handler.logLevel = level
                return handler
            }
        }
    }
}
