import CLinux
import Foundation
import Glibc

/// What inotify saw in `incoming/`.
public enum WatchEvent: Sendable, Equatable {
    /// Renamed in (`IN_MOVED_TO`): complete by the drop protocol, take it now.
    case arrived(FileName)
    /// Closed after writing in place (`IN_CLOSE_WRITE`): take it once it has settled.
    case written(FileName)
    /// Created (`IN_CREATE`): a link, FIFO or folder made in place raises no other event.
    case created(FileName)
    /// The kernel queue overflowed (`IN_Q_OVERFLOW`): events were lost, scan the folder.
    case overflow
}

/// Watches one folder with inotify on a thread of its own that sleeps in `poll` until the kernel has events, so
/// an idle spool costs no wake-ups.
final class InotifyWatcher: Sendable {
    private let fd: Int32
    private let wake: (read: Int32, write: Int32)

    init(path: String) throws(SystemError) {
        fd = try POSIX.call("inotify_init1", path) { inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK)) }
        let mask = UInt32(IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW)
        let watch = inotify_add_watch(fd, path, mask)
        if watch < 0 {
            let code = errno
            close(fd)
            throw SystemError(call: "inotify_add_watch", subject: path, code: code)
        }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe2(&pipeFDs, O_CLOEXEC | O_NONBLOCK) == 0 else {
            let code = errno
            close(fd)
            throw SystemError(call: "pipe2", subject: "watcher wake-up", code: code)
        }
        wake = (pipeFDs[0], pipeFDs[1])
    }

    deinit {
        close(fd)
        close(wake.read)
        close(wake.write)
    }

    /// Starts the reading thread; `deliver` gets each read's events in order. Ends after ``stop()``.
    func start(_ deliver: @escaping @Sendable ([WatchEvent]) -> Void) {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                var fds = [
                    pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
                ]
                let ready = poll(&fds, 2, -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if fds[1].revents != 0 { return }
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if count < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return
                }
                let events = InotifyWatcher.parse(buffer[0..<count])
                if !events.isEmpty { deliver(events) }
            }
        }
    }

    func stop() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    /// Parses `struct inotify_event` records: wd, mask, cookie, len, then a NUL-padded name.
    static func parse(_ bytes: ArraySlice<UInt8>) -> [WatchEvent] {
        var events: [WatchEvent] = []
        var offset = bytes.startIndex
        func uint32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        while offset + 16 <= bytes.endIndex {
            let mask = uint32(offset + 4)
            let length = Int(uint32(offset + 12))
            let nameBytes = bytes[(offset + 16)..<min(bytes.endIndex, offset + 16 + length)].prefix { $0 != 0 }
            let name = FileName(bytes: Array(nameBytes))
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                events.append(.overflow)
            } else if !name.bytes.isEmpty {
                if mask & UInt32(IN_MOVED_TO) != 0 {
                    events.append(.arrived(name))
                } else if mask & UInt32(IN_CLOSE_WRITE) != 0 {
                    events.append(.written(name))
                } else if mask & UInt32(IN_CREATE) != 0 {
                    events.append(.created(name))
                }
            }
            offset += 16 + length
        }
        return events
    }
}
