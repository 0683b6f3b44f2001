import Foundation
import RegimenGuardReport
import Testing

@Suite struct JSONReportTests {
    static let documentKeys: Set<String> = [
        "report_version", "generated_at", "window", "hosts", "decisions", "days", "rules", "invalid_errors", "cds",
        "faults", "policies",
    ]

    func parse(_ report: Report) throws -> [String: Any] {
        let text = report.rendered(as: .json, context: ReportSamples.context)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func theRichDocumentParsesBackWithTheDocumentedMembers() throws {
        let document = try parse(ReportSamples.rich)
        #expect(Set(document.keys) == Self.documentKeys.union(["per_host"]))
        #expect(document["report_version"] as? String == "1")
        #expect(document["generated_at"] as? String == "2026-12-01T12:00:00Z")
        let window = try #require(document["window"] as? [String: Any])
        #expect(window["since"] as? String == "2026-11-24T12:00:00Z")
        #expect(window["until"] as? String == "2026-12-01T12:00:00Z")
        let decisions = try #require(document["decisions"] as? [String: Int])
        #expect(decisions == ["accept": 12, "review": 5, "reject": 3, "invalid": 2, "total": 22])
        let days = try #require(document["days"] as? [[String: Any]])
        #expect(days.map { $0["date"] as? String } == ["2026-11-24", "2026-11-25", "2026-11-27"])
        let rules = try #require(document["rules"] as? [String: [String: Any]])
        let her2 = try #require(rules["her2-anthracycline-concurrent"])
        #expect(
            Set(her2.keys) == [
                "findings", "orders", "overridden", "cards", "cards_accepted", "cards_overridden", "override_rate",
                "override_reasons",
            ]
        )
        #expect(her2["findings"] as? Int == 4)
        #expect(her2["cards_overridden"] as? Int == 3)
        #expect(her2["override_rate"] as? Double == 0.75)
        #expect(her2["override_reasons"] as? [String: Int] == ["protocol-population": 2, "(none)": 1])
        #expect(rules["lvef-monitoring-due"]?["override_rate"] is NSNull)
        #expect(rules[ReportSamples.hostileRule]?["override_reasons"] as? [String: Int] == ["a\"b\\c\nd": 1])
        #expect(document["invalid_errors"] as? [String: Int] == ["medications[].dose.unit": 2, "(file)": 1])
        let cds = try #require(document["cds"] as? [String: Any])
        #expect((cds["requests"] as? [String: [String: Int]])?["order-sign"]?["bad-request"] == 1)
        #expect(cds["unmatched_feedback"] as? [String: Int] == ["overridden": 1])
        #expect(cds["auth_failures"] as? Int == 2)
        #expect(
            document["faults"] as? [String: Int] == [
                "service_faults": 1, "quarantined": 2, "reloads_failed": 1, "key_reloads_failed": 0,
            ]
        )
        let policies = try #require(document["policies"] as? [[String: String]])
        #expect(policies.map { $0["version"] } == ["2026.11", "2026.12 \"local\""])
        #expect(policies[0]["last_seen"] == "2026-11-27T17:20:00.250000Z")
        let perHost = try #require(document["per_host"] as? [String: [String: Any]])
        #expect(Set(perHost.keys) == ["pharmacy-a", ReportSamples.hostileHost])
        for host in perHost.values {
            #expect(Set(host.keys) == Self.documentKeys.subtracting(["report_version", "generated_at"]))
        }
        #expect((perHost[ReportSamples.hostileHost]?["faults"] as? [String: Int])?["service_faults"] == 1)
    }

    @Test func theDocumentIsPrettyPrintedWithMembersInAFixedOrderAndMapsSorted() {
        let text = ReportSamples.rich.rendered(as: .json, context: ReportSamples.context)
        #expect(text.hasPrefix("{\n  \"report_version\": \"1\",\n  \"generated_at\": "))
        #expect(text.hasSuffix("}\n"))
        func position(_ key: String) -> String.Index? { text.range(of: "\"\(key)\": ")?.lowerBound }
        let order =
            ["report_version", "generated_at", "window", "hosts", "decisions", "days", "rules"]
            + ["invalid_errors", "cds", "faults", "policies", "per_host"]
        let positions = order.compactMap(position)
        #expect(positions.count == order.count && positions == positions.sorted())
        // Rule ids sorted: "<x>..." < "her2-..." < "lvef-...".
        let rulePositions = [#""<x>\"&rule\\""#, #""her2-anthracycline-concurrent""#, #""lvef-baseline-missing""#]
            .compactMap { text.range(of: "    \($0): {")?.lowerBound }
        #expect(rulePositions.count == 3 && rulePositions == rulePositions.sorted())
        // Rendering is deterministic.
        #expect(text == ReportSamples.rich.rendered(as: .json, context: ReportSamples.context))
    }

    @Test func anEmptyWindowIsAValidDocumentOfZeros() throws {
        let document = try parse(ReportSamples.empty)
        #expect(Set(document.keys) == Self.documentKeys)
        #expect((document["window"] as? [String: Any])?["until"] is NSNull)
        #expect(
            document["decisions"] as? [String: Int] == [
                "accept": 0, "review": 0, "reject": 0, "invalid": 0, "total": 0,
            ]
        )
        #expect((document["days"] as? [Any])?.isEmpty == true)
        #expect((document["rules"] as? [String: Any])?.isEmpty == true)
        #expect((document["hosts"] as? [Any])?.isEmpty == true)
    }
}

@Suite struct OverrideRateRenderingTests {
    /// One rule overridden on 2 of 3 answered cards, and one on 1 of 8.
    static var report: Report {
        var report = Report(window: .init())
        report.rules["two-of-three"] = ReportSamples.rule(
            findings: 0,
            orders: 0,
            overridden: 0,
            cards: 3,
            accepted: 1,
            overriddenCards: 2
        )
        report.rules["one-of-eight"] = ReportSamples.rule(
            findings: 0,
            orders: 0,
            overridden: 0,
            cards: 9,
            accepted: 7,
            overriddenCards: 1
        )
        return report
    }

    @Test func everyFormatWritesTheSameRoundedRate() throws {
        let context = ReportSamples.context
        let json = Self.report.rendered(as: .json, context: context)
        #expect(json.contains("\"override_rate\": 0.666667,"))
        #expect(json.contains("\"override_rate\": 0.125,"))
        let prometheus = Self.report.rendered(as: .prometheus, context: context)
        #expect(prometheus.contains("regimen_guard_rule_override_ratio{rule=\"two-of-three\"} 0.666667\n"))
        #expect(prometheus.contains("regimen_guard_rule_override_ratio{rule=\"one-of-eight\"} 0.125\n"))
        let text = Self.report.rendered(as: .text, context: context)
        #expect(text.contains(" 66.7%"))
        #expect(text.contains(" 12.5%"))
        let html = Self.report.rendered(as: .html, context: context)
        #expect(html.contains("data-value=\"0.666667\">66.7%</td>"))
        #expect(html.contains(">66.7% (2 of 3)</text>"))
        // A window open on both sides is null in JSON, and said in words elsewhere.
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(document["window"] as? [String: NSNull] == ["since": NSNull(), "until": NSNull()])
        #expect(text.contains("the start of the journal to its end"))
    }
}
