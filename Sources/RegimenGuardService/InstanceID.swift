import CLinux
import Foundation
import Glibc

/// Names one running instance, so claims of a dead instance can be told from a live one's.
///
/// Token: `<host>-<pid>-<start>` (host reduced to letters, digits and '-'; start = the process's start time in
/// clock ticks since boot). On the same host an owner is alive when `/proc/<pid>/stat` shows the same start time,
/// so a reused pid does not keep a dead claim alive; a claim of another host is taken over once it is older than
/// the stale timeout.
public struct InstanceID: Sendable, Hashable {
    public let host: String
    public let pid: Int32
    public let start: UInt64

    public var token: String { "\(host)-\(pid)-\(start)" }

    public static let current: InstanceID = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let pid = getpid()
        return InstanceID(host: sanitize(host), pid: pid, start: startTime(of: pid) ?? 0)
    }()

    static func sanitize(_ host: String) -> String {
        let cleaned = String(
            host.unicodeScalars.filter {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-"
            }
        )
        return cleaned.isEmpty ? "host" : String(cleaned.prefix(40))
    }

    /// Field 22 of `/proc/<pid>/stat`.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After ")" come field 3 (state) onwards: field 22 is at index 19.
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// Parses a token made by ``token``.
    init?(token: String) {
        let parts = token.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), let start = UInt64(parts[parts.count - 1])
        else { return nil }
        host = parts.dropLast(2).joined(separator: "-")
        self.pid = pid
        self.start = start
    }

    public init(host: String, pid: Int32, start: UInt64) {
        self.host = host
        self.pid = pid
        self.start = start
    }

    /// Whether this instance may still be working: on this host, its process with the same start time exists.
    /// Another host's instance is assumed alive (the caller applies the stale timeout).
    var isAliveOnThisHost: Bool? {
        guard host == InstanceID.current.host else { return nil }
        return InstanceID.startTime(of: pid) == start
    }
}
