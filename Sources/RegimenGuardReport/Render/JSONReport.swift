/// The report as the JSON document of `Schemas/report.schema.json` (Docs/report.md, section JSON): keys in a fixed
/// order for the document's own members and sorted for maps keyed by data (rule ids, hosts, codes), two-space
/// indented, so the bytes depend only on the figures and the time the report was made.
enum JSONReport {
    /// The document's version: changes only when a member is removed or changes meaning (members may be added).
    static let version = "1"

    static func render(_ report: Report, context: RenderContext) -> String {
        var members: [(String, ReportJSON.Value)] = [
            ("report_version", .string(version)),
            ("generated_at", .string(context.formatTime(context.generatedAt))),
        ]
        members += body(report, context: context)
        if !report.perHost.isEmpty {
            members.append(
                (
                    "per_host",
                    .object(
                        RenderSupport.byKey(report.perHost).map { ($0.key, .object(body($0.value, context: context))) }
                    )
                )
            )
        }
        return ReportJSON.render(.object(members))
    }

    /// The members a whole report and each host's share.
    static func body(_ report: Report, context: RenderContext) -> [(String, ReportJSON.Value)] {
        func time(_ microseconds: UInt64?) -> ReportJSON.Value {
            microseconds.map { .string(context.formatTime($0)) } ?? .null
        }
        func counts(_ map: [String: Int]) -> ReportJSON.Value {
            .object(RenderSupport.byKey(map).map { ($0.key, .int($0.value)) })
        }
        func decisions(_ decisions: Report.Decisions) -> ReportJSON.Value {
            .object(
                RenderSupport.decisionCounts(decisions).map { ($0.name, .int($0.count)) } + [
                    ("total", .int(decisions.total))
                ]
            )
        }
        let rules = RenderSupport.byKey(report.rules).map { entry -> (String, ReportJSON.Value) in
            let rule = entry.value
            return (
                entry.key,
                .object([
                    ("findings", .int(rule.findings)),
                    ("orders", .int(rule.orders)),
                    ("overridden", .int(rule.overridden)),
                    ("cards", .int(rule.cards)),
                    ("cards_accepted", .int(rule.cardsAccepted)),
                    ("cards_overridden", .int(rule.cardsOverridden)),
                    ("override_rate", RenderSupport.rate(rule).map { .number($0) } ?? .null),
                    ("override_reasons", counts(rule.overrideReasons)),
                ])
            )
        }
        return [
            ("window", .object([("since", time(report.window.since)), ("until", time(report.window.until))])),
            ("hosts", .array(report.hosts.map { .string($0) })),
            ("decisions", decisions(report.decisions)),
            (
                "days",
                .array(
                    report.days.map { .object([("date", .string($0.date)), ("decisions", decisions($0.decisions))]) }
                )
            ),
            ("rules", .object(rules)),
            ("invalid_errors", counts(report.invalidErrors)),
            (
                "cds",
                .object([
                    ("requests", .object(RenderSupport.byKey(report.cds.requests).map { ($0.key, counts($0.value)) })),
                    ("unmatched_feedback", counts(report.cds.unmatchedFeedback)),
                    ("auth_failures", .int(report.cds.authFailures)),
                ])
            ),
            ("faults", .object(RenderSupport.faultCounts(report.faults).map { ($0.name, .int($0.count)) })),
            (
                "policies",
                .array(
                    RenderSupport.policies(report).map {
                        .object([
                            ("digest", .string($0.digest)),
                            ("version", .string($0.version)),
                            ("first_seen", .string(context.formatTime($0.firstSeen))),
                            ("last_seen", .string(context.formatTime($0.lastSeen))),
                        ])
                    }
                )
            ),
        ]
    }
}

/// A small JSON writer: members in the order given, two-space indent, strings escaped per RFC 8259 (quote,
/// backslash and every control character; the rest is UTF-8 as is). The module does not depend on the core, whose
/// writer is the same shape.
enum ReportJSON {
    indirect enum Value {
        case null
        case int(Int)
        /// A number already written as JSON (`0.75`).
        case number(String)
        case string(String)
        case array([Value])
        case object([(String, Value)])
    }

    static func render(_ value: Value) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        out += "\n"
        return out
    }

    private static func write(_ value: Value, indent: Int, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .int(let n): out += String(n)
        case .number(let text): out += text
        case .string(let s): out += quoted(s)
        case .array(let elements):
            guard !elements.isEmpty else {
                out += "[]"
                return
            }
            out += "["
            for (index, element) in elements.enumerated() {
                out += index > 0 ? ",\n" : "\n"
                out += String(repeating: " ", count: indent + 2)
                write(element, indent: indent + 2, into: &out)
            }
            out += "\n" + String(repeating: " ", count: indent) + "]"
        case .object(let members):
            guard !members.isEmpty else {
                out += "{}"
                return
            }
            out += "{"
            for (index, (key, member)) in members.enumerated() {
                out += index > 0 ? ",\n" : "\n"
                out += String(repeating: " ", count: indent + 2) + quoted(key) + ": "
                write(member, indent: indent + 2, into: &out)
            }
            out += "\n" + String(repeating: " ", count: indent) + "}"
        }
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        let hex = Array("0123456789abcdef")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{00}"..."\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}":
                let v = Int(scalar.value)
                out += "\\u"
                for shift in [12, 8, 4, 0] { out.append(hex[(v >> shift) & 0xF]) }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
