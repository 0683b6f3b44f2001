import RegimenGuardJournal
import RegimenGuardReport
import Testing

/// The figures from synthetic records shaped as the services write them (VerdictJournal, CDSApplication).
@Suite struct ReportBuilderTests {
    static let day: UInt64 = 86_400_000_000
    /// 2026-12-01 00:00:00 UTC.
    static let december1: UInt64 = 1_796_083_200_000_000
    static let ruleID = "f06e9ef1300d4630b8ab5ae01f6145fb"

    /// A builder reading days in UTC.
    static func builder(_ window: Report.Window = Report.Window(), perHost: Bool = false) -> ReportBuilder {
        ReportBuilder(window: window, day: { TimeSpec.day(of: $0, offset: 0) }, perHost: perHost)
    }

    static func report(
        _ records: [JournalRecord],
        window: Report.Window = Report.Window(),
        perHost: Bool = false
    )
        -> Report
    {
        var builder = builder(window, perHost: perHost)
        for record in records { builder.add(record) }
        return builder.finish()
    }

    static func record(_ at: UInt64, host: String = "rx1", _ fields: [String: String]) -> JournalRecord {
        var all = fields
        all["_HOSTNAME"] = host
        all["SYSLOG_IDENTIFIER"] = "regimen-guard"
        return JournalRecord(realtime: at, fields: all)
    }

    static func verdict(_ at: UInt64, _ decision: String, order: String, host: String = "rx1") -> JournalRecord {
        record(
            at,
            host: host,
            [
                "MESSAGE_ID": MessageIDs.orderVerdict, "REGIMEN_GUARD_ENTRY": "verdict",
                "REGIMEN_GUARD_DECISION": decision, "REGIMEN_GUARD_ORDER_ID": order,
                "REGIMEN_GUARD_FILE": "\(order).json", "REGIMEN_GUARD_POLICY_VERSION": "2026.12",
                "REGIMEN_GUARD_POLICY_DIGEST": "d1",
            ]
        )
    }

    static func invalid(
        _ at: UInt64,
        order: String?,
        file: String,
        paths: String,
        host: String = "rx1"
    )
        -> JournalRecord
    {
        var fields = [
            "MESSAGE_ID": MessageIDs.orderInvalid, "REGIMEN_GUARD_ENTRY": "verdict",
            "REGIMEN_GUARD_DECISION": "invalid",
            "REGIMEN_GUARD_FILE": file, "REGIMEN_GUARD_ERROR_PATHS": paths,
        ]
        fields["REGIMEN_GUARD_ORDER_ID"] = order
        return record(at, host: host, fields)
    }

    static func rule(
        _ at: UInt64,
        _ rule: String,
        order: String?,
        file: String = "x.json",
        count: Int = 1,
        overridden: Int = 0,
        host: String = "rx1"
    ) -> JournalRecord {
        var fields = [
            "MESSAGE_ID": ruleID, "REGIMEN_GUARD_ENTRY": "rule", "REGIMEN_GUARD_RULE": rule,
            "REGIMEN_GUARD_COUNT": String(count), "REGIMEN_GUARD_FILE": file, "REGIMEN_GUARD_DECISION": "reject",
        ]
        fields["REGIMEN_GUARD_ORDER_ID"] = order
        if overridden > 0 { fields["REGIMEN_GUARD_OVERRIDDEN_COUNT"] = String(overridden) }
        return record(at, host: host, fields)
    }

    static func card(_ at: UInt64, _ uuid: String, rule: String, host: String = "cds1") -> JournalRecord {
        record(
            at,
            host: host,
            [
                "MESSAGE_ID": CDSMessageIDs.card, "REGIMEN_GUARD_CARD_UUID": uuid, "REGIMEN_GUARD_RULE": rule,
                "REGIMEN_GUARD_HOOK": "order-sign", "REGIMEN_GUARD_POLICY_VERSION": "2026.12",
            ]
        )
    }

    static func feedback(
        _ at: UInt64,
        _ uuid: String,
        _ outcome: String,
        reason: String? = nil,
        host: String = "cds1"
    )
        -> JournalRecord
    {
        var fields = [
            "MESSAGE_ID": CDSMessageIDs.feedback, "REGIMEN_GUARD_CARD_UUID": uuid, "REGIMEN_GUARD_OUTCOME": outcome,
        ]
        fields["REGIMEN_GUARD_OVERRIDE_REASON"] = reason
        return record(at, host: host, fields)
    }

