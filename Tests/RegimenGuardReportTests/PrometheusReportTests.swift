import Foundation
import RegimenGuardReport
import TestSupport
import Testing

@Suite struct PrometheusReportTests {
    struct Family {
        var help = 0
        var type: String?
        var samples: [String] = []
    }

    /// The families of an exposition, checked line by line: HELP and TYPE once each, before the samples, which
    /// follow together.
    func families(_ text: String) throws -> [String: Family] {
        var families: [String: Family] = [:]
        var current = ""
        var closed: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            if line.hasPrefix("# HELP ") {
                if current != parts[2] { closed.insert(current) }
                current = parts[2]
                #expect(!closed.contains(current), "family \(current) is split")
                families[current, default: Family()].help += 1
            } else if line.hasPrefix("# TYPE ") {
                #expect(parts[2] == current)
                #expect(families[current]?.type == nil)
                families[current, default: Family()].type = parts[3]
            } else {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                #expect(name == current, "sample \(line) outside its family")
                families[current, default: Family()].samples.append(String(line))
            }
        }
        return families
    }

    @Test func everyFamilyHasHelpAndTypeAndCountersEndInTotal() throws {
        let text = ReportSamples.rich.rendered(as: .prometheus, context: ReportSamples.context)
        let families = try families(text)
        for (name, family) in families {
            #expect(name.hasPrefix("regimen_guard_"))
            #expect(family.help == 1, "\(name) HELP")
            #expect(family.type == "counter" || family.type == "gauge", "\(name) TYPE")
            #expect((family.type == "counter") == name.hasSuffix("_total"), "\(name)")
            #expect(!family.samples.isEmpty)
        }
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let series = samples.map { $0[..<$0.lastIndex(of: " ")!] }
        #expect(Set(series).count == series.count, "a series repeats")
        for expected in [
            "regimen_guard_orders_total{decision=\"accept\"} 12",
            "regimen_guard_orders_total{decision=\"invalid\"} 2",
            "regimen_guard_rule_findings_total{rule=\"lvef-monitoring-due\"} 7",
            "regimen_guard_rule_orders_total{rule=\"her2-anthracycline-concurrent\"} 3",
            "regimen_guard_rule_overridden_orders_total{rule=\"her2-anthracycline-concurrent\"} 1",
            "regimen_guard_cds_cards_total{rule=\"her2-anthracycline-concurrent\"} 6",
            "regimen_guard_cds_feedback_total{rule=\"her2-anthracycline-concurrent\",outcome=\"overridden\"} 3",
            "regimen_guard_cds_override_reasons_total{rule=\"her2-anthracycline-concurrent\",reason=\"protocol-population\"} 2",
            "regimen_guard_rule_override_ratio{rule=\"her2-anthracycline-concurrent\"} 0.75",
            "regimen_guard_cds_requests_total{hook=\"order-sign\",decision=\"bad-request\"} 1",
            "regimen_guard_cds_unmatched_feedback_total{outcome=\"overridden\"} 1",
            "regimen_guard_cds_auth_failures_total 2",
            "regimen_guard_invalid_orders_total{error=\"medications[].dose.unit\"} 2",
            "regimen_guard_service_faults_total 1",
            "regimen_guard_quarantined_total 2",
            "regimen_guard_policy_reloads_failed_total 1",
            "regimen_guard_cds_key_reloads_failed_total 0",
            "regimen_guard_policy_info{digest=\"sha256:\(String(repeating: "cd", count: 32))\",version=\"2026.12 \\\"local\\\"\"} 1",
            "regimen_guard_policy_last_seen_timestamp_seconds{digest=\"sha256:\(String(repeating: "ab", count: 32))\"} 1795800000.25",
            "regimen_guard_report_generated_timestamp_seconds 1796126400",
        ] {
            #expect(samples.contains(Substring(expected)), "\(expected)")
        }
        // Rules without feedback have no ratio (it is undefined, not 0).
        #expect(!text.contains("regimen_guard_rule_override_ratio{rule=\"lvef-monitoring-due\"}"))
    }

    @Test func labelValuesAreEscaped() {
        let text = ReportSamples.rich.rendered(as: .prometheus, context: ReportSamples.context)
        #expect(text.contains("regimen_guard_rule_findings_total{rule=\"<x>\\\"&rule\\\\\"} 1\n"))
        #expect(
            text.contains(
                "regimen_guard_cds_override_reasons_total{rule=\"<x>\\\"&rule\\\\\",reason=\"a\\\"b\\\\c\\nd\"} 1\n"
            )
        )
    }

    @Test func anEmptyWindowHasZeroCountersAndNoPerRuleFamilies() throws {
        let text = ReportSamples.empty.rendered(as: .prometheus, context: ReportSamples.context)
        let families = try families(text)
        #expect(families["regimen_guard_orders_total"]?.samples.count == 4)
        #expect(text.contains("regimen_guard_orders_total{decision=\"reject\"} 0\n"))
        #expect(text.contains("regimen_guard_service_faults_total 0\n"))
        #expect(families["regimen_guard_rule_findings_total"] == nil)
        #expect(families["regimen_guard_policy_info"] == nil)
    }

    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// promtool (Debian's `prometheus` package, which .ci/run installs) checks the format and the naming
    /// conventions. Without it the test does not run and says why; .ci/run installs it, so CI always runs it.
    @Test(
        .enabled(
            if: promtool != nil,
            "needs promtool (Debian package prometheus, which .ci/run installs; Tests/report/run requires it too)"
        ),
        arguments: ["rich", "empty"]
    )
    func promtoolAcceptsTheExposition(sample: String) throws {
        let promtool = try #require(Self.promtool)
        let report = sample == "rich" ? ReportSamples.rich : ReportSamples.empty
        let text = report.rendered(as: .prometheus, context: ReportSamples.context)
        let result = try ProcessRunner.run(promtool, ["check", "metrics"], stdin: text)
        #expect(result.status == 0, "promtool: \(result.stdout)\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.isEmpty, "promtool: \(result.stdout)\(result.stderr)")
    }
}
