/// The report as one self-contained HTML page: an inline `<style>`, no script, no font, image or link to anywhere
/// else (hospital networks are closed), the text report's tables and two inline SVG charts (orders per day by
/// decision; per-rule override rate). Every figure is text in the DOM with stable attributes (`data-rule` +
/// `data-figure`, `data-decision`, `data-date`, `data-error`, `data-hook`, `data-host`), so a test or a scraper
/// finds it without the charts; colour is never the only carrier (every bar's number is printed). Everything read
/// from the journal is HTML-escaped.
enum HTMLReport {
    static func render(_ report: Report, context: RenderContext) -> String {
        let window = TextReport.window(report.window, context: context)
        var out = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>regimen-guard report: \(escape(window))</title>
            <style>\(style)</style>
            </head>
            <body>
            <header>
            <h1>regimen-guard report</h1>
            <dl class="meta">
            <dt>Window</dt><dd id="window" data-since="\(escape(report.window.since.map(context.formatTime) ?? ""))" data-until="\(escape(report.window.until.map(context.formatTime) ?? ""))">\(escape(window))</dd>
            <dt>Generated</dt><dd id="generated-at">\(escape(context.formatTime(context.generatedAt)))</dd>
            <dt>Hosts</dt><dd id="hosts">\(report.hosts.isEmpty ? "none" : report.hosts.map { "<span class=\"host\" data-host=\"\(escape($0))\">\(escape($0))</span>" }.joined(separator: ", "))</dd>
            </dl>
            <p class="note">Counts and codes from the journal only: no patient data. How to read them: Docs/report.md.</p>
            </header>
            <main>

            """
        out += sections(report, context: context)
        if !report.perHost.isEmpty { out += perHost(report) }
        out += """
            </main>
            <footer>regimen-guard report, document version \(JSONReport.version). Override rates come from CDS Hooks \
            feedback; an override is a clinician's documented decision, not an error.</footer>
            </body>
            </html>

            """
        return out
    }

    // MARK: - Sections

    static func sections(_ report: Report, context: RenderContext) -> String {
        var out = ""
        let d = report.decisions

        out += "<section id=\"orders\">\n<h2>Spool orders judged</h2>\n"
        out += "<table id=\"decisions-table\" class=\"figures\">\n"
        out += "<caption>Spool orders judged in the window, by decision</caption>\n<thead><tr>"
        for (name, _) in RenderSupport.decisionCounts(d) { out += "<th scope=\"col\">\(name)</th>" }
        out += "<th scope=\"col\">total</th></tr></thead>\n<tbody><tr>"
        for (name, count) in RenderSupport.decisionCounts(d) {
            out += "<td data-decision=\"\(name)\"><span class=\"swatch \(name)\"></span>\(count)</td>"
        }
        out += "<td data-decision=\"total\">\(d.total)</td></tr></tbody>\n</table>\n"
        if d.total == 0 {
            out += "<p class=\"empty\" data-empty=\"orders\">No orders in this window.</p>\n"
        } else {
            out += "<h3>Orders per day</h3>\n" + daysChart(report.days)
            out += "<table id=\"days-table\">\n<caption>Spool orders per day, by decision</caption>\n<thead><tr>"
            out += "<th scope=\"col\">day</th>"
            for (name, _) in RenderSupport.decisionCounts(d) { out += "<th scope=\"col\" class=\"num\">\(name)</th>" }
            out += "<th scope=\"col\" class=\"num\">total</th></tr></thead>\n<tbody>\n"
            for day in report.days {
                let date = escape(day.date)
                out += "<tr data-date=\"\(date)\"><th scope=\"row\">\(date)</th>"
                for (name, count) in RenderSupport.decisionCounts(day.decisions) {
                    out += "<td class=\"num\" data-date=\"\(date)\" data-decision=\"\(name)\">\(count)</td>"
                }
                out +=
                    "<td class=\"num\" data-date=\"\(date)\" data-decision=\"total\">\(day.decisions.total)</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        out += "</section>\n"

        out += "<section id=\"rules\">\n<h2>Rules</h2>\n"
        let rules = RenderSupport.sortedRules(report)
        if rules.isEmpty {
            out += "<p class=\"empty\" data-empty=\"rules\">No rule fired in this window.</p>\n"
        } else {
            out += rulesTable(rules)
            out += "<h3>Override rate per rule</h3>\n" + overrideChart(rules)
        }
        out += "</section>\n"

        out += "<section id=\"invalid\">\n<h2>Invalid orders by kind of error</h2>\n"
        if report.invalidErrors.isEmpty {
            out += "<p class=\"empty\" data-empty=\"invalid\">No invalid orders.</p>\n"
        } else {
            out += "<table id=\"invalid-table\">\n<caption>Invalid spool orders by error path shape (an order counts "
            out += "once per shape; never a value)</caption>\n"
            out += "<thead><tr><th scope=\"col\">error</th><th scope=\"col\" class=\"num\">orders</th></tr></thead>\n"
            out += "<tbody>\n"
            for (shape, count) in RenderSupport.byCount(report.invalidErrors) {
                let e = escape(shape)
                out +=
                    "<tr><th scope=\"row\"><code>\(e)</code></th><td class=\"num\" data-error=\"\(e)\">\(count)</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        out += "</section>\n"

        out += "<section id=\"cds\">\n<h2>CDS Hooks requests</h2>\n"
        let requests = RenderSupport.byKey(report.cds.requests)
        if requests.isEmpty {
            out += "<p class=\"empty\" data-empty=\"cds\">No CDS Hooks calls.</p>\n"
        } else {
            out += "<table id=\"cds-table\">\n<caption>CDS Hooks calls by hook and decision</caption>\n"
            out += "<thead><tr><th scope=\"col\">hook</th><th scope=\"col\">decision</th>"
            out += "<th scope=\"col\" class=\"num\">calls</th></tr></thead>\n<tbody>\n"
            for (hook, decisions) in requests {
                for (decision, count) in RenderSupport.byKey(decisions) {
                    let h = escape(hook), x = escape(decision)
                    out += "<tr><th scope=\"row\">\(h)</th><td>\(x)</td>"
                    out += "<td class=\"num\" data-hook=\"\(h)\" data-decision=\"\(x)\">\(count)</td></tr>\n"
                }
            }
            out += "</tbody>\n</table>\n"
        }
        out += "<table id=\"cds-other-table\">\n<caption>Other CDS Hooks figures</caption>\n<tbody>\n"
        out += "<tr><th scope=\"row\">calls refused (401)</th>"
        out += "<td class=\"num\" data-figure=\"auth_failures\">\(report.cds.authFailures)</td></tr>\n"
        for outcome in Set(["accepted", "overridden"]).union(report.cds.unmatchedFeedback.keys).sorted() {
            let o = escape(outcome)
            out += "<tr><th scope=\"row\">feedback on unknown cards, \(o)</th>"
            out += "<td class=\"num\" data-figure=\"unmatched_feedback\" data-outcome=\"\(o)\">"
            out += "\(report.cds.unmatchedFeedback[outcome] ?? 0)</td></tr>\n"
        }
        out += "</tbody>\n</table>\n</section>\n"

        out += "<section id=\"faults\">\n<h2>Faults</h2>\n<table id=\"faults-table\">\n"
        out += "<caption>Faults the services logged</caption>\n<tbody>\n"
        for (name, label, count) in RenderSupport.faultCounts(report.faults) {
            out += "<tr><th scope=\"row\">\(label)</th>"
            out += "<td class=\"num\(count > 0 ? " alert" : "")\" data-figure=\"\(name)\">\(count)</td></tr>\n"
        }
        out += "</tbody>\n</table>\n</section>\n"

        out += "<section id=\"policies\">\n<h2>Policy sets in force</h2>\n"
        let policies = RenderSupport.policies(report)
        if policies.isEmpty {
            out += "<p class=\"empty\" data-empty=\"policies\">No policy set named in this window.</p>\n"
        } else {
            out += "<table id=\"policies-table\">\n<caption>Policy sets seen, by first seen</caption>\n"
            out += "<thead><tr><th scope=\"col\">digest</th><th scope=\"col\">version</th>"
            out += "<th scope=\"col\">first seen</th><th scope=\"col\">last seen</th></tr></thead>\n<tbody>\n"
            for policy in policies {
                let digest = escape(policy.digest)
                out += "<tr data-digest=\"\(digest)\"><th scope=\"row\"><code title=\"\(digest)\">"
                out += "\(escape(RenderSupport.shortDigest(policy.digest)))</code></th>"
                out += "<td data-figure=\"version\">\(escape(policy.version))</td>"
                out += "<td data-figure=\"first_seen\">\(escape(context.formatTime(policy.firstSeen)))</td>"
                out += "<td data-figure=\"last_seen\">\(escape(context.formatTime(policy.lastSeen)))</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        out += "</section>\n"
        return out
    }

    static func rulesTable(_ rules: [(id: String, rule: Report.Rule)]) -> String {
        var out = "<table id=\"rules-table\">\n"
        out += "<caption>Per rule: spool findings and orders; CDS Hooks cards and their feedback</caption>\n<thead>\n"
        out += "<tr><th scope=\"col\" rowspan=\"2\">rule</th><th scope=\"colgroup\" colspan=\"3\">spool orders</th>"
        out += "<th scope=\"colgroup\" colspan=\"4\">CDS Hooks cards</th>"
        out += "<th scope=\"col\" rowspan=\"2\">override reasons</th></tr>\n<tr>"
        for title in ["findings", "orders", "overridden", "issued", "accepted", "overridden", "override rate"] {
            out += "<th scope=\"col\" class=\"num\">\(title)</th>"
        }
        out += "</tr>\n</thead>\n<tbody>\n"
        for (id, rule) in rules {
            let r = escape(id)
            out += "<tr data-rule=\"\(r)\"><th scope=\"row\"><code>\(r)</code></th>"
            let figures = [
                ("findings", rule.findings), ("orders", rule.orders), ("overridden", rule.overridden),
                ("cards", rule.cards), ("cards_accepted", rule.cardsAccepted),
                ("cards_overridden", rule.cardsOverridden),
            ]
            for (name, value) in figures {
                out += "<td class=\"num\" data-rule=\"\(r)\" data-figure=\"\(name)\">\(value)</td>"
            }
            if let percent = RenderSupport.percent(rule), let rate = RenderSupport.rate(rule) {
                out += "<td class=\"num\" data-rule=\"\(r)\" data-figure=\"override_rate\" data-value=\"\(rate)\">"
                out += "\(percent)</td>"
            } else {
                out += "<td class=\"num none\" data-rule=\"\(r)\" data-figure=\"override_rate\">no feedback</td>"
            }
            let reasons = RenderSupport.byCount(rule.overrideReasons).map {
                "<li data-rule=\"\(r)\" data-reason=\"\(escape($0.key))\"><code>\(escape($0.key))</code> "
                    + "<span class=\"count\">\($0.count)</span></li>"
            }
            out +=
                reasons.isEmpty
                ? "<td class=\"none\">none</td>" : "<td><ul class=\"reasons\">\(reasons.joined())</ul></td>"
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
        return out
    }

    static func perHost(_ report: Report) -> String {
        var out = "<section id=\"per-host\">\n<h2>Per host</h2>\n<table id=\"hosts-table\">\n"
        out += "<caption>The main figures per host</caption>\n<thead><tr><th scope=\"col\">host</th>"
        for title in ["accept", "review", "reject", "invalid", "total", "findings", "cards", "faults"] {
            out += "<th scope=\"col\" class=\"num\">\(title)</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for (host, figures) in RenderSupport.byKey(report.perHost) {
            let h = escape(host)
            let d = figures.decisions
            out += "<tr data-host=\"\(h)\"><th scope=\"row\">\(h)</th>"
            let cells =
                RenderSupport.decisionCounts(d).map { (attribute: "data-decision=\"\($0.name)\"", value: $0.count) }
                + [
                    ("data-decision=\"total\"", d.total),
                    ("data-figure=\"findings\"", figures.rules.values.map(\.findings).reduce(0, +)),
                    ("data-figure=\"cards\"", figures.rules.values.map(\.cards).reduce(0, +)),
                    ("data-figure=\"faults\"", RenderSupport.faultCounts(figures.faults).map(\.count).reduce(0, +)),
                ]
            for (attribute, value) in cells {
                out += "<td class=\"num\" data-host=\"\(h)\" \(attribute)>\(value)</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n</section>\n"
        return out
    }

    // MARK: - Charts

    /// Stacked bars of the spool decisions per day, with a legend, axes and each day's total printed.
    static func daysChart(_ days: [Report.Day]) -> String {
        let width = 960.0, height = 320.0
        let left = 56.0, right = 16.0, top = 40.0, bottom = 64.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maxTotal = days.map(\.decisions.total).max() ?? 0
        let (axisMax, step) = niceScale(maxTotal)
        let slot = plotWidth / Double(max(days.count, 1))
        let barWidth = min(48, slot * 0.7)
        let labelEvery = max(1, Int((Double(days.count) * 84 / plotWidth).rounded(.up)))
        // A total above each bar while they fit side by side (the table below has every figure anyway).
        let showTotals = slot >= Double(String(maxTotal).count) * 7.5 + 4
        func y(_ value: Int) -> Double { top + plotHeight - plotHeight * Double(value) / Double(axisMax) }
        let c = RenderSupport.coordinate

        var out = "<figure class=\"chart\">\n"
        out += "<svg id=\"chart-days\" role=\"img\" aria-labelledby=\"chart-days-title chart-days-desc\" "
        out += "viewBox=\"0 0 \(c(width)) \(c(height))\">\n"
        out += "<title id=\"chart-days-title\">Spool orders per day, by decision</title>\n"
        out += "<desc id=\"chart-days-desc\">Stacked bars, one per day: accept, review, reject and invalid orders; "
        out += "the number above each bar, when there is room, is the day's total. The table below gives every "
        out += "figure.</desc>\n"
        // Grid and y axis.
        var tick = 0
        while tick <= axisMax {
            out += "<line class=\"grid\" x1=\"\(c(left))\" x2=\"\(c(width - right))\" y1=\"\(c(y(tick)))\" "
            out += "y2=\"\(c(y(tick)))\"/>"
            out +=
                "<text class=\"tick\" x=\"\(c(left - 8))\" y=\"\(c(y(tick) + 4))\" text-anchor=\"end\">\(tick)</text>\n"
            tick += step
        }
        out += "<text class=\"axis-label\" transform=\"translate(14 \(c(top + plotHeight / 2))) rotate(-90)\" "
        out += "text-anchor=\"middle\">orders</text>\n"
        out += "<text class=\"axis-label\" x=\"\(c(left + plotWidth / 2))\" y=\"\(c(height - 8))\" "
        out += "text-anchor=\"middle\">day</text>\n"
        // Bars.
        for (index, day) in days.enumerated() {
            let x = left + slot * Double(index) + (slot - barWidth) / 2
            var base = 0
            let date = escape(day.date)
            out += "<g class=\"day\" data-date=\"\(date)\">"
            for (name, count) in RenderSupport.decisionCounts(day.decisions) where count > 0 {
                let y0 = y(base), y1 = y(base + count)
                out += "<rect class=\"\(name)\" x=\"\(c(x))\" y=\"\(c(y1))\" width=\"\(c(barWidth))\" "
                out += "height=\"\(c(y0 - y1))\"><title>\(date) \(name): \(count)</title></rect>"
                base += count
            }
            if showTotals {
                out += "<text class=\"bar-total\" x=\"\(c(x + barWidth / 2))\" y=\"\(c(y(base) - 5))\" "
                out += "text-anchor=\"middle\">\(day.decisions.total)</text>"
            }
            if index % labelEvery == 0 {
                out += "<text class=\"tick\" x=\"\(c(x + barWidth / 2))\" y=\"\(c(top + plotHeight + 18))\" "
                out += "text-anchor=\"middle\">\(date)</text>"
            }
            out += "</g>\n"
        }
        out +=
            "<line class=\"axis\" x1=\"\(c(left))\" x2=\"\(c(width - right))\" y1=\"\(c(y(0)))\" y2=\"\(c(y(0)))\"/>\n"
        // Legend.
        var legendX = left
        out += "<g class=\"legend\">"
        for (name, _) in RenderSupport.decisionCounts(Report.Decisions()) {
            out += "<rect class=\"\(name)\" x=\"\(c(legendX))\" y=\"12\" width=\"14\" height=\"14\"/>"
            out += "<text x=\"\(c(legendX + 20))\" y=\"24\">\(name)</text>"
            legendX += 96
        }
        out += "</g>\n</svg>\n</figure>\n"
        return out
    }

    /// Horizontal bars of each rule's override rate (0-100%), with the rate and its denominator printed; a rule
    /// without feedback says so instead of a bar.
    static func overrideChart(_ rules: [(id: String, rule: Report.Rule)]) -> String {
        let rowHeight = 26.0, top = 36.0, bottom = 40.0, right = 150.0
        let longest = rules.map(\.id.count).max() ?? 0
        let left = min(360, max(120, Double(longest) * 7.4 + 20))
        let width = 960.0
        let plotWidth = width - left - right
        let height = top + rowHeight * Double(rules.count) + bottom
        let c = RenderSupport.coordinate
        func x(_ share: Double) -> Double { left + plotWidth * share }

        var out = "<figure class=\"chart\">\n"
        out += "<svg id=\"chart-override\" role=\"img\" aria-labelledby=\"chart-override-title chart-override-desc\" "
        out += "viewBox=\"0 0 \(c(width)) \(c(height))\">\n"
        out += "<title id=\"chart-override-title\">Override rate per rule (CDS Hooks card feedback)</title>\n"
        out += "<desc id=\"chart-override-desc\">One bar per rule: the share of its cards' feedback that overrode "
        out += "it, with the count of overridden and answered cards printed; rules without feedback are marked no "
        out += "feedback.</desc>\n"
        for percent in stride(from: 0, through: 100, by: 25) {
            let gx = x(Double(percent) / 100)
            out += "<line class=\"grid\" x1=\"\(c(gx))\" x2=\"\(c(gx))\" y1=\"\(c(top - 6))\" "
            out += "y2=\"\(c(height - bottom))\"/>"
            out +=
                "<text class=\"tick\" x=\"\(c(gx))\" y=\"\(c(top - 12))\" text-anchor=\"middle\">\(percent)%</text>\n"
        }
        out += "<text class=\"axis-label\" x=\"\(c(left + plotWidth / 2))\" y=\"\(c(height - 12))\" "
        out += "text-anchor=\"middle\">override rate (overridden / answered cards)</text>\n"
        for (index, entry) in rules.enumerated() {
            let rowY = top + rowHeight * Double(index)
            let r = escape(entry.id)
            let rule = entry.rule
            let answered = rule.cardsAccepted + rule.cardsOverridden
            out += "<g class=\"rule\" data-rule=\"\(r)\">"
            out += "<text class=\"rule-id\" x=\"\(c(left - 10))\" y=\"\(c(rowY + 17))\" text-anchor=\"end\">\(r)</text>"
            if let percent = RenderSupport.percent(rule) {
                let share = Double(rule.cardsOverridden) / Double(answered)
                out += "<rect class=\"track\" x=\"\(c(left))\" y=\"\(c(rowY + 5))\" width=\"\(c(plotWidth))\" "
                out += "height=\"16\"/>"
                out += "<rect class=\"rate\" x=\"\(c(left))\" y=\"\(c(rowY + 5))\" width=\"\(c(plotWidth * share))\" "
                out += "height=\"16\"><title>\(r): \(percent) overridden</title></rect>"
                out += "<text class=\"value\" x=\"\(c(x(1) + 8))\" y=\"\(c(rowY + 17))\">"
                out += "\(percent) (\(rule.cardsOverridden) of \(answered))</text>"
            } else {
                out += "<text class=\"none\" x=\"\(c(left + 4))\" y=\"\(c(rowY + 17))\">no feedback</text>"
            }
            out += "</g>\n"
        }
        out += "</svg>\n</figure>\n"
        return out
    }

    /// An axis maximum of at least `value` (and 1) and a tick step giving at most about 5 ticks: 1, 2 or 5 × 10^n.
    static func niceScale(_ value: Int) -> (max: Int, step: Int) {
        let target = max(value, 1)
        var base = 1
        while true {
            for factor in [1, 2, 5] where factor * base * 5 >= target {
                let step = factor * base
                return ((target + step - 1) / step * step, step)
            }
            base *= 10
        }
    }

    // MARK: - Text

    /// `text` safe in element content and double-quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static let style = """

        :root { color-scheme: light; --ink: #1d2329; --muted: #5b6670; --line: #d5dbe0; --band: #f4f6f8;
          --accept: #1b7f5b; --review: #d08a00; --reject: #c23b22; --invalid: #6b7480; --rate: #3b5ba9; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
          sans-serif; color: var(--ink); background: #fff; }
        header, main, footer { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
        header { padding-top: 24px; border-bottom: 1px solid var(--line); }
        h1 { font-size: 26px; margin: 0 0 8px; }
        h2 { font-size: 19px; margin: 32px 0 10px; }
        .meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 8px; }
        .meta dt { color: var(--muted); }
        .meta dd { margin: 0; }
        .note { color: var(--muted); font-size: 13px; }
        table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
        caption { text-align: left; color: var(--muted); font-size: 13px; padding: 4px 0; caption-side: top; }
        th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        thead th { background: var(--band); font-weight: 600; font-size: 13px; }
        tbody th { font-weight: 500; }
        .num { text-align: right; }
        td.none { color: var(--muted); font-style: italic; }
        td.alert { color: var(--reject); font-weight: 600; }
        #decisions-table td { font-size: 22px; font-weight: 600; min-width: 110px; }
        .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 8px; border-radius: 2px; }
        .swatch.accept { background: var(--accept); } .swatch.review { background: var(--review); }
        .swatch.reject { background: var(--reject); } .swatch.invalid { background: var(--invalid); }
        table { min-width: 480px; }
        th code, li, .num { white-space: nowrap; }
        h3 { font-size: 15px; margin: 20px 0 4px; color: var(--muted); font-weight: 600; }
        code { font: 13px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
        ul.reasons { list-style: none; margin: 0; padding: 0; }
        ul.reasons .count { color: var(--muted); }
        .empty { padding: 12px 16px; background: var(--band); border-radius: 4px; color: var(--muted); }
        figure.chart { margin: 8px 0 16px; }
        svg { width: 100%; height: auto; font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
        svg .grid { stroke: var(--line); stroke-width: 1; }
        svg .axis { stroke: var(--ink); stroke-width: 1; }
        svg .tick { fill: var(--muted); }
        svg .axis-label { fill: var(--muted); font-size: 13px; }
        svg .bar-total, svg .value { fill: var(--ink); font-weight: 600; }
        svg .rule-id { fill: var(--ink); font: 12px ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
        svg .none { fill: var(--muted); font-style: italic; }
        svg .accept { fill: var(--accept); } svg .review { fill: var(--review); }
        svg .reject { fill: var(--reject); } svg .invalid { fill: var(--invalid); }
        svg .track { fill: var(--band); } svg .rate { fill: var(--rate); }
        footer { margin-top: 32px; padding-top: 12px; padding-bottom: 24px; border-top: 1px solid var(--line);
          color: var(--muted); font-size: 13px; }
        @media print { body { font-size: 12px; } h2 { break-after: avoid; } table, figure { break-inside: avoid; } }

        """
}