    static func plain(_ at: UInt64, _ messageID: String, host: String = "rx1") -> JournalRecord {
        record(at, host: host, ["MESSAGE_ID": messageID])
    }

    let t = ReportBuilderTests.december1

    // MARK: - Decisions and days

    @Test func decisionsCountOneVerdictEntryPerOrderNotItsRuleEntries() {
        let report = Self.report([
            Self.rule(t, "her2-anthracycline-concurrent", order: "RX-1"),
            Self.verdict(t, "reject", order: "RX-1"),
            Self.verdict(t + 1, "review", order: "RX-2"),
            Self.verdict(t + 2, "accept", order: "RX-3"),
            Self.verdict(t + 3, "accept", order: "RX-4"),
            Self.invalid(t + 4, order: "RX-5", file: "RX-5.json", paths: "medications[0].drug"),
            // The more-rules entry shares the summary's MESSAGE_ID but is no order.
            Self.record(
                t + 5,
                [
                    "MESSAGE_ID": MessageIDs.orderVerdict, "REGIMEN_GUARD_ENTRY": "more-rules",
                    "REGIMEN_GUARD_COUNT": "7", "REGIMEN_GUARD_DECISION": "reject", "REGIMEN_GUARD_ORDER_ID": "RX-1",
                ]
            ),
        ])
        #expect(report.decisions == Report.Decisions(accept: 2, review: 1, reject: 1, invalid: 1))
        #expect(report.decisions.total == 5)
        #expect(report.rules.keys.sorted() == ["her2-anthracycline-concurrent"])
    }

    @Test func daysAreTheReportersDatesInOrderWithTheirDecisions() {
        let report = Self.report([
            Self.verdict(t + 2 * Self.day, "accept", order: "RX-3"),
            Self.verdict(t, "reject", order: "RX-1"),
            Self.verdict(t + Self.day - 1, "review", order: "RX-2"),
            Self.invalid(t + 2 * Self.day + 5, order: nil, file: "bad.json", paths: ""),
            // Not a decision: neither counted nor a day of its own.
            Self.verdict(t + 5 * Self.day, "maybe", order: "RX-5"),
        ])
        #expect(report.decisions.total == 4)
        #expect(report.days.map(\.date) == ["2026-12-01", "2026-12-03"])
        #expect(report.days.first?.decisions == Report.Decisions(review: 1, reject: 1))
        #expect(report.days.last?.decisions == Report.Decisions(accept: 1, invalid: 1))
    }

    @Test func theDayFunctionDecidesTheDate() {
        // At UTC+14 the last minutes of 2026-11-30 UTC are already 2026-12-01.
        var builder = ReportBuilder(
            window: Report.Window(),
            day: { TimeSpec.day(of: $0, offset: 14 * 3600) },
            perHost: false
        )
        builder.add(Self.verdict(t - 60_000_000, "accept", order: "RX-1"))
        #expect(builder.finish().days.map(\.date) == ["2026-12-01"])
    }

    // MARK: - Rules

    @Test func findingsAddEachEntrysCountAndOrdersAreDistinct() {
        let report = Self.report([
            // The flood: one entry for 6 findings of the rule in one order.
            Self.rule(t, "her2-anthracycline-concurrent", order: "RX-FLOOD", count: 6),
            Self.rule(t + 1, "her2-anthracycline-concurrent", order: "RX-2"),
            // RX-2 judged again (after a crash): its findings count again, the order once.
            Self.rule(t + 2, "her2-anthracycline-concurrent", order: "RX-2"),
            // Without an order id the file names the order.
            Self.rule(t + 3, "her2-anthracycline-concurrent", order: nil, file: "a.json"),
            Self.rule(t + 4, "her2-anthracycline-concurrent", order: nil, file: "b.json"),
            // The same order id on another host is another order.
            Self.rule(t + 5, "her2-anthracycline-concurrent", order: "RX-2", host: "rx2"),
            Self.rule(t + 6, "lvef-baseline-missing", order: "RX-2", count: 2),
        ])
        let anthracycline = report.rules["her2-anthracycline-concurrent"]
        #expect(anthracycline?.findings == 11)
        #expect(anthracycline?.orders == 5)
        #expect(anthracycline?.overridden == 0)
        #expect(report.rules["lvef-baseline-missing"]?.findings == 2)
        #expect(report.rules["lvef-baseline-missing"]?.orders == 1)
    }

