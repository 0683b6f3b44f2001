import Logging
import RegimenGuardCore
import RegimenGuardSystemd

/// What a verdict becomes in the logs, whichever service judged the order (the spool, the CDS Hooks service).
///
/// One entry per rule that fired, carrying how many findings it had (`count`), the highest severity first, at most
/// ``maxRuleEntries`` of them per order (then one entry saying how many more rules fired), and one summary entry
/// per order. So one order's flood of findings can never use up journald's rate limit and hide another patient's
/// critical finding. Entries carry the order id, rule, severity, decision, source name and policy; never the
/// patient identifier, never order content, never an error message (it may echo a value), only error paths made
/// of the contract's names (``LoggedPath``).
public struct VerdictJournal: Sendable {
    /// What an entry of an order is, in its `entry` field (`REGIMEN_GUARD_ENTRY`): readers such as `report` count
    /// orders from the `verdict` entries, findings from the `rule` ones.
    public enum EntryKind: String, Sendable, CaseIterable {
        /// The order's one summary entry (`MessageIDs.orderVerdict`, or `.orderInvalid` for an invalid order).
        case verdict
        /// One rule's findings in the order (the rule's `MESSAGE_ID`).
        case rule
        /// How many more rules fired beyond ``VerdictJournal/maxRuleEntries`` (`MessageIDs.orderVerdict`).
        case moreRules = "more-rules"
    }

    /// Rule entries per order at most; the rest are counted in one entry.
    public var maxRuleEntries: Int

    public init(maxRuleEntries: Int = 20) {
        self.maxRuleEntries = maxRuleEntries
    }

    /// The log level of a finding's severity (an overridden finding is `.info`).
    public static func level(for severity: Severity) -> Logger.Level {
        switch severity {
        case .critical: .critical
        case .warning: .warning
        case .info: .info
        }
    }

    /// One rule's findings in one order.
    struct RuleEntry {
        var rule: String
        var findings: [Finding]
        /// The highest severity among the findings that count (not overridden); nil when all are overridden.
        var severity: Severity?

        var level: Logger.Level { severity.map(VerdictJournal.level(for:)) ?? .info }
    }

    static func group(_ findings: [Finding]) -> [RuleEntry] {
        var order: [String] = []
        var byRule: [String: [Finding]] = [:]
        for finding in findings {
            if byRule[finding.rule] == nil { order.append(finding.rule) }
            byRule[finding.rule, default: []].append(finding)
        }
        let entries = order.map { rule -> RuleEntry in
            let all = byRule[rule] ?? []
            return RuleEntry(rule: rule, findings: all, severity: all.filter { !$0.overridden }.map(\.severity).max())
        }
        // Highest first, so a cap never drops a critical finding for an info one.
        return entries.enumerated().sorted { a, b in
            let left = a.element.severity, right = b.element.severity
            if left != right {
                guard let left else { return false }
                guard let right else { return true }
                return left > right
            }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Logs `verdict` of the order named `source`.
    /// - Parameters:
    ///   - policy: the policy set that judged it (for the rules' `MESSAGE_ID`s).
    ///   - metadata: fields every entry of this order carries besides the verdict's own (e.g. the service's).
    public func log(
        _ verdict: Verdict,
        source: String,
        policy: PolicySet,
        logger: Logger,
        metadata extra: Logger.Metadata = [:]
    ) {
        var common = extra
        common["decision"] = .string(verdict.decision.rawValue)
        common["file"] = .string(source)
        common["policy_version"] = .string(verdict.policy.version)
        common["policy_digest"] = .string(verdict.policy.digest)
        if let id = verdict.orderID { common["order_id"] = .string(id) }
        let label =
            verdict.orderID.map { "\(LogText.quoted($0)) (\(LogText.quoted(source)))" } ?? LogText.quoted(source)
        let messageIDs = Dictionary(policy.rules.map { ($0.id, $0.messageID) }, uniquingKeysWith: { first, _ in first })

        let groups = VerdictJournal.group(verdict.findings)
        for entry in groups.prefix(maxRuleEntries) {
            var metadata = common
            let overridden = entry.findings.filter(\.overridden).count
            metadata["message_id"] = .string(messageIDs[entry.rule] ?? MessageIDs.orderVerdict)
            metadata["entry"] = .string(EntryKind.rule.rawValue)
            metadata["rule"] = .string(entry.rule)
            metadata["severity"] = .string((entry.severity ?? entry.findings.map(\.severity).max() ?? .info).rawValue)
            metadata["overridden"] = .string(entry.severity == nil ? "1" : "0")
            metadata["count"] = .string(String(entry.findings.count))
            if overridden > 0 { metadata["overridden_count"] = .string(String(overridden)) }
            let first = entry.findings.first { !$0.overridden } ?? entry.findings[0]
            let more = entry.findings.count > 1 ? " (\(entry.findings.count) findings of this rule; see verdicts/)" : ""
            let state = entry.severity == nil ? " (overridden)" : ""
            logger.log(
                level: entry.level,
                "\(label): \((entry.severity ?? first.severity).rawValue) \(entry.rule)\(state): \(first.summary)\(more)",
                metadata: metadata
            )
        }
        if groups.count > maxRuleEntries {
            let rest = groups.dropFirst(maxRuleEntries)
            var metadata = common
            metadata["message_id"] = .string(MessageIDs.orderVerdict)
            metadata["entry"] = .string(EntryKind.moreRules.rawValue)
            metadata["count"] = .string(String(rest.map(\.findings.count).reduce(0, +)))
            let level = rest.map(\.level).max() ?? .info
            logger.log(
                level: level,
                "\(label): \(rest.count) more rules fired (\(rest.map(\.findings.count).reduce(0, +)) findings); see verdicts/",
                metadata: metadata
            )
        }

        var metadata = common
        metadata["entry"] = .string(EntryKind.verdict.rawValue)
        if verdict.decision == .invalid {
            let paths = LoggedPath.sanitize(verdict.errors.map(\.path))
            metadata["message_id"] = .string(MessageIDs.orderInvalid)
            metadata["error_paths"] = .string(paths.joined(separator: "; "))
            metadata["count"] = .string(String(verdict.errors.count))
            let shown = paths.prefix(10).map { $0.isEmpty ? "(file)" : $0 }.joined(separator: ", ")
            let more = paths.count > 10 ? " and \(paths.count - 10) more" : ""
            logger.warning(
                "\(label): invalid, \(verdict.errors.count) error\(verdict.errors.count == 1 ? "" : "s") at \(shown)\(more); see verdicts/",
                metadata: metadata
            )
            return
        }
        metadata["message_id"] = .string(MessageIDs.orderVerdict)
        let counted = verdict.findings.filter { !$0.overridden }
        let critical = counted.filter { $0.severity == .critical }.count
        let warning = counted.filter { $0.severity == .warning }.count
        let text =
            "\(label): \(verdict.decision.rawValue), \(counted.count) finding\(counted.count == 1 ? "" : "s") (\(critical) critical, \(warning) warning)"
        switch verdict.decision {
        case .accept: logger.info("\(text)", metadata: metadata)
        case .review: logger.notice("\(text)", metadata: metadata)
        default: logger.warning("\(text)", metadata: metadata)
        }
    }
}
