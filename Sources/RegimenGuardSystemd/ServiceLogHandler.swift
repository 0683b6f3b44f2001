import Glibc
import Logging

/// The service's swift-log handler: every event becomes one structured journal entry, or, on a terminal, one
/// readable line on standard error.
///
/// Journal entries carry `MESSAGE`, `PRIORITY` (trace/debug 7, info 6, notice 5, warning 4, error 3, critical 2),
/// `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`; metadata key `message_id` becomes `MESSAGE_ID`,
/// and every other key becomes a prefixed field, `order_id` → `REGIMEN_GUARD_ORDER_ID`. Standard error gets
/// `regimen-guard: warning: <message> rule=… order_id=…`, one `write` per line, so lines from many threads never
/// interleave. In both sinks every value is escaped (``LogText``): no control character, DEL or C1 character
/// reaches a line or a journal field raw, and a value with whitespace is quoted on standard error.
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
        case .stderr:
            ServiceLogHandler.writeToStandardError(
                ServiceLogHandler.line(for: event, metadata: metadata, identifier: identifier)
            )
        }
    }

    /// The journal fields of one event.
    static func fields(for event: LogEvent, metadata base: Logger.Metadata, identifier: String) -> [(String, String)] {
        var fields: [(String, String)] = [("MESSAGE", LogText.escape(event.message.description))]
        let merged = base.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "message_id": fields.append(("MESSAGE_ID", LogText.escape(value.description)))
            default: fields.append((Journal.fieldName(for: key), LogText.escape(flatten(value))))
            }
        }
        fields.append(("PRIORITY", String(priority(of: event.level))))
        fields.append(("SYSLOG_IDENTIFIER", identifier))
        fields.append(("CODE_FILE", event.file))
        fields.append(("CODE_LINE", String(event.line)))
        fields.append(("CODE_FUNC", event.function))
        return fields
    }

    /// The readable line of one event (the policy digest is left to the journal, to keep lines short).
    static func line(for event: LogEvent, metadata base: Logger.Metadata, identifier: String) -> String {
        var line = "\(identifier): \(event.level.rawValue): \(LogText.escape(event.message.description))"
        let merged = base.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where key != "message_id" && key != "policy_digest" {
            line += " \(LogText.quoted(key))=\(LogText.quoted(flatten(value)))"
        }
        // One event is one line, whatever the message holds: every line break in it was escaped.
        return line + "\n"
    }

    static func flatten(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(flatten).joined(separator: ",")
        case .dictionary(let dictionary):
            dictionary.sorted { $0.key < $1.key }.map { "\($0.key)=\(flatten($0.value))" }.joined(separator: ",")
        }
    }

    /// Writes on descriptor 2 (Swift 6 rejects the global `stderr`), in one `write` when the pipe takes it.
    static func writeToStandardError(_ text: String) {
        _ = SystemCall.writeAll(2, Array(text.utf8))
    }
}
