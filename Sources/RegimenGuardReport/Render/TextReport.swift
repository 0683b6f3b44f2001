/// The report as plain text for a terminal: sections of aligned tables, in the order of the JSON document. Control
/// characters in names read from the journal are shown as `?`, so no entry can move the cursor or change colours.
enum TextReport {
    static func render(_ report: Report, context: RenderContext) -> String {
        var out = "regimen-guard report\n"
        out += table(
            [
                ["window", window(report.window, context: context)],
                ["generated", context.formatTime(context.generatedAt)],
                ["hosts", report.hosts.isEmpty ? "none" : report.hosts.map(plain).joined(separator: ", ")],
            ],
            numeric: []
        )
        out += section(report, context: context)
        if !report.perHost.isEmpty {
            out += "\nPer host\n"
            var rows = [["host", "accept", "review", "reject", "invalid", "total", "findings", "cards", "faults"]]
            for (host, figures) in RenderSupport.byKey(report.perHost) {
                let d = figures.decisions
                let findings = figures.rules.values.map(\.findings).reduce(0, +)
                let cards = figures.rules.values.map(\.cards).reduce(0, +)
                let faults = RenderSupport.faultCounts(figures.faults).map(\.count).reduce(0, +)
                rows.append(
                    [plain(host)]
                        + [d.accept, d.review, d.reject, d.invalid, d.total, findings, cards, faults].map(String.init)
                )
            }
            out += table(rows, numeric: Set(1...8))
        }
        return out
    }

    static func window(_ window: Report.Window, context: RenderContext) -> String {
        let since = window.since.map(context.formatTime) ?? "the start of the journal"
        let until = window.until.map(context.formatTime) ?? "its end"
        return "\(since) to \(until)"
    }

    /// Every figure of one report (the whole, or one host's).
    static func section(_ report: Report, context: RenderContext) -> String {
        var out = ""
        let d = report.decisions
        out += "\nSpool orders judged: \(d.total)\n"
        if d.total == 0 {
            out += "  no orders in this window\n"
        } else {
            out +=
                "  " + RenderSupport.decisionCounts(d).map { "\($0.name) \($0.count)" }.joined(separator: "   ")
                + "\n\n"
            var rows = [["day", "accept", "review", "reject", "invalid", "total"]]
            for day in report.days {
                let x = day.decisions
                rows.append([plain(day.date)] + [x.accept, x.review, x.reject, x.invalid, x.total].map(String.init))
            }
            out += table(rows, numeric: Set(1...5))
        }

        out += "\nRules (spool orders | CDS Hooks cards and their feedback)\n"
        let rules = RenderSupport.sortedRules(report)
        if rules.isEmpty {
            out += "  no rule fired in this window\n"
        } else {
            var rows = [
                [
                    "rule", "findings", "orders", "overridden", "|", "cards", "accepted", "overridden", "override rate",
                    "top override reasons",
                ]
            ]
            for (id, rule) in rules {
                let reasons = RenderSupport.byCount(rule.overrideReasons).prefix(3).map {
                    "\(plain($0.key)) (\($0.count))"
                }
                let more = rule.overrideReasons.count > 3 ? ", ..." : ""
                rows.append(
                    [plain(id)]
                        + [rule.findings, rule.orders, rule.overridden].map(String.init) + ["|"]
                        + [rule.cards, rule.cardsAccepted, rule.cardsOverridden].map(String.init)
                        + [RenderSupport.percent(rule) ?? "no feedback", reasons.joined(separator: ", ") + more]
                )
            }
            out += table(rows, numeric: [1, 2, 3, 5, 6, 7, 8])
        }

        out += "\nInvalid orders by kind of error (error path shape; an order counts once per shape)\n"
        if report.invalidErrors.isEmpty {
            out += "  none\n"
        } else {
            out += table(
                [["error", "orders"]]
                    + RenderSupport.byCount(report.invalidErrors).map { [plain($0.key), String($0.count)] },
                numeric: [1]
            )
        }

        out += "\nCDS Hooks requests\n"
        let requests = RenderSupport.byKey(report.cds.requests).flatMap { hook in
            RenderSupport.byKey(hook.value).map { [plain(hook.key), plain($0.key), String($0.value)] }
        }
        if requests.isEmpty {
            out += "  none\n"
        } else {
            out += table([["hook", "decision", "calls"]] + requests, numeric: [2])
        }
        let unmatched = RenderSupport.byKey(report.cds.unmatchedFeedback).map { "\(plain($0.key)) \($0.value)" }
        out += table(
            [
                ["feedback on unknown cards", unmatched.isEmpty ? "none" : unmatched.joined(separator: ", ")],
                ["calls refused (401)", String(report.cds.authFailures)],
            ],
            numeric: []
        )

        out += "\nFaults\n"
        out += table(RenderSupport.faultCounts(report.faults).map { [$0.label, String($0.count)] }, numeric: [1])

        out += "\nPolicy sets in force\n"
        let policies = RenderSupport.policies(report)
        if policies.isEmpty {
            out += "  none seen\n"
        } else {
            out += table(
                [["digest", "version", "first seen", "last seen"]]
                    + policies.map {
                        [
                            plain(RenderSupport.shortDigest($0.digest)), plain($0.version),
                            context.formatTime($0.firstSeen),
                            context.formatTime($0.lastSeen),
                        ]
                    },
                numeric: []
            )
        }
        return out
    }

    /// Rows as aligned columns, two spaces apart and indented by two; `numeric` columns are right-aligned.
    static func table(_ rows: [[String]], numeric: Set<Int>) -> String {
        var widths: [Int] = []
        for row in rows {
            for (index, cell) in row.enumerated() {
                if index >= widths.count { widths.append(0) }
                widths[index] = max(widths[index], cell.count)
            }
        }
        var out = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                line += "  " + (numeric.contains(index) ? pad + cell : index == row.count - 1 ? cell : cell + pad)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// `text` with control characters (C0, DEL, C1) replaced by `?`.
    static func plain(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                out += "?"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
