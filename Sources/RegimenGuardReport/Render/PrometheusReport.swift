/// The report in the Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector.
///
/// Counters are cumulative over the journal read (the packaged timer reads all of it, so PromQL's `increase()` and
/// `rate()` give any window); gauges say what holds now. Every family has one `# HELP` and one `# TYPE` line,
/// its samples follow together, label values are escaped (`\\`, `\"`, `\n`), and no series repeats. A family with
/// no series is left out. The figures are the whole journal read: for a figure per machine, run the report on each
/// machine into its own textfile (the node_exporter way; its `instance` label tells them apart). Docs/report.md
/// lists every metric.
enum PrometheusReport {
    struct Family {
        var name: String
        var help: String
        var type: String
        var samples: [(labels: [(String, String)], value: String)] = []
    }

    static func render(_ report: Report, context: RenderContext) -> String {
        render(families(report, context: context))
    }

    static func families(_ report: Report, context: RenderContext) -> [Family] {
        let rules = RenderSupport.byKey(report.rules)
        func counter(_ name: String, _ help: String) -> Family { Family(name: name, help: help, type: "counter") }
        func gauge(_ name: String, _ help: String) -> Family { Family(name: name, help: help, type: "gauge") }
        func perRule(_ family: Family, _ value: (Report.Rule) -> Int) -> Family {
            var family = family
            family.samples = rules.map { ([("rule", $0.key)], String(value($0.value))) }
            return family
        }

        var orders = counter("regimen_guard_orders_total", "Spool orders judged, by decision.")
        orders.samples = RenderSupport.decisionCounts(report.decisions).map {
            ([("decision", $0.name)], String($0.count))
        }

        var feedback = counter(
            "regimen_guard_cds_feedback_total",
            "CDS Hooks feedback items on the rule's cards, by outcome (accepted, overridden)."
        )
        var reasons = counter(
            "regimen_guard_cds_override_reasons_total",
            "CDS Hooks overridden feedback on the rule's cards, by override reason code ((none) when absent)."
        )
        var ratio = gauge(
            "regimen_guard_rule_override_ratio",
            "Share of the rule's CDS Hooks card feedback that overrode it (0 to 1); absent without feedback."
        )
        for (id, rule) in rules {
            if rule.cardsAccepted + rule.cardsOverridden > 0 {
                feedback.samples.append(([("rule", id), ("outcome", "accepted")], String(rule.cardsAccepted)))
                feedback.samples.append(([("rule", id), ("outcome", "overridden")], String(rule.cardsOverridden)))
            }
            for (code, count) in RenderSupport.byKey(rule.overrideReasons) {
                reasons.samples.append(([("rule", id), ("reason", code)], String(count)))
            }
            if let rate = RenderSupport.rate(rule) { ratio.samples.append(([("rule", id)], rate)) }
        }

        var requests = counter(
            "regimen_guard_cds_requests_total",
            "CDS Hooks calls, by hook and decision (accept, review, reject, invalid, bad-request)."
        )
        for (hook, decisions) in RenderSupport.byKey(report.cds.requests) {
            for (decision, count) in RenderSupport.byKey(decisions) {
                requests.samples.append(([("hook", hook), ("decision", decision)], String(count)))
            }
        }
        var unmatched = counter(
            "regimen_guard_cds_unmatched_feedback_total",
            "CDS Hooks feedback items on cards no card entry in the journal read issued, by outcome."
        )
        unmatched.samples = RenderSupport.byKey(report.cds.unmatchedFeedback).map {
            ([("outcome", $0.key)], String($0.value))
        }
        var auth = counter("regimen_guard_cds_auth_failures_total", "CDS Hooks calls refused with 401.")
        auth.samples = [([], String(report.cds.authFailures))]

        var invalid = counter(
            "regimen_guard_invalid_orders_total",
            "Invalid spool orders, by error path shape (an order counts once per shape)."
        )
        invalid.samples = RenderSupport.byKey(report.invalidErrors).map { ([("error", $0.key)], String($0.value)) }

        func scalar(_ name: String, _ help: String, _ value: Int) -> Family {
            var family = counter(name, help)
            family.samples = [([], String(value))]
            return family
        }

        let policies = RenderSupport.policies(report)
        var info = gauge("regimen_guard_policy_info", "A policy set seen in force in the journal read (always 1).")
        var first = gauge(
            "regimen_guard_policy_first_seen_timestamp_seconds",
            "When an entry first named the policy set (Unix time)."
        )
        var last = gauge(
            "regimen_guard_policy_last_seen_timestamp_seconds",
            "When an entry last named the policy set (Unix time)."
        )
        for policy in policies {
            info.samples.append(([("digest", policy.digest), ("version", policy.version)], "1"))
            first.samples.append(([("digest", policy.digest)], RenderSupport.seconds(policy.firstSeen)))
            last.samples.append(([("digest", policy.digest)], RenderSupport.seconds(policy.lastSeen)))
        }
        var generated = gauge(
            "regimen_guard_report_generated_timestamp_seconds",
            "When the report was made (Unix time)."
        )
        generated.samples = [([], RenderSupport.seconds(context.generatedAt))]

        return [
            orders,
            perRule(
                counter("regimen_guard_rule_findings_total", "Findings of the rule in spool verdicts."),
                \.findings
            ),
            perRule(
                counter(
                    "regimen_guard_rule_orders_total",
                    "Distinct spool orders with at least one finding of the rule."
                ),
                \.orders
            ),
            perRule(
                counter(
                    "regimen_guard_rule_overridden_orders_total",
                    "Distinct spool orders whose documented overrides covered the rule's findings."
                ),
                \.overridden
            ),
            perRule(counter("regimen_guard_cds_cards_total", "CDS Hooks cards issued for the rule."), \.cards),
            feedback,
            reasons,
            ratio,
            requests,
            unmatched,
            auth,
            invalid,
            scalar("regimen_guard_service_faults_total", "Service faults logged.", report.faults.serviceFaults),
            scalar("regimen_guard_quarantined_total", "Spool entries moved to quarantine.", report.faults.quarantined),
            scalar(
                "regimen_guard_policy_reloads_failed_total",
                "Policy reloads refused (the last good set kept).",
                report.faults.reloadsFailed
            ),
            scalar(
                "regimen_guard_cds_key_reloads_failed_total",
                "JWKS reloads refused by the CDS Hooks service (the last good keys kept).",
                report.faults.keyReloadsFailed
            ),
            info,
            first,
            last,
            generated,
        ]
    }

    static func render(_ families: [Family]) -> String {
        var out = ""
        for family in families where !family.samples.isEmpty {
            out += "# HELP \(family.name) \(escape(family.help, quote: false))\n"
            out += "# TYPE \(family.name) \(family.type)\n"
            for sample in family.samples {
                out += family.name
                if !sample.labels.isEmpty {
                    out +=
                        "{" + sample.labels.map { "\($0.0)=\"\(escape($0.1, quote: true))\"" }.joined(separator: ",")
                        + "}"
                }
                out += " \(sample.value)\n"
            }
        }
        return out
    }

    /// Text escaped as the exposition format asks: backslash and line feed always, the double quote in a label
    /// value (`quote: true`), not in HELP text.
    static func escape(_ text: String, quote: Bool) -> String {
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"" where quote: out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
