import RegimenGuardCore

/// Renders verdicts for a person at a terminal: a verdict line per file, then each finding.
struct HumanOutput {
    var colour: Bool

    private func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    private func label(_ decision: Decision) -> String {
        let text = decision.rawValue.uppercased()
        switch decision {
        case .accept: return paint(text, "32")
        case .review: return paint(text, "33")
        case .reject: return paint(text, "1;31")
        case .invalid: return paint(text, "35")
        }
    }

    private func label(_ severity: Severity) -> String {
        switch severity {
        case .critical: paint("critical", "1;31")
        case .warning: paint("warning", "33")
        case .info: paint("info", "36")
        }
    }

    func render(_ verdict: Verdict, path: String) -> String {
        var out = "\(label(verdict.decision))  \(path)"
        if let id = verdict.orderID { out += "  (order \(id))" }
        let counted = verdict.findings.filter { !$0.overridden }.count
        if verdict.decision == .invalid {
            out += "  \(verdict.errors.count) error\(verdict.errors.count == 1 ? "" : "s")\n"
        } else {
            out += "  \(counted) finding\(counted == 1 ? "" : "s")"
            let overridden = verdict.findings.count - counted
            out += overridden > 0 ? ", \(overridden) overridden\n" : "\n"
        }
        for error in verdict.errors {
            out += "  error  \(error.path.isEmpty ? "" : error.path + ": ")\(error.message)\n"
        }
        // Worst first (the sort is stable: within a severity, the policy's order).
        for finding in verdict.findings.sorted(by: { $0.severity > $1.severity }) {
            let severity = finding.overridden ? paint("overridden", "2") + " \(finding.severity.rawValue)" : label(finding.severity)
            out += "  \(severity)  \(finding.rule): \(finding.summary)\n"
            for evidence in finding.evidence {
                var line = "      \(evidence.path)"
                if let drug = evidence.drug { line += " \(drug)" }
                if let start = evidence.start { line += " \(start)" + (evidence.drug != nil ? " to \(evidence.end ?? "open-ended")" : "") }
                if let note = evidence.note { line += " (\(note))" }
                out += line + "\n"
            }
            if let override = finding.override {
                out += "      override: \(override.reason)\(override.by.map { " (by \($0))" } ?? "")\n"
            }
            out += "      what to do: \(finding.recommendation)\n"
        }
        return out
    }
}
