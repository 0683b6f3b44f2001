import Foundation
import RegimenGuardReport
import Testing

@Suite struct HTMLReportTests {
    @Test(arguments: ["rich", "empty"]) func thePageIsSelfContained(sample: String) {
        let report = sample == "rich" ? ReportSamples.rich : ReportSamples.empty
        let html = report.rendered(as: .html, context: ReportSamples.context)
        #expect(html.hasPrefix("<!doctype html>\n<html lang=\"en\">"))
        #expect(html.contains("<title>regimen-guard report: "))
        #expect(html.hasSuffix("</html>\n"))
        let lower = html.lowercased()
        for forbidden in ["<script", "http://", "https://", "<link", "<img", "@import", "url(", "src=", "href="] {
            #expect(!lower.contains(forbidden), "\(forbidden)")
        }
        #expect(lower.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil, "an event handler")
    }

    @Test func theRichPageHoldsEveryFigureAsTextWithStableAttributes() {
        let html = ReportSamples.rich.rendered(as: .html, context: ReportSamples.context)
        #expect(html.contains("<td data-decision=\"reject\"><span class=\"swatch reject\"></span>3</td>"))
        #expect(html.contains("<td data-decision=\"total\">22</td>"))
        #expect(html.contains("data-date=\"2026-11-27\" data-decision=\"invalid\">1</td>"))
        let her2 = "data-rule=\"her2-anthracycline-concurrent\""
        #expect(html.contains("<td class=\"num\" \(her2) data-figure=\"findings\">4</td>"))
        #expect(html.contains("<td class=\"num\" \(her2) data-figure=\"cards_overridden\">3</td>"))
        #expect(html.contains("\(her2) data-figure=\"override_rate\" data-value=\"0.75\">75.0%</td>"))
        #expect(html.contains("data-rule=\"lvef-monitoring-due\" data-figure=\"override_rate\">no feedback</td>"))
        #expect(html.contains("data-error=\"medications[].dose.unit\">2</td>"))
        #expect(html.contains("data-hook=\"order-sign\" data-decision=\"bad-request\">1</td>"))
        #expect(html.contains("data-figure=\"service_faults\">1</td>"))
        #expect(html.contains("data-figure=\"auth_failures\">2</td>"))
        // Both charts, accessible: role, title, description; the totals printed on the bars.
        #expect(
            html.contains("<svg id=\"chart-days\" role=\"img\" aria-labelledby=\"chart-days-title chart-days-desc\"")
        )
        #expect(html.contains("<svg id=\"chart-override\" role=\"img\""))
        #expect(html.contains("<title id=\"chart-override-title\">"))
        #expect(html.contains(">75.0% (3 of 4)</text>"))
        #expect(html.contains("<text class=\"none\""))
        #expect(html.contains("<th scope=\"col\">"))
        #expect(html.contains("<caption>"))
        #expect(html.contains("id=\"hosts-table\""))
    }

    @Test func namesFromTheJournalAreEscaped() {
        let html = ReportSamples.rich.rendered(as: .html, context: ReportSamples.context)
        #expect(!html.contains("<x>"))
        #expect(html.contains("data-rule=\"&lt;x&gt;&quot;&amp;rule\\\""))
        #expect(html.contains("ward&lt;x&gt;&quot;&amp;&#39;\nb"))
        #expect(html.contains("<code>a&quot;b\\c\nd</code>"))
        #expect(html.contains("2026.12 &quot;local&quot;"))
    }

    @Test func anEmptyWindowSaysSoWithoutCharts() {
        let html = ReportSamples.empty.rendered(as: .html, context: ReportSamples.context)
        #expect(html.contains("<p class=\"empty\" data-empty=\"orders\">No orders in this window.</p>"))
        #expect(html.contains("<td data-decision=\"total\">0</td>"))
        #expect(!html.contains("<svg"))
        #expect(!html.contains("id=\"hosts-table\""))
    }
}
