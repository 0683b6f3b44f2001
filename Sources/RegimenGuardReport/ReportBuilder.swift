import RegimenGuardJournal

/// Builds a ``Report`` from journal records, one at a time, in any order: no I/O, no clock, linear in the records.
///
/// What counts, from the entries the services write (Packaging/regimen-guard.catalog):
/// - decisions and days: each order's `verdict` entry (`REGIMEN_GUARD_ENTRY`, `MessageIDs.orderVerdict` or
///   `.orderInvalid`; an invalid entry counts as `invalid`);
/// - rules: each `rule` entry adds its `REGIMEN_GUARD_COUNT` findings, its order (host and order id, or file name)
///   to the rule's distinct orders, and to the overridden ones when `REGIMEN_GUARD_OVERRIDDEN_COUNT` > 0; the
///   `more-rules` entry names no rule and is not counted;
/// - cards: each CDS Hooks card entry; feedback entries are joined to their card by uuid when the report is
///   finished, so a feedback read before its card still counts; feedback on a card not in the records is counted
///   in `cds.unmatchedFeedback`;
/// - invalid errors: each invalid entry's `REGIMEN_GUARD_ERROR_PATHS`, by shape (see ``shape(of:)``);
/// - faults, requests, authentication failures, policies and hosts from their entries.
///
/// Only regimen-guard's entries count: `SYSLOG_IDENTIFIER` regimen-guard when present, and a `MESSAGE_ID` of the
/// services' own or a `REGIMEN_GUARD_ENTRY`/`REGIMEN_GUARD_RULE` field (per-rule ids come from the policy). Entries
/// written before `REGIMEN_GUARD_ENTRY` existed are read by their other fields (a rule is named; an
/// `orderVerdict` entry with a count is the `more-rules` one). Free-text fields are never read.
public struct ReportBuilder: Sendable {
    public let window: Report.Window
    /// `YYYY-MM-DD` of a realtime timestamp, in the reporter's time zone.
    public let day: @Sendable (UInt64) -> String
    public let perHost: Bool

    private var figures: Figures
    private var hosts: [String: Figures] = [:]

    public init(window: Report.Window, day: @escaping @Sendable (UInt64) -> String, perHost: Bool = false) {
        self.window = window
        self.day = day
        self.perHost = perHost
        figures = Figures()
    }

    /// Counts `record` when it is regimen-guard's and in the window (`since` and `until` both inclusive, as
    /// `journalctl` reads them).
    public mutating func add(_ record: JournalRecord) {
        if let since = window.since, record.realtime < since { return }
        if let until = window.until, record.realtime > until { return }
        guard let kind = ReportBuilder.kind(of: record) else { return }
        let host = record["_HOSTNAME"] ?? ""
        let date = kind.needsDay ? day(record.realtime) : ""
        figures.add(record, kind: kind, host: host, date: date)
        if perHost { hosts[host, default: Figures()].add(record, kind: kind, host: host, date: date) }
    }

    /// The report of every record added.
    public func finish() -> Report {
        var report = figures.report(window: window)
        if perHost {
            for (host, figures) in hosts { report.perHost[host] = figures.report(window: window) }
        }
        return report
    }

    // MARK: - Kinds of entries

    /// What an entry is, for the figures.
    enum Kind {
        case verdict, invalid, rule, card, feedback, request, authFailure
        case serviceFault, quarantined, reloadFailed, keysReloadFailed
        /// Another entry of the services' own (start, stop, policy loaded, ...): hosts and policies only.
        case other

        var needsDay: Bool { self == .verdict || self == .invalid }
    }

    static let ownMessageIDs: Set<String> = [
        MessageIDs.orderVerdict, MessageIDs.orderInvalid, MessageIDs.entryQuarantined, MessageIDs.serviceFault,
        MessageIDs.policyLoaded, MessageIDs.policyReloadFailed, MessageIDs.serviceStarted,
        MessageIDs.serviceStopping, MessageIDs.rescan, CDSMessageIDs.request, CDSMessageIDs.card,
        CDSMessageIDs.feedback, CDSMessageIDs.authFailure, CDSMessageIDs.started, CDSMessageIDs.authDisabled,
        CDSMessageIDs.keysReloadFailed,
    ]

