import CJOSE
import Foundation
import RegimenGuardCore

/// One CDS Hooks card, with what the decision log records about it.
struct Card: Sendable {
    var uuid: String
    var rule: String
    var indicator: Severity
    var summary: String
    var detail: String
    var sourceLabel: String
    var ruleTitle: String
    var overrideReasons: [OverrideReason]
    var suggestions: [Suggestion]
    /// A PHI-free fingerprint of the finding (rule and evidence paths), so the report can join repeated cards.
    var fingerprint: String

    struct Suggestion: Sendable {
        var uuid: String
        var label: String
        /// `MedicationRequest/<id>` to delete.
        var resourceID: String
    }

    var json: JSONOutput {
        var members: [(String, JSONOutput)] = [
            ("uuid", .string(uuid)),
            ("summary", .string(summary)),
            ("indicator", .string(indicator.rawValue)),
            ("detail", .string(detail)),
            (
                "source",
                .object([
                    ("label", .string(sourceLabel)),
                    (
                        "topic",
                        .object([
                            ("system", .string(CardBuilder.ruleSystem)), ("code", .string(rule)),
                            ("display", .string(ruleTitle)),
                        ])
                    ),
                ])
            ),
        ]
        if !suggestions.isEmpty {
            members.append(
                (
                    "suggestions",
                    .array(
                        suggestions.map { suggestion in
                            .object([
                                ("label", .string(suggestion.label)),
                                ("uuid", .string(suggestion.uuid)),
                                (
                                    "actions",
                                    .array([
                                        .object([
                                            ("type", .string("delete")),
                                            ("description", .string(suggestion.label)),
                                            ("resourceId", .string(suggestion.resourceID)),
                                        ])
                                    ])
                                ),
                            ])
                        }
                    )
                )
            )
            members.append(("selectionBehavior", .string("at-most-one")))
        }
        members.append(
            (
                "overrideReasons",
                .array(
                    overrideReasons.map {
                        .object([
                            ("system", .string(OverrideReason.system)), ("code", .string($0.code)),
                            ("display", .string($0.display)),
                        ])
                    }
                )
            )
        )
        return .object(members)
    }
}

/// A coded reason a clinician can pick to override a card.
struct OverrideReason: Sendable, Equatable {
    static let system = "urn:regimen-guard:override-reason"
    var code: String
    var display: String

    /// CDSHOOKS.md section 3's defaults, offered for every rule until the policy names its own.
    static let defaults = [
        OverrideReason(code: "trial-protocol", display: "Trial protocol"),
        OverrideReason(code: "documented-rationale", display: "Selected patient with documented rationale"),
        OverrideReason(code: "benefit-outweighs-risk", display: "Benefit outweighs risk"),
        OverrideReason(code: "patient-declined-alternative", display: "Patient informed and declined alternative"),
    ]
}

/// Turns a verdict on the joined Bundle into cards (CDSHOOKS.md section 3).
struct CardBuilder {
    static let ruleSystem = "urn:regimen-guard:rule"
    static let summaryLimit = 140

    var policy: PolicySet
    var service: HookService
    var entries: [BundleJoin.Entry]
    /// `order-select`'s `selections` (`MedicationRequest/<id>`); ignored for `order-sign`.
    var selections: Set<String> = []
    var makeUUID: () -> String = { UUID().uuidString.lowercased() }

