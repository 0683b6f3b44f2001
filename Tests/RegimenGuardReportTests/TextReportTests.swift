import RegimenGuardReport
import Testing

@Suite struct TextReportTests {
    @Test func theRichReportListsEveryFigureWithRulesByFindingsThenID() throws {
        let text = ReportSamples.rich.rendered(as: .text, context: ReportSamples.context)
        #expect(text.hasPrefix("regimen-guard report\n"))
        #expect(text.contains("2026-11-24T12:00:00Z to 2026-12-01T12:00:00Z"))
        #expect(text.contains("Spool orders judged: 22"))
        #expect(text.contains("accept 12   review 5   reject 3   invalid 2"))
        let lines = text.split(separator: "\n").map(String.init)
        let ruleLines = lines.filter { $0.hasPrefix("  lvef-") || $0.hasPrefix("  her2-") }
        // 7 findings first; then 4 and 4 by id.
        #expect(
            ruleLines.map { $0.split(separator: " ")[0] } == [
                "lvef-monitoring-due", "her2-anthracycline-concurrent", "lvef-baseline-missing",
            ]
        )
        let her2 = try #require(lines.first { $0.hasPrefix("  her2-anthracycline-concurrent") })
        #expect(
            her2.split(separator: " ").prefix(8).joined(separator: " ") == "her2-anthracycline-concurrent 4 3 1 | 6 1 3"
        )
        #expect(her2.hasSuffix(" 75.0%  protocol-population (2), (none) (1)"))
        let monitoring = try #require(lines.first { $0.hasPrefix("  lvef-monitoring-due") })
        #expect(monitoring.contains("no feedback"))
        #expect(text.contains("<x>\"&rule\\"))
        #expect(text.contains("medications[].dose.unit"))
        #expect(text.contains("sha256:abababababab "))
        #expect(text.contains("2026-11-27T17:20:00.250000Z"))
        // The hostile host's line feed never reaches the terminal.
        #expect(text.contains("ward<x>\"&'?b"))
        #expect(!text.contains("ward<x>\"&'\nb"))
        #expect(text.contains("Per host"))
    }

    @Test func anEmptyWindowSaysSo() {
        let text = ReportSamples.empty.rendered(as: .text, context: ReportSamples.context)
        #expect(text.contains("Spool orders judged: 0\n  no orders in this window\n"))
        #expect(text.contains("no rule fired in this window"))
        #expect(text.contains("to its end"))
        let lines = text.split(separator: "\n")
        #expect(lines.contains { $0.split(separator: " ") == ["service", "faults", "0"] })
        #expect(!text.contains("Per host"))
    }
}