    /// The kind of a regimen-guard entry; nil for another program's, or one the report does not know.
    static func kind(of record: JournalRecord) -> Kind? {
        if let identifier = record["SYSLOG_IDENTIFIER"], identifier != JournalRecord.identifier { return nil }
        let messageID = record["MESSAGE_ID"] ?? ""
        let entry = record[JournalRecord.Field.entry]
        let named = record[JournalRecord.Field.rule] != nil
        switch entry {
        case VerdictJournal.EntryKind.verdict.rawValue?:
            return messageID == MessageIDs.orderInvalid ? .invalid : .verdict
        case VerdictJournal.EntryKind.rule.rawValue?:
            return named ? .rule : .other
        case VerdictJournal.EntryKind.moreRules.rawValue?:
            return .other
        default:
            break
        }
        switch messageID {
        case MessageIDs.orderInvalid: return .invalid
        case MessageIDs.orderVerdict where entry == nil:
            // Written before REGIMEN_GUARD_ENTRY: a rule without a MESSAGE_ID of its own, the more-rules entry
            // (it has a count), or the summary.
            if named { return .rule }
            return record[JournalRecord.Field.count] == nil ? .verdict : .other
        case CDSMessageIDs.card: return named ? .card : .other
        case CDSMessageIDs.feedback: return .feedback
        case CDSMessageIDs.request: return .request
        case CDSMessageIDs.authFailure: return .authFailure
        case MessageIDs.serviceFault: return .serviceFault
        case MessageIDs.entryQuarantined: return .quarantined
        case MessageIDs.policyReloadFailed: return .reloadFailed
        case CDSMessageIDs.keysReloadFailed: return .keysReloadFailed
        case _ where ReportBuilder.ownMessageIDs.contains(messageID): return .other
        default:
            // A rule's own MESSAGE_ID (from the policy), before REGIMEN_GUARD_ENTRY.
            return named && entry == nil ? .rule : (entry == nil ? nil : .other)
        }
    }

    // MARK: - Error path shapes

    /// The kind of an error path: array indices become `[]` (`medications[2].dose` → `medications[].dose`), a CSV
    /// location's numbers become `N` (`line 4, column 7` → `line N, column N`), the empty path (the file itself) is
    /// `(file)`. Logged paths are already made of the contract's names only (`LoggedPath`).
    public static func shape(of path: String) -> String {
        if path.isEmpty { return "(file)" }
        var out = ""
        out.reserveCapacity(path.utf8.count)
        var characters = path[...]
        let csv = path.hasPrefix("line ")
        while let character = characters.first {
            if character == "[", let close = characters.firstIndex(of: "]"),
                characters[characters.index(after: characters.startIndex)..<close].allSatisfy(\.isDigit),
                characters.index(after: characters.startIndex) < close
            {
                out += "[]"
                characters = characters[characters.index(after: close)...]
            } else if csv, character.isDigit {
                out += "N"
                characters = characters.drop(while: \.isDigit)
            } else {
                out.append(character)
                characters = characters.dropFirst()
            }
        }
        return out
    }

    // MARK: - Figures of one scope (all hosts, or one)

    struct RuleTally: Sendable {
        var rule = Report.Rule()
        var orders: Set<String> = []
        var overriddenOrders: Set<String> = []
    }

    struct Feedback: Sendable {
        var card: String
        var outcome: String
        var reason: String
    }

    struct Figures: Sendable {
        var hosts: Set<String> = []
        var decisions = Report.Decisions()
        var days: [String: Report.Decisions] = [:]
        var rules: [String: RuleTally] = [:]
        var cardRules: [String: String] = [:]
        var feedback: [Feedback] = []
        var invalidErrors: [String: Int] = [:]
        var cds = Report.CDS()
        var faults = Report.Faults()
        /// Digest to its policy, and the digests in the order first seen (realtime, then read order).
        var policies: [String: Report.Policy] = [:]