    func cards(for verdict: Verdict) -> [Card] {
        if verdict.decision == .invalid { return [couldNotBeChecked(verdict)] }
        var findings = verdict.findings.filter { !$0.overridden }
        if service == .orderSelect {
            findings = findings.filter { finding in
                finding.evidence.contains { evidence in
                    guard let entry = entry(for: evidence), entry.draftIndex != nil, let reference = entry.reference
                    else { return false }
                    return selections.contains(reference)
                }
            }
        }
        // Critical, warning, info; the verdict's order within a severity.
        let ordered = findings.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity > b.element.severity : a.offset < b.offset
        }.map(\.element)
        return ordered.map(card)
    }

    /// The entry an evidence path (`Bundle.entry[3]` or `Bundle.entry[3].resource...`) points to.
    func entry(for evidence: Evidence) -> BundleJoin.Entry? {
        let prefix = "Bundle.entry["
        guard evidence.path.hasPrefix(prefix) else { return nil }
        let digits = evidence.path.dropFirst(prefix.count).prefix { $0.isNumber }
        guard let index = Int(digits), evidence.path.dropFirst(prefix.count + digits.count).hasPrefix("]"),
            entries.indices.contains(index)
        else { return nil }
        return entries[index]
    }

    func card(_ finding: Finding) -> Card {
        var indicator = finding.severity
        if service == .orderSelect, indicator == .critical { indicator = .warning }  // not signed yet
        let title = policy.rules.first { $0.id == finding.rule }?.title ?? finding.title
        return Card(
            uuid: makeUUID(),
            rule: finding.rule,
            indicator: indicator,
            summary: CardBuilder.truncate(finding.summary),
            detail: detail(finding),
            sourceLabel: "regimen-guard \(policy.version)",
            ruleTitle: title,
            overrideReasons: OverrideReason.defaults,
            suggestions: suggestions(finding),
            fingerprint: CardBuilder.fingerprint(finding)
        )
    }

    func detail(_ finding: Finding) -> String {
        var text = finding.detail
        if !finding.evidence.isEmpty {
            text += "\n\n**Evidence**\n"
            for evidence in finding.evidence {
                var line = "- " + CardBuilder.escape(evidence.drug ?? evidence.path)
                if let start = evidence.start {
                    line += ", \(start)" + (evidence.end.map { " to \($0)" } ?? " onwards")
                }
                if let note = evidence.note { line += " (\(CardBuilder.escape(note)))" }
                if let reference = entry(for: evidence)?.reference {
                    line += " — `\(reference)`"
                    if entry(for: evidence)?.draftIndex != nil { line += " (this order)" }
                } else {
                    line += " — `\(evidence.path)`"
                }
                text += line + "\n"
            }
        }
        if !finding.recommendation.isEmpty { text += "\n**Recommendation**: \(finding.recommendation)\n" }
        if !finding.references.isEmpty {
            text += "\n**References**\n" + finding.references.map { "- \($0)\n" }.joined()
        }
        return text
    }

    /// Delete suggestions where the rule knows the fix (CDSHOOKS.md section 3) and the draft has an id.
    func suggestions(_ finding: Finding) -> [Card.Suggestion] {
        let drafts = finding.evidence.compactMap { evidence -> (BundleJoin.Entry, Evidence)? in
            guard let entry = entry(for: evidence), entry.draftIndex != nil, entry.reference != nil else { return nil }
            return (entry, evidence)
        }
        var seen = Set<String>()
        let unique = drafts.filter { seen.insert($0.0.reference!).inserted }.sorted {
            $0.0.draftIndex! < $1.0.draftIndex!
        }
        func inGroups(_ evidence: Evidence, _ groups: [String]) -> Bool {
            guard let name = evidence.drug, let agent = policy.vocabulary.agent(named: name) else { return false }
            return groups.contains { policy.vocabulary.groups[$0]?.contains(agent.drugClass) ?? false }
        }
        let targets: [(BundleJoin.Entry, Evidence)]
        switch finding.rule {
        case "her2-anthracycline-concurrent":
            targets = unique.filter { inGroups($0.1, ["anthracycline", "anthracycline_related"]) }
        case "duplicate-her2-therapy": targets = Array(unique.dropFirst())
        case "cdk46-replaces-thp": targets = unique.filter { inGroups($0.1, ["cdk46"]) }
        default: targets = []
        }
        return targets.map { entry, evidence in
            Card.Suggestion(
                uuid: makeUUID(),
                label: "Remove the \(evidence.drug ?? "draft") order",
                resourceID: entry.reference!
            )
        }
    }

    /// The one warning card for an order the mapping cannot read: never silence.
    func couldNotBeChecked(_ verdict: Verdict) -> Card {
        var detail =
            "regimen-guard could not read this order, so it was **not checked**. Check it by hand, or fix the "
            + "record and sign again.\n\n**Errors**\n"
        for error in verdict.errors.prefix(20) {
            detail += "- `\(error.path.isEmpty ? "(request)" : error.path)`: \(CardBuilder.escape(error.message))\n"
        }
        if verdict.errors.count > 20 { detail += "- … and \(verdict.errors.count - 20) more\n" }
        return Card(
            uuid: makeUUID(),
            rule: "order-not-checked",
            indicator: .warning,
            summary: "This order could not be checked",
            detail: detail,
            sourceLabel: "regimen-guard \(policy.version)",
            ruleTitle: "Order could not be checked",
            overrideReasons: OverrideReason.defaults,
            suggestions: [],
            fingerprint: CardBuilder.fingerprint(rule: "order-not-checked", paths: verdict.errors.map(\.path))
        )
    }

    /// A summary shorter than 140 characters: cut at the last space that leaves room for an ellipsis.
    static func truncate(_ summary: String) -> String {
        guard summary.count >= summaryLimit else { return summary }
        let room = summaryLimit - 2  // the kept text plus "…" stays under the limit
        let head = summary.prefix(room)
        var cut = head
        if let space = head.lastIndex(where: { $0 == " " }), head.distance(from: head.startIndex, to: space) > room / 2
        {
            cut = head[..<space]
        }
        while let last = cut.last, last == " " || last == "," || last == ";" || last == ":" { cut = cut.dropLast() }
        return cut + "…"
    }

    /// Markdown-escapes text that comes from the order (drug names as written, notes).
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            if "\\`*_[]<>#|".contains(c) { out.append("\\") }
            out.append(c == "\n" ? " " : c)
        }
        return out
    }

    static func fingerprint(_ finding: Finding) -> String {
        fingerprint(rule: finding.rule, paths: finding.evidence.map(\.path))
    }

    static func fingerprint(rule: String, paths: [String]) -> String {
        let bytes = Array((rule + "\n" + paths.joined(separator: "\n")).utf8)
        var digest = [UInt8](repeating: 0, count: 32)
        _ = rg_jose_sha256(bytes, bytes.count, &digest)
        return digest.prefix(8).map {
            String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
        }.joined()
    }
}
