/// A medication item with the agent its name or code resolved to.
///
/// A class: rules filter, pair and regroup the order's items many times over, and a copy of the struct pair
/// retained and released every string and array of both (a quarter of a typical order's instructions went to
/// copying these and the reference counting around them). Immutable, so sharing it is safe.
final class ResolvedItem: Sendable {
    let item: MedicationItem
    let agent: Agent

    init(item: MedicationItem, agent: Agent) {
        self.item = item
        self.agent = agent
    }

    var window: DayWindow { item.window }
    var name: String { item.displayName }

    var evidence: Evidence {
        let window = item.window
        return Evidence(
            path: item.path,
            drug: item.displayName,
            start: window.start.description,
            end: window.end?.description,
            note: item.stopReason.map { "stop reason: \($0.rawValue)" }
        )
    }
}

/// What a rule sees of one order.
struct RuleContext: Sendable {
    var order: Order
    var medications: [ResolvedItem]
    var history: [ResolvedItem]

    var all: [ResolvedItem] { medications + history }

    /// The order's first day: the earliest start in `medications`.
    var firstStart: Day? { medications.map(\.item.start).min() }

    /// One agent's items in an order, for rules that judge each agent from its first day (a baseline before it).
    struct AgentStart {
        /// The item that starts the agent: the earliest start (the first listed among equal starts).
        var first: ResolvedItem
        /// All the agent's items, in order.
        var items: [ResolvedItem]

        var start: Day { first.item.start }
    }

    /// The ordered items whose agent matches `trigger`, one entry per agent, in order of the agent's first mention.
    func firstStarts(matching trigger: [Selector]) -> [AgentStart] {
        var starts: [AgentStart] = []
        var index: [String: Int] = [:]
        for item in medications where trigger.matches(item.agent) {
            if let i = index[item.agent.id] {
                if item.item.start < starts[i].start { starts[i].first = item }
                starts[i].items.append(item)
            } else {
                index[item.agent.id] = starts.count
                starts.append(AgentStart(first: item, items: [item]))
            }
        }
        return starts
    }
}

extension Array where Element == Selector {
    func matches(_ agent: Agent) -> Bool { contains { $0.matches(agent) } }
}

/// Joins names as "a", "a and b", "a, b and c".
func listed(_ names: [String]) -> String {
    var unique: [String] = []
    for name in names where !unique.contains(name) { unique.append(name) }
    switch unique.count {
    case 0: return ""
    case 1: return unique[0]
    default: return unique.dropLast().joined(separator: ", ") + " and " + unique.last!
    }
}

extension Observation {
    func isType(_ id: String) -> Bool { type == id }

    /// The value with its canonical unit, for evidence notes: `61%`, `68.5 kg`.
    var valueText: String {
        let number = value.rounded() == value ? "\(Int(value))" : "\(value)"
        return unit == "%" ? number + unit : "\(number) \(unit)"
    }
}
