/// Where the spool is and how it is served.
public struct SpoolConfiguration: Sendable {
    /// The spool folder, holding the four folders below.
    public var root: String
    /// Where pharmacy systems drop orders.
    public var incoming = "incoming"
    /// Where `<name>.verdict.json` files are written.
    public var verdicts = "verdicts"
    /// Where originals go once their verdict is durable.
    public var archive = "archive"
    /// Where entries that are not readable regular files go, with an `invalid` verdict.
    public var quarantine = "quarantine"
    /// Largest order read; a larger file is quarantined without being read.
    public var maxSize = 1 << 20
    /// A file written in place is taken once it has not changed for this long.
    public var settleTime: Duration = .seconds(1)
    /// A claim of another host's instance is taken over after this long.
    public var staleClaimTimeout: Duration = .seconds(600)
    /// Orders validated at once.
    public var workers = 2
    /// Orders committed (made durable) together at most.
    public var batchSize = 512
    /// Also write `<name>.verdict.fhir.json` (the verdict as a FHIR Bundle) beside the verdict of a FHIR order.
    public var fhirVerdicts = false
    /// An order larger than this (bytes) is judged on its own lane, one at a time, so it never holds up ordinary
    /// orders; so is an order that was in hand at a crash.
    public var heavySize = 16 << 10
    /// An order judged on its own (after a crash with it in hand, or heavy) at more crashes or watchdog kills than
    /// this is quarantined with an `invalid` verdict.
    public var maxCrashes = 2
    /// The watchdog is no longer fed once one order has been judged for this long: systemd then kills the
    /// process, and the order counts one crash.
    public var judgeTimeLimit: Duration = .seconds(120)

    public init(root: String) {
        self.root = root
    }
}
