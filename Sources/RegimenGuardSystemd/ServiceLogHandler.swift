import Glibc
import Logging

/// The service's swift-log handler: every event becomes one structured journal entry, or, on a terminal, one
/// readable line on standard error.
///
/// Journal entries carry `MESSAGE`, `PRIORITY` (trace/debug 7, info 6, notice 5, warning 4, error 3, critical 2),
/// `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`; metadata key `message_id` becomes `MESSAGE_ID`,
/// `priority` ("0"-"7") overrides `PRIORITY` (so a finding's severity sets its journal priority independently of
/// swift-log's levels), and every other key becomes a prefixed field, `order_id` → `REGIMEN_GUARD_ORDER_ID`.
/// Standard error gets `regimen-guard: warning: <message> rule=… order_id=…`, one `write` per line, so lines from
/// many threads never interleave.
public struct ServiceLogHandler: LogHandler {
    public enum Sink: Sendable { case journal, stderr }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public let sink: Sink
    private let identifier: String

    public init(sink: Sink, identifier: String = "regimen-guard") {
        self.sink = sink
        self.identifier = identifier
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public func log(event: LogEvent) {
        switch sink {
        case .journal: Journal.send(ServiceLogHandler.fields(for: event, metadata: metadata, identifier: identifier))
        case .stderr: ServiceLogHandler.writeToStandardError(ServiceLogHandler.line(for: event, metadata: metadata, identifier: identifier))
        }
    }

    /// The journal fields of one event.
    static func fields(for event: LogEvent, metadata base: Logger.Metadata, identifier: String) -> [(String, String)] {
        var fields: [(String, String)] = [("MESSAGE", event.message.description)]
        var priority = String(priority(of: event.level))
        let merged = base.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "message_id": fields.append(("MESSAGE_ID", value.description))
            case "priority":
                if let digit = Int(value.description), (0...7).contains(digit) { priority = String(digit) }
            default: fields.append((Journal.fieldName(for: key), flatten(value)))
            }
        }
        fields.append(("PRIORITY", priority))
        fields.append(("SYSLOG_IDENTIFIER", identifier))
        fields.append(("CODE_FILE", event.file))
        fields.append(("CODE_LINE", String(event.line)))
        fields.append(("CODE_FUNC", event.function))
        return fields
    }

    /// The readable line of one event (the policy digest is left to the journal, to keep lines short).
    static func line(for event: LogEvent, metadata base: Logger.Metadata, identifier: String) -> String {
        var line = "\(identifier): \(event.level.rawValue): \(event.message)"
        let merged = base.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where key != "message_id" && key != "priority" && key != "policy_digest" {
            let text = flatten(value)
            let quoted = text.contains(where: { $0 == " " || $0 == "\"" }) ? "\"\(text.replacing("\"", with: "\\\""))\"" : text
            line += " \(key)=\(quoted)"
        }
        // One event is one line, whatever the message holds.
        return line.replacing("\n", with: "\\n") + "\n"
    }

    static func flatten(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(flatten).joined(separator: ",")
        case .dictionary(let dictionary): dictionary.sorted { $0.key < $1.key }.map { "\($0.key)=\(flatten($0.value))" }.joined(separator: ",")
        }
    }

    /// Writes with Glibc's `write` on descriptor 2 (Swift 6 rejects the global `stderr`), retrying on EINTR.
    static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
