import RegimenGuardCore
import RegimenGuardSystemd

/// Renders verdicts for a person at a terminal: a verdict line per file, then each finding. Everything that comes
/// from the order or its file name is escaped (``LogText``): an order cannot move the cursor or paint over a line.
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

    private func clean(_ text: String) -> String { LogText.escape(text) }

    func render(_ verdict: Verdict, path: String) -> String {
        var out = "\(label(verdict.decision))  \(clean(path))"
        if let id = verdict.orderID { out += "  (order \(clean(id)))" }
        let counted = verdict.findings.filter { !$0.overridden }.count
        if verdict.decision == .invalid {
            out += "  \(verdict.errors.count) error\(verdict.errors.count == 1 ? "" : "s")\n"
        } else {
            out += "  \(counted) finding\(counted == 1 ? "" : "s")"
            let overridden = verdict.findings.count - counted
            out += overridden > 0 ? ", \(overridden) overridden\n" : "\n"
        }
        for error in verdict.errors {
            out += "  error  \(error.path.isEmpty ? "" : clean(error.path) + ": ")\(clean(error.message))\n"
        }
        // Most severe first, then in the verdict's order: a pharmacist reads what decides before the information.
        let ordered = verdict.findings.enumerated().sorted {
            ($1.element.severity, $0.offset) < ($0.element.severity, $1.offset)
        }
        for finding in ordered.map(\.element) {
            let severity =
                finding.overridden
                ? paint("overridden", "2") + " \(finding.severity.rawValue)" : label(finding.severity)
            out += "  \(severity)  \(clean(finding.rule)): \(clean(finding.summary))\n"
            for evidence in finding.evidence {
                var line = "      \(clean(evidence.path))"
                if let drug = evidence.drug { line += " \(clean(drug))" }
                if let start = evidence.start {
                    line +=
                        " \(clean(start))" + (evidence.drug != nil ? " to \(clean(evidence.end ?? "open-ended"))" : "")
                }
                if let note = evidence.note { line += " (\(clean(note)))" }
                out += line + "\n"
            }
            if let override = finding.override {
                out += "      override: \(clean(override.reason))\(override.by.map { " (by \(clean($0)))" } ?? "")\n"
            }
            out += "      what to do: \(clean(finding.recommendation))\n"
        }
        return out
    }
}