    @Test func overriddenCountsDistinctOrdersWithAnOverriddenFinding() {
        let report = Self.report([
            Self.rule(t, "endocrine-with-chemo", order: "RX-1", count: 2, overridden: 1),
            Self.rule(t + 1, "endocrine-with-chemo", order: "RX-1", count: 2, overridden: 2),
            Self.rule(t + 2, "endocrine-with-chemo", order: "RX-2", count: 1, overridden: 1),
            Self.rule(t + 3, "endocrine-with-chemo", order: "RX-3", count: 1),
        ])
        let rule = report.rules["endocrine-with-chemo"]
        #expect(rule?.orders == 3)
        #expect(rule?.overridden == 2)
        #expect(rule?.findings == 6)
    }

    @Test func entriesWrittenBeforeTheEntryFieldAreReadByTheirOtherFields() {
        var old = Self.rule(t, "her2-anthracycline-concurrent", order: "RX-1", count: 3)
        old.fields["REGIMEN_GUARD_ENTRY"] = nil
        var summary = Self.verdict(t, "reject", order: "RX-1")
        summary.fields["REGIMEN_GUARD_ENTRY"] = nil
        var more = Self.record(
            t,
            ["MESSAGE_ID": MessageIDs.orderVerdict, "REGIMEN_GUARD_COUNT": "4", "REGIMEN_GUARD_DECISION": "reject"]
        )
        more.fields["REGIMEN_GUARD_ENTRY"] = nil
        var invalid = Self.invalid(t, order: "RX-2", file: "RX-2.json", paths: "patient.id")
        invalid.fields["REGIMEN_GUARD_ENTRY"] = nil
        let report = Self.report([old, summary, more, invalid])
        #expect(report.decisions == Report.Decisions(reject: 1, invalid: 1))
        #expect(report.rules["her2-anthracycline-concurrent"]?.findings == 3)
        #expect(report.rules.count == 1)
    }

    // MARK: - CDS Hooks cards and feedback

    @Test func feedbackJoinsItsCardWhicheverIsReadFirst() {
        let report = Self.report([
            Self.card(t, "c1", rule: "her2-anthracycline-concurrent"),
            Self.feedback(t + 1, "c1", "overridden", reason: "benefit-outweighs-risk"),
            // Feedback read before its card (another journal file, or a clock step).
            Self.feedback(t + 2, "c2", "accepted"),
            Self.card(t + 3, "c2", rule: "her2-anthracycline-concurrent"),
            Self.card(t + 4, "c3", rule: "her2-anthracycline-concurrent"),
            Self.feedback(t + 5, "c3", "overridden"),
            Self.card(t + 6, "c4", rule: "her2-anthracycline-concurrent"),
            Self.card(t + 7, "c5", rule: "lvef-baseline-missing"),
            Self.feedback(t + 8, "c5", "overridden", reason: "benefit-outweighs-risk"),
        ])
        let rule = report.rules["her2-anthracycline-concurrent"]
        #expect(rule?.cards == 4)
        #expect(rule?.cardsAccepted == 1)
        #expect(rule?.cardsOverridden == 2)
        #expect(rule?.overrideReasons == ["benefit-outweighs-risk": 1, "(none)": 1])
        #expect(rule?.overrideRate == 2.0 / 3.0)
        // Cards alone: no spool findings.
        #expect(rule?.findings == 0 && rule?.orders == 0)
        #expect(report.rules["lvef-baseline-missing"]?.overrideReasons == ["benefit-outweighs-risk": 1])
        #expect(report.rules["lvef-baseline-missing"]?.overrideRate == 1)
        #expect(report.cds.unmatchedFeedback.isEmpty)
    }