        mutating func add(_ record: JournalRecord, kind: Kind, host: String, date: String) {
            typealias Field = JournalRecord.Field
            if !host.isEmpty { hosts.insert(host) }
            if let digest = record[Field.policyDigest], !digest.isEmpty {
                let version = record[Field.policyVersion] ?? ""
                if var policy = policies[digest] {
                    if record.realtime < policy.firstSeen {
                        policy.firstSeen = record.realtime
                        if !version.isEmpty { policy.version = version }
                    }
                    if policy.version.isEmpty { policy.version = version }
                    policy.lastSeen = max(policy.lastSeen, record.realtime)
                    policies[digest] = policy
                } else {
                    policies[digest] = Report.Policy(
                        digest: digest,
                        version: version,
                        firstSeen: record.realtime,
                        lastSeen: record.realtime
                    )
                }
            }
            switch kind {
            case .verdict:
                let decision = record[Field.decision] ?? ""
                // A day only when it had a decision.
                if decisions.count(decision) { days[date, default: Report.Decisions()].count(decision) }
            case .invalid:
                decisions.invalid += 1
                days[date, default: Report.Decisions()].invalid += 1
                let paths = (record[Field.errorPaths] ?? "").split(separator: "; ", omittingEmptySubsequences: false)
                for shape in Set(paths.map { ReportBuilder.shape(of: String($0)) }) {
                    invalidErrors[shape, default: 0] += 1
                }
            case .rule:
                let rule = record[Field.rule] ?? ""
                let order = host + "\u{0}" + (record[Field.orderID] ?? record[Field.file] ?? "")
                var tally = rules[rule] ?? RuleTally()
                tally.rule.findings += record[Field.count].flatMap { Int($0) } ?? 1
                tally.orders.insert(order)
                if let overridden = record[Field.overriddenCount].flatMap({ Int($0) }), overridden > 0 {
                    tally.overriddenOrders.insert(order)
                }
                rules[rule] = tally
            case .card:
                let rule = record[Field.rule] ?? ""
                rules[rule, default: RuleTally()].rule.cards += 1
                if let uuid = record[Field.cardUUID] { cardRules[uuid] = rule }
            case .feedback:
                feedback.append(
                    Feedback(
                        card: record[Field.cardUUID] ?? "",
                        outcome: record[Field.outcome] ?? "",
                        reason: record[Field.overrideReason].flatMap { $0.isEmpty ? nil : $0 } ?? "(none)"
                    )
                )
            case .request:
                let hook = record[Field.hook] ?? "(none)"
                let decision = record[Field.decision] ?? "(none)"
                cds.requests[hook, default: [:]][decision, default: 0] += 1
            case .authFailure: cds.authFailures += 1
            case .serviceFault: faults.serviceFaults += 1
            case .quarantined: faults.quarantined += 1
            case .reloadFailed: faults.reloadsFailed += 1
            case .keysReloadFailed: faults.keyReloadsFailed += 1
            case .other: break
            }
        }

        func report(window: Report.Window) -> Report {
            var report = Report(window: window)
            report.hosts = hosts.sorted()
            report.decisions = decisions
            report.days = days.sorted { $0.key < $1.key }.map { Report.Day(date: $0.key, decisions: $0.value) }
            var rules = self.rules.mapValues { tally -> Report.Rule in
                var rule = tally.rule
                rule.orders = tally.orders.count
                rule.overridden = tally.overriddenOrders.count
                return rule
            }
            var cds = self.cds
            for item in feedback {
                guard let rule = cardRules[item.card] else {
                    cds.unmatchedFeedback[item.outcome, default: 0] += 1
                    continue
                }
                switch item.outcome {
                case "accepted": rules[rule, default: Report.Rule()].cardsAccepted += 1
                case "overridden":
                    rules[rule, default: Report.Rule()].cardsOverridden += 1
                    rules[rule, default: Report.Rule()].overrideReasons[item.reason, default: 0] += 1
                default: break
                }
            }
            report.rules = rules
            report.invalidErrors = invalidErrors
            report.cds = cds
            report.faults = faults
            report.policies = policies.values.sorted {
                ($0.firstSeen, $0.digest) < ($1.firstSeen, $1.digest)
            }
            return report
        }
    }
}

extension Report.Decisions {
    /// Counts one order of `decision` (`accept`, `review`, `reject`, `invalid`); another word is not a decision.
    /// - Returns: whether it was one.
    @discardableResult
    mutating func count(_ decision: String) -> Bool {
        switch decision {
        case "accept": accept += 1
        case "review": review += 1
        case "reject": reject += 1
        case "invalid": invalid += 1
        default: return false
        }
        return true
    }
}

extension Character {
    fileprivate var isDigit: Bool { ("0"..."9").contains(self) }
}
