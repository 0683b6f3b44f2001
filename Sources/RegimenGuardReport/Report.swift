/// How the alerts fared over a window of the journal: counts and codes only, never patient data (the journal holds
/// none, and no free text is read from it). Built by ``ReportBuilder`` from journal records; rendered as text, JSON,
/// Prometheus exposition or one self-contained HTML page.
///
/// Times are microseconds since the Unix epoch (the journal's realtime clock).
public struct Report: Sendable, Equatable {
    /// The window asked for: `since`/`until` as given (nil: open on that side).
    public struct Window: Sendable, Equatable {
        public var since: UInt64?
        public var until: UInt64?
        public init(since: UInt64? = nil, until: UInt64? = nil) {
            self.since = since
            self.until = until
        }
    }

    /// Spool orders judged, by decision (one per verdict written; an order judged again after a crash counts again).
    public struct Decisions: Sendable, Equatable {
        public var accept = 0
        public var review = 0
        public var reject = 0
        public var invalid = 0
        public var total: Int { accept + review + reject + invalid }
        public init(accept: Int = 0, review: Int = 0, reject: Int = 0, invalid: Int = 0) {
            self.accept = accept
            self.review = review
            self.reject = reject
            self.invalid = invalid
        }
    }

    /// One calendar day (in the time zone the report was made in) and its spool decisions.
    public struct Day: Sendable, Equatable {
        /// `YYYY-MM-DD`.
        public var date: String
        public var decisions: Decisions
        public init(date: String, decisions: Decisions = Decisions()) {
            self.date = date
            self.decisions = decisions
        }
    }

    /// One rule's figures, from the spool's finding entries and the CDS Hooks service's card and feedback entries.
    public struct Rule: Sendable, Equatable {
        /// Findings of the rule in spool verdicts (an order's entry carries how many).
        public var findings = 0
        /// Distinct spool orders (order id, or file name when the order had none) with at least one finding.
        public var orders = 0
        /// Distinct spool orders in which the rule's findings were overridden by the order's documented `overrides`.
        public var overridden = 0
        /// CDS Hooks cards issued for the rule.
        public var cards = 0
        /// Feedback items `accepted` / `overridden` on those cards (joined by card uuid).
        public var cardsAccepted = 0
        public var cardsOverridden = 0
        /// Override reason codes of the feedback (`overrideReason.reason.code`), counted; `(none)` when absent.
        public var overrideReasons: [String: Int] = [:]
        /// `cardsOverridden / (cardsAccepted + cardsOverridden)`; nil without feedback.
        public var overrideRate: Double? {
            let answered = cardsAccepted + cardsOverridden
            return answered == 0 ? nil : Double(cardsOverridden) / Double(answered)
        }
        public init() {}
    }

    /// CDS Hooks service figures beyond the per-rule ones.
    public struct CDS: Sendable, Equatable {
        /// Hook calls, by `hook` then by decision (`accept`, `review`, `reject`, `invalid`, `bad-request`, ...).
        public var requests: [String: [String: Int]] = [:]
        /// Feedback items whose card uuid was issued by no card entry in the journal read (another instance's
        /// card outside the window, say), by outcome.
        public var unmatchedFeedback: [String: Int] = [:]
        /// Calls refused with 401.
        public var authFailures = 0
        public init() {}
    }

    /// Faults a service logged.
    public struct Faults: Sendable, Equatable {
        /// `service-fault` entries (I/O errors, a verdict that could not be written, ...).
        public var serviceFaults = 0
        /// Entries moved to quarantine.
        public var quarantined = 0
        /// Policy reloads refused (the last good set kept).
        public var reloadsFailed = 0
        /// JWKS reloads refused (the CDS Hooks service kept the last good keys).
        public var keyReloadsFailed = 0
        public init() {}
    }

    /// A policy set seen in force: its digest and version, and the first and last entry that named it.
    public struct Policy: Sendable, Equatable {
        public var digest: String
        public var version: String
        public var firstSeen: UInt64
        public var lastSeen: UInt64
        public init(digest: String, version: String, firstSeen: UInt64, lastSeen: UInt64) {
            self.digest = digest
            self.version = version
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
        }
    }

    public var window: Window
    /// Distinct hosts (`_HOSTNAME`) whose entries were counted, sorted.
    public var hosts: [String] = []
    public var decisions = Decisions()
    /// Days with at least one spool decision, in date order.
    public var days: [Day] = []
    /// Per rule id.
    public var rules: [String: Rule] = [:]
    /// Invalid spool orders by kind of error: the error path's shape (`medications[].dose.unit`, `(file)` for
    /// the file itself), never a value; an order counts once per distinct shape it had.
    public var invalidErrors: [String: Int] = [:]
    public var cds = CDS()
    public var faults = Faults()
    /// Policy sets seen, by first seen.
    public var policies: [Policy] = []
    /// The same figures per host (`_HOSTNAME`), when asked for; each has an empty `perHost`.
    public var perHost: [String: Report] = [:]

    public init(window: Window) {
        self.window = window
    }
}
