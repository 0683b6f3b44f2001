import Glibc
import Logging

/// A swift-log handler for a terminal: one readable line per event on file descriptor 2,
/// `regimen-guard: warning: <message> rule=… order_id=…`. One `write` per line, so lines from many threads never
/// interleave.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let identifier: String

    public init(label: String, identifier: String = "regimen-guard") {
        self.identifier = identifier
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var bytes = Array(StderrLogHandler.line(for: event, metadata: metadata, identifier: identifier).utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    static func line(for event: LogEvent, metadata base: Logger.Metadata, identifier: String) -> String {
        var line = "\(identifier): \(event.level.rawValue): \(event.message)"
        let merged = base.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where key != "message_id" && key != "priority" && key != "policy_digest" {
            let text = JournalLogHandler.flatten(value)
            let quoted = text.contains(where: { $0 == " " || $0 == "\"" }) ? "\"\(text.replacing("\"", with: "\\\""))\"" : text
            line += " \(key)=\(quoted)"
        }
        // One event is one line, whatever the message holds.
        return line.replacing("\n", with: "\\n") + "\n"
    }
}
