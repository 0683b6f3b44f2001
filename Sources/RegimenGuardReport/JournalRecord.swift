/// One journal entry as the report reads it: its realtime timestamp and the few fields the figures need.
///
/// The reader (`JournalReader` in RegimenGuardSystemd) fills only the fields of ``fieldNames``; `MESSAGE` and any
/// other free text are never read, so nothing a person typed can reach a report.
public struct JournalRecord: Sendable, Equatable {
    /// `__REALTIME_TIMESTAMP`: microseconds since the Unix epoch.
    public var realtime: UInt64
    /// Field name (`MESSAGE_ID`, `_HOSTNAME`, `REGIMEN_GUARD_RULE`, ...) to value.
    public var fields: [String: String]

    public init(realtime: UInt64, fields: [String: String]) {
        self.realtime = realtime
        self.fields = fields
    }

    public subscript(_ name: String) -> String? { fields[name] }

    /// Every field the report reads; the reader asks the journal for these only.
    public static let fieldNames: [String] = [
        "MESSAGE_ID", "_HOSTNAME", "SYSLOG_IDENTIFIER",
        Field.entry, Field.decision, Field.rule, Field.count, Field.overriddenCount, Field.orderID, Field.file,
        Field.errorPaths, Field.policyDigest, Field.policyVersion, Field.cardUUID, Field.outcome,
        Field.overrideReason, Field.hook,
    ]

    /// The journal names of the services' metadata keys (`order_id` → `REGIMEN_GUARD_ORDER_ID`).
    public enum Field {
        public static let entry = "REGIMEN_GUARD_ENTRY"
        public static let decision = "REGIMEN_GUARD_DECISION"
        public static let rule = "REGIMEN_GUARD_RULE"
        public static let count = "REGIMEN_GUARD_COUNT"
        public static let overriddenCount = "REGIMEN_GUARD_OVERRIDDEN_COUNT"
        public static let orderID = "REGIMEN_GUARD_ORDER_ID"
        public static let file = "REGIMEN_GUARD_FILE"
        public static let errorPaths = "REGIMEN_GUARD_ERROR_PATHS"
        public static let policyDigest = "REGIMEN_GUARD_POLICY_DIGEST"
        public static let policyVersion = "REGIMEN_GUARD_POLICY_VERSION"
        public static let cardUUID = "REGIMEN_GUARD_CARD_UUID"
        public static let outcome = "REGIMEN_GUARD_OUTCOME"
        public static let overrideReason = "REGIMEN_GUARD_OVERRIDE_REASON"
        public static let hook = "REGIMEN_GUARD_HOOK"
    }

    /// The `SYSLOG_IDENTIFIER` both services log with.
    public static let identifier = "regimen-guard"
}
