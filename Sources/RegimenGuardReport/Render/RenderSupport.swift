/// What every renderer shares: the orders figures are listed in, and numbers written without Foundation (so the
/// bytes do not depend on a locale).
enum RenderSupport {
    /// The rules, by findings (most first), then by id; a rule with CDS Hooks cards only has 0 findings.
    static func sortedRules(_ report: Report) -> [(id: String, rule: Report.Rule)] {
        report.rules.map { (id: $0.key, rule: $0.value) }.sorted { a, b in
            a.rule.findings != b.rule.findings ? a.rule.findings > b.rule.findings : a.id < b.id
        }
    }

    /// A count map by count (most first), then by key.
    static func byCount(_ counts: [String: Int]) -> [(key: String, count: Int)] {
        counts.map { (key: $0.key, count: $0.value) }.sorted { a, b in
            a.count != b.count ? a.count > b.count : a.key < b.key
        }
    }

    /// A map by key.
    static func byKey<Value>(_ map: [String: Value]) -> [(key: String, value: Value)] {
        map.map { (key: $0.key, value: $0.value) }.sorted { $0.key < $1.key }
    }

    /// The spool decisions, in the order every format lists them.
    static func decisionCounts(_ decisions: Report.Decisions) -> [(name: String, count: Int)] {
        [
            ("accept", decisions.accept), ("review", decisions.review), ("reject", decisions.reject),
            ("invalid", decisions.invalid),
        ]
    }

    /// The faults, by their JSON names, in the order every format lists them.
    static func faultCounts(_ faults: Report.Faults) -> [(name: String, label: String, count: Int)] {
        [
            ("service_faults", "service faults", faults.serviceFaults),
            ("quarantined", "entries quarantined", faults.quarantined),
            ("reloads_failed", "policy reloads refused", faults.reloadsFailed),
            ("key_reloads_failed", "JWKS reloads refused", faults.keyReloadsFailed),
        ]
    }

    /// The policy sets seen, one per digest (first seen the earliest, last seen the latest of its entries), in
    /// first-seen order.
    static func policies(_ report: Report) -> [Report.Policy] {
        var merged: [Report.Policy] = []
        for policy in report.policies {
            if let index = merged.firstIndex(where: { $0.digest == policy.digest }) {
                merged[index].firstSeen = min(merged[index].firstSeen, policy.firstSeen)
                merged[index].lastSeen = max(merged[index].lastSeen, policy.lastSeen)
            } else {
                merged.append(policy)
            }
        }
        return merged.sorted { a, b in a.firstSeen != b.firstSeen ? a.firstSeen < b.firstSeen : a.digest < b.digest }
    }

    /// `numerator / denominator` as a decimal with at most `places` digits after the point, rounded half up,
    /// trailing zeros dropped: `1/3` → `0.333333`, `3/4` → `0.75`, `1/1` → `1`. Exact integer arithmetic.
    static func decimal(_ numerator: Int, over denominator: Int, places: Int = 6) -> String {
        precondition(denominator > 0 && numerator >= 0)
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (numerator * scale * 2 + denominator) / (denominator * 2)
        return fixed(scaled, scale: scale, places: places, trim: true)
    }

    /// A rule's override rate as a JSON/Prometheus number (`0.75`), nil without feedback.
    static func rate(_ rule: Report.Rule) -> String? {
        let answered = rule.cardsAccepted + rule.cardsOverridden
        return answered == 0 ? nil : decimal(rule.cardsOverridden, over: answered)
    }

    /// A rule's override rate as a percentage with one decimal (`75.0%`), nil without feedback.
    static func percent(_ rule: Report.Rule) -> String? {
        let answered = rule.cardsAccepted + rule.cardsOverridden
        guard answered > 0 else { return nil }
        let tenths = (rule.cardsOverridden * 1000 * 2 + answered) / (answered * 2)
        return fixed(tenths, scale: 10, places: 1, trim: false) + "%"
    }

    /// Microseconds since the epoch as seconds (`1764597780.25`), exact.
    static func seconds(_ microseconds: UInt64) -> String {
        let whole = microseconds / 1_000_000
        let fraction = microseconds % 1_000_000
        guard fraction > 0 else { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    /// A number with one decimal (`12.5`), for SVG coordinates.
    static func coordinate(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = abs(tenths)
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }

    private static func fixed(_ scaled: Int, scale: Int, places: Int, trim: Bool) -> String {
        let whole = scaled / scale
        var digits = String(scaled % scale)
        digits = String(repeating: "0", count: places - digits.count) + digits
        if trim {
            while digits.hasSuffix("0") { digits.removeLast() }
            if digits.isEmpty { return String(whole) }
        }
        return "\(whole).\(digits)"
    }

    /// A policy digest shortened for people: `sha256:` and the first 12 hex digits.
    static func shortDigest(_ digest: String) -> String {
        let prefix = "sha256:"
        if digest.hasPrefix(prefix) {
            let hex = digest.dropFirst(prefix.count)
            return hex.count > 12 ? prefix + hex.prefix(12) : digest
        }
        return digest.count > 19 ? String(digest.prefix(19)) : digest
    }
}
