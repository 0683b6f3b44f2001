/// Two items in the order, with overlapping windows, that give the same thing twice (`duplicate-her2-therapy`):
/// both match one entry of `shared` (an ingredient, counting the ADCs' trastuzumab backbone; or a class such as the
/// HER2 ADCs). A switch whose windows do not overlap is not flagged. Findings are merged per pair of agents.
struct DuplicateTherapyRule: RuleKind {
    static let name = "duplicate-therapy"
    static let parameterKeys: Set<String> = ["shared"]

    struct Shared: Sendable {
        /// The words for what both items contain, as the policy gives them (`trastuzumab`).
        var name: String
        var select: [Selector]
    }

    var shared: [Shared]
    /// `overlap` (`{first} {second} {shared} {start} {end}`), `overlap_open` (`{first} {second} {shared} {start}`).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> DuplicateTherapyRule? {
        let shared = p.list("shared", allowed: ["name", "select"], required: ["name", "select"]) { q -> Shared? in
            let name = q.string("name")
            let select = q.selectors("select", required: true)
            guard let name, let select, !select.isEmpty else { return nil }
            return Shared(name: name, select: select)
        }
        if shared == nil && !p.has("shared") { p.require("shared") }
        let messages = p.messages([
            "overlap": ["first", "second", "shared", "start", "end"],
            "overlap_open": ["first", "second", "shared", "start"],
        ])
        guard let shared, let messages else { return nil }
        return DuplicateTherapyRule(shared: shared, messages: messages)
    }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        // Each item with the entries it matches, once.
        let items = context.medications.compactMap { item -> (ResolvedItem, [String])? in
            let names = shared.filter { $0.select.matches(item.agent) }.map(\.name)
            return names.isEmpty ? nil : (item, names)
        }
        guard items.count > 1 else { return [] }
        var merged = MergedFindings()
        for i in items.indices {
            for j in items.indices where j > i {
                let (a, namesA) = items[i], (b, namesB) = items[j]
                let both = namesA.filter(namesB.contains)
                guard !both.isEmpty, let window = a.window.intersection(b.window) else { continue }
                let key = [a.agent.id, b.agent.id].sorted().joined(separator: "\u{0}")
                merged.add(key: key, severity: rule.severity, items: [a, b]) {
                    if let end = window.end {
                        return messages["overlap"]!.render([
                            "first": a.name, "second": b.name, "shared": listed(both),
                            "start": window.start.description,
                            "end": end.description,
                        ])
                    }
                    return messages["overlap_open"]!.render([
                        "first": a.name, "second": b.name, "shared": listed(both), "start": window.start.description,
                    ])
                }
            }
        }
        return merged.findings
    }
}