    @Test func feedbackOnACardNotInTheRecordsIsUnmatchedByOutcome() {
        let report = Self.report([
            Self.card(t, "c1", rule: "her2-anthracycline-concurrent"),
            Self.feedback(t + 1, "elsewhere-1", "overridden", reason: "patient-preference"),
            Self.feedback(t + 2, "elsewhere-2", "overridden"),
            Self.feedback(t + 3, "elsewhere-3", "accepted"),
        ])
        #expect(report.cds.unmatchedFeedback == ["overridden": 2, "accepted": 1])
        #expect(report.rules["her2-anthracycline-concurrent"]?.cardsOverridden == 0)
        #expect(report.rules["her2-anthracycline-concurrent"]?.overrideRate == nil)
    }

    @Test func requestsByHookAndDecisionAndAuthenticationFailures() {
        func request(_ hook: String, _ decision: String) -> JournalRecord {
            Self.record(
                t,
                host: "cds1",
                ["MESSAGE_ID": CDSMessageIDs.request, "REGIMEN_GUARD_HOOK": hook, "REGIMEN_GUARD_DECISION": decision]
            )
        }
        let report = Self.report([
            request("order-sign", "reject"), request("order-sign", "reject"), request("order-sign", "accept"),
            request("order-select", "bad-request"), Self.plain(t, CDSMessageIDs.authFailure, host: "cds1"),
            Self.plain(t + 1, CDSMessageIDs.authFailure, host: "cds1"),
        ])
        #expect(report.cds.requests == ["order-sign": ["reject": 2, "accept": 1], "order-select": ["bad-request": 1]])
        #expect(report.cds.authFailures == 2)
        // CDS Hooks calls are not spool decisions.
        #expect(report.decisions.total == 0)
    }

    // MARK: - Invalid orders, faults, policies

