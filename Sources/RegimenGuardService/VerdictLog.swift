import Logging
import RegimenGuardCore
import RegimenGuardJournal
import RegimenGuardSystemd

/// The spool's own journal entries (a quarantine, a fault), around the verdict entries of ``VerdictJournal``,
/// which every service shares.
enum VerdictLog {
    static func log(_ outcome: Spool.Outcome, policy: PolicySet, journal: VerdictJournal, logger: Logger) {
        let file = outcome.name.description
        switch outcome.disposition {
        case .skipped, .waiting, .failed:
            // Failures are logged once per back-off step by the service, not per try.
            return
        case .refused(let reason):
            logger.warning(
                "\(LogText.quoted(file)) refused: \(reason); it stays in incoming/",
                metadata: [
                    "message_id": .string(MessageIDs.entryQuarantined), "file": .string(file), "decision": "invalid",
                    "reason": .string(reason), "policy_version": .string(policy.version),
                    "policy_digest": .string(policy.digest),
                ]
            )
        case .quarantined(let target, let reason):
            logger.warning(
                "\(LogText.quoted(file)) quarantined as quarantine/\(LogText.quoted(target.description)): \(reason)",
                metadata: [
                    "message_id": .string(MessageIDs.entryQuarantined), "file": .string(file), "decision": "invalid",
                    "reason": .string(reason), "policy_version": .string(policy.version),
                    "policy_digest": .string(policy.digest),
                ]
            )
        case .archived:
            if let verdict = outcome.verdict { journal.log(verdict, source: file, policy: policy, logger: logger) }
        }
    }
}
