import Logging

/// A swift-log handler that writes every event as one structured journal entry.
///
/// - `MESSAGE`, `PRIORITY` (trace/debug 7, info 6, notice 5, warning 4, error 3, critical 2), `SYSLOG_IDENTIFIER`,
///   `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`;
/// - metadata key `message_id` becomes `MESSAGE_ID`; `priority` ("0"-"7") overrides `PRIORITY`, so a finding's
///   severity can set its journal priority independently of swift-log's levels;
/// - every other key becomes a prefixed field, `order_id` → `REGIMEN_GUARD_ORDER_ID`.
public struct JournalLogHandler: LogHandler {
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
        Journal.send(JournalLogHandler.fields(for: event, metadata: metadata, identifier: identifier))
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

    static func flatten(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(flatten).joined(separator: ",")
        case .dictionary(let dictionary): dictionary.sorted { $0.key < $1.key }.map { "\($0.key)=\(flatten($0.value))" }.joined(separator: ",")
        }
    }
}