    @Test func invalidOrdersCountOncePerShapeOfTheirErrorPaths() {
        let report = Self.report([
            Self.invalid(
                t,
                order: "RX-1",
                file: "RX-1.json",
                paths: "medications[0].dose.unit; medications[3].dose.unit; patient.<unknown field 1>"
            ),
            Self.invalid(t + 1, order: "RX-2", file: "RX-2.json", paths: "medications[12].dose.unit"),
            Self.invalid(t + 2, order: nil, file: "RX-3.json", paths: ""),
            Self.invalid(t + 3, order: nil, file: "RX-4.csv", paths: "line 4, column 7; line 9, column 2; line 3"),
        ])
        #expect(
            report.invalidErrors == [
                "medications[].dose.unit": 2, "patient.<unknown field 1>": 1, "(file)": 1, "line N, column N": 1,
                "line N": 1,
            ]
        )
        #expect(report.decisions.invalid == 4)
    }

    @Test func pathShapesKeepNamesAndDropIndices() {
        #expect(ReportBuilder.shape(of: "") == "(file)")
        #expect(ReportBuilder.shape(of: "medications[2].dose") == "medications[].dose")
        #expect(
            ReportBuilder.shape(of: "entry[10].resource.dosageInstruction[0]") == "entry[].resource.dosageInstruction[]"
        )
        #expect(ReportBuilder.shape(of: "patient.her2_status") == "patient.her2_status")
        #expect(ReportBuilder.shape(of: "line 12, column 3") == "line N, column N")
    }

    @Test func faultsCountTheirEntries() {
        let report = Self.report([
            Self.plain(t, MessageIDs.serviceFault), Self.plain(t + 1, MessageIDs.serviceFault),
            Self.plain(t + 2, MessageIDs.entryQuarantined), Self.plain(t + 3, MessageIDs.policyReloadFailed),
            Self.plain(t + 4, CDSMessageIDs.keysReloadFailed, host: "cds1"),
            Self.plain(t + 5, CDSMessageIDs.keysReloadFailed, host: "cds1"),
            Self.plain(t + 6, MessageIDs.serviceStarted),
        ])
        #expect(report.faults.serviceFaults == 2)
        #expect(report.faults.quarantined == 1)
        #expect(report.faults.reloadsFailed == 1)
        #expect(report.faults.keyReloadsFailed == 2)
    }

    @Test func policiesAreSeenFromFirstToLastEntryNamingThemSortedByFirstSeen() {
        func policy(_ at: UInt64, _ digest: String, _ version: String) -> JournalRecord {
            Self.record(
                at,
                [
                    "MESSAGE_ID": MessageIDs.policyLoaded, "REGIMEN_GUARD_POLICY_DIGEST": digest,
                    "REGIMEN_GUARD_POLICY_VERSION": version,
                ]
            )
        }
        let report = Self.report([
            policy(t + 50, "d2", "2026.12.1"),
            policy(t + 10, "d1", "2026.12"),
            Self.verdict(t + 20, "accept", order: "RX-1"),  // d1
            policy(t + 90, "d2", "2026.12.1"),
            policy(t + 70, "d2", "2026.12.1"),
        ])
        #expect(
            report.policies == [
                Report.Policy(digest: "d1", version: "2026.12", firstSeen: t + 10, lastSeen: t + 20),
                Report.Policy(digest: "d2", version: "2026.12.1", firstSeen: t + 50, lastSeen: t + 90),
            ]
        )
    }

    // MARK: - Hosts, window, other programs

    @Test func hostsAreDistinctAndPerHostFiguresSplitByHost() {
        let records = [
            Self.verdict(t, "reject", order: "RX-1", host: "rx1"),
            Self.rule(t, "her2-anthracycline-concurrent", order: "RX-1", count: 2, host: "rx1"),
            Self.verdict(t + 1, "accept", order: "RX-1", host: "rx2"),
            Self.verdict(t + 2, "accept", order: "RX-2", host: "rx2"),
            Self.card(t + 3, "c1", rule: "her2-anthracycline-concurrent", host: "cds1"),
        ]
        let all = Self.report(records)
        #expect(all.hosts == ["cds1", "rx1", "rx2"])
        #expect(all.perHost.isEmpty)

        let split = Self.report(records, perHost: true)
        #expect(split.decisions == Report.Decisions(accept: 2, reject: 1))
        #expect(split.perHost.keys.sorted() == ["cds1", "rx1", "rx2"])
        #expect(split.perHost["rx1"]?.decisions == Report.Decisions(reject: 1))
        #expect(split.perHost["rx1"]?.rules["her2-anthracycline-concurrent"]?.findings == 2)
        #expect(split.perHost["rx2"]?.decisions == Report.Decisions(accept: 2))
        #expect(split.perHost["rx2"]?.rules.isEmpty == true)
        #expect(split.perHost["rx2"]?.hosts == ["rx2"])
        #expect(split.perHost["cds1"]?.rules["her2-anthracycline-concurrent"]?.cards == 1)
        #expect(split.perHost.values.allSatisfy { $0.perHost.isEmpty })
    }

    @Test func onlyRecordsInTheWindowCountBothEndsIncluded() {
        let window = Report.Window(since: t + 10, until: t + 20)
        let report = Self.report(
            [
                Self.verdict(t + 9, "reject", order: "RX-1"),
                Self.verdict(t + 10, "review", order: "RX-2"),
                Self.verdict(t + 20, "accept", order: "RX-3"),
                Self.verdict(t + 21, "reject", order: "RX-4"),
                Self.rule(t + 21, "her2-anthracycline-concurrent", order: "RX-4"),
            ],
            window: window
        )
        #expect(report.window == window)
        #expect(report.decisions == Report.Decisions(accept: 1, review: 1))
        #expect(report.rules.isEmpty)
    }

    @Test func anEmptyWindowGivesAnEmptyReport() {
        let window = Report.Window(since: t, until: t + 1)
        let report = Self.report([Self.verdict(t + 5, "reject", order: "RX-1")], window: window)
        #expect(report == Report(window: window))
    }

    @Test func otherProgramsEntriesAreIgnored() {
        let records = [
            // Another program, even with a MESSAGE_ID of ours.
            JournalRecord(
                realtime: t,
                fields: [
                    "SYSLOG_IDENTIFIER": "sshd", "_HOSTNAME": "rx9", "MESSAGE_ID": MessageIDs.orderVerdict,
                    "REGIMEN_GUARD_ENTRY": "verdict", "REGIMEN_GUARD_DECISION": "reject",
                ]
            ),
            // Ours by name, but neither a MESSAGE_ID nor a field the services write.
            Self.record(t, host: "rx8", ["MESSAGE_ID": "0123456789abcdef0123456789abcdef"]),
            Self.record(t, host: "rx7", [:]),
            JournalRecord(realtime: t, fields: ["_HOSTNAME": "rx6", "MESSAGE_ID": "fc2e22bc6ee647b6b90729ab34a250b1"]),
        ]
        let report = Self.report(records, perHost: true)
        #expect(report == Report(window: Report.Window()))
    }
}
