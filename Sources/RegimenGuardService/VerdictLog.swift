import Logging
import RegimenGuardCore

/// Journal entries for what the service did: one per finding, one summary per order, one per quarantine or fault.
/// Entries carry the order id, rule, severity, decision, file name and policy; never the patient identifier, never
/// order content, never an error message (it may echo a field's value), only error paths.
enum VerdictLog {
    static func level(for severity: Severity) -> Logger.Level {
        switch severity {
        case .critical: .critical
        case .warning: .warning
        case .info: .info
        }
    }

    static func priority(for severity: Severity) -> String {
        switch severity {
        case .critical: "2"
        case .warning: "4"
        case .info: "6"
        }
    }

    static func log(_ outcome: Spool.Outcome, policy: PolicySet, logger: Logger) {
        let file = outcome.name.description
        switch outcome.disposition {
        case .skipped:
            return
        case .failed(let error):
            logger.error(
                "cannot finish \(file): \(error); it stays in incoming/ and will be tried again",
                metadata: ["message_id": .string(MessageIDs.serviceFault), "file": .string(file), "fault": .string(error.description)])
            return
        case .quarantined(let target, let reason):
            logger.warning(
                "\(file) quarantined as quarantine/\(target): \(reason)",
                metadata: ["message_id": .string(MessageIDs.entryQuarantined), "file": .string(file), "decision": "invalid",
                           "reason": .string(reason), "policy_version": .string(policy.version), "policy_digest": .string(policy.digest)])
            return
        case .archived:
            break
        }
        guard let verdict = outcome.verdict else { return }
        var common: Logger.Metadata = [
            "decision": .string(verdict.decision.rawValue), "file": .string(file),
            "policy_version": .string(policy.version), "policy_digest": .string(policy.digest),
        ]
        if let id = verdict.orderID { common["order_id"] = .string(id) }
        let label = verdict.orderID.map { "\($0) (\(file))" } ?? file
        let messageIDs = Dictionary(policy.rules.map { ($0.id, $0.messageID) }, uniquingKeysWith: { first, _ in first })
        for finding in verdict.findings {
            var metadata = common
            metadata["message_id"] = .string(messageIDs[finding.rule] ?? MessageIDs.orderVerdict)
            metadata["priority"] = .string(finding.overridden ? "6" : priority(for: finding.severity))
            metadata["rule"] = .string(finding.rule)
            metadata["severity"] = .string(finding.severity.rawValue)
            metadata["overridden"] = .string(finding.overridden ? "1" : "0")
            let overridden = finding.overridden ? " (overridden)" : ""
            logger.log(
                level: finding.overridden ? .info : level(for: finding.severity),
                "\(label): \(finding.severity.rawValue) \(finding.rule)\(overridden): \(finding.summary)", metadata: metadata)
        }
        var metadata = common
        if verdict.decision == .invalid {
            metadata["message_id"] = .string(MessageIDs.orderInvalid)
            metadata["error_paths"] = .string(verdict.errors.map(\.path).joined(separator: "; "))
            logger.warning("\(label): invalid, \(verdict.errors.count) error\(verdict.errors.count == 1 ? "" : "s") at \(verdict.errors.map { $0.path.isEmpty ? "(file)" : $0.path }.joined(separator: ", ")); see verdicts/", metadata: metadata)
            return
        }
        metadata["message_id"] = .string(MessageIDs.orderVerdict)
        let counted = verdict.findings.filter { !$0.overridden }
        let critical = counted.filter { $0.severity == .critical }.count, warning = counted.filter { $0.severity == .warning }.count
        let text = "\(label): \(verdict.decision.rawValue), \(counted.count) finding\(counted.count == 1 ? "" : "s") (\(critical) critical, \(warning) warning)"
        switch verdict.decision {
        case .accept: logger.info("\(text)", metadata: metadata)
        case .review: logger.notice("\(text)", metadata: metadata)
        default: logger.warning("\(text)", metadata: metadata)
        }
    }
}
