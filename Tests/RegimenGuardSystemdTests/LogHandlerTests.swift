import Glibc
import Logging
import RegimenGuardSystemd
import Testing

/// Field names, priorities and the readable stderr form (the journal round trip is in the service's JournalTests).
@Suite struct LogHandlerTests {
    @Test func metadataKeysBecomeValidPrefixedFieldNames() {
        #expect(Journal.fieldName(for: "order_id") == "REGIMEN_GUARD_ORDER_ID")
        #expect(Journal.fieldName(for: "policy-digest") == "REGIMEN_GUARD_POLICY_DIGEST")
        #expect(Journal.fieldName(for: "Rule2") == "REGIMEN_GUARD_RULE2")
    }

    @Test func levelsMapToSyslogPriorities() {
        let levels: [Logger.Level] = [.trace, .debug, .info, .notice, .warning, .error, .critical]
        #expect(levels.map(ServiceLogHandler.priority(of:)) == [7, 7, 6, 5, 4, 3, 2])
    }

    @Test func autoPicksTheJournalOnlyWhenStandardErrorIsTheJournalStream() {
        var info = stat()
        #expect(fstat(2, &info) == 0)
        let mine = "\(info.st_dev):\(info.st_ino)"
        #expect(LogTarget.auto.resolved(environment: ["JOURNAL_STREAM": mine]) == .journal)
        #expect(LogTarget.auto.resolved(environment: ["JOURNAL_STREAM": "1:2"]) == .stderr)
        #expect(LogTarget.auto.resolved(environment: [:]) == .stderr)
        #expect(LogTarget.journal.resolved(environment: [:]) == .journal)
    }

    @Test func aNotifierWithoutASocketIsANoOp() {
        // Whatever this process's environment (a test run under systemd has NOTIFY_SOCKET set).
        let notifier = Notifier(enabled: false)
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdogInterval == nil)
        #expect(notifier.send("READY=1") == 0)
        // The environment's notifier is enabled exactly when NOTIFY_SOCKET is set.
        #expect(Notifier().isEnabled == (getenv("NOTIFY_SOCKET") != nil))
    }
}
