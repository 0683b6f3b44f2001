import Yams

/// The policy's dose table (`doses:`), read by the dose kinds (`dose-range`, `dose-basis`): per agent the unit it is
/// dosed in, the label maximum, the agent it is confused with, and per schedule the usual and loading doses.
///
/// ```yaml
/// doses:
///   - agents: [t-dm1]            # vocabulary agent ids (or `select:` classes); the first matching row is the agent's
///     name: T-DM1                # how findings name the row ("this is T-DM1's dose")
///     unit: mg/kg                # mg, mg/kg or mg/m2
///     maximum: 3.6               # optional: above it is critical
///     confusable_with: t-dxd     # optional: an agent id of another row; a dose that is that row's says so
///     named_doses: [{dose: 6.4, says: "the gastric cancer dose"}]   # optional notes on known wrong doses
///     schedules:
///       - cycle_length_days: 21  # the item's cycle length; doses_per_cycle (default 1) must match too
///         default: true          # the schedule of an item with no cycle length (one per row at most)
///         loading: [8]           # optional: the first administration's usual doses (default: the usual ones)
///         usual: [3.6, 3.0, 2.4] # usual doses: numbers, or {from: 75, to: 100} for a range
/// ```
struct DoseTable: Sendable {
    /// A usual dose: one value (`from == to`) or a range.
    struct Usual: Sendable {
        var from: Double
        var to: Double

        /// True when `value` is within `tolerance` (a fraction, 0.1) of this dose or range.
        func admits(_ value: Double, tolerance: Double) -> Bool {
            isAtLeast(value, from * (1 - tolerance)) && isAtMost(value, to * (1 + tolerance))
        }
    }

    struct Schedule: Sendable {
        var cycleLengthDays: Int
        var dosesPerCycle: Int
        var isDefault: Bool
        var loading: [Usual]?
        var usual: [Usual]
    }

    struct NamedDose: Sendable {
        var dose: Double
        var says: String
    }

    struct Row: Sendable {
        var match: AgentMatch
        var name: String
        var unit: DoseUnit
        var maximum: Double?
        var confusableWith: String?
        var namedDoses: [NamedDose]
        var schedules: [Schedule]

        /// The schedule of an item: the one with its cycle length and doses per cycle, or the default one when the
        /// item gives no cycle length.
        func schedule(for item: MedicationItem) -> Schedule? {
            guard let length = item.cycleLengthDays else { return schedules.first(where: \.isDefault) }
            return schedules.first { $0.cycleLengthDays == length && $0.dosesPerCycle == item.dosesPerCycle }
        }

        /// Every usual dose of every schedule (what a confused dose is compared with).
        var allUsual: [Usual] { schedules.flatMap(\.usual) }
    }

    var rows: [Row]

    func row(for agent: Agent) -> Row? { rows.first { $0.match.matches(agent) } }

    /// The row that names this agent id.
    func row(naming agentID: String) -> Row? { rows.first { $0.match.agents.contains(agentID) } }

    static let rowKeys: Set<String> = [
        "agents", "select", "name", "unit", "maximum", "confusable_with", "named_doses", "schedules",
    ]

    /// Reads the table under `key`, reporting every problem with its path.
    static func read(_ p: inout RuleParameters, key: String) -> DoseTable? {
        let before = p.reader.issues.count
        var rows: [Row] = []
        var confusables: [(row: TableRow, id: String)] = []
        for row in p.rows(key, allowed: rowKeys, required: ["name", "unit", "schedules"]) ?? [] {
            let match = p.agentMatch(row)
            let name = p.reader.string(row.fields, "name", row.path)
            let unit: DoseUnit? = p.reader.enumValue(row.fields, "unit", row.path)
            let maximum = p.reader.number(row.fields, "maximum", row.path, range: 0.001...100_000)
            let confusable = p.reader.string(row.fields, "confusable_with", row.path)
            if let confusable { confusables.append((row, confusable)) }
            var named: [NamedDose] = []
            if row.fields["named_doses"] != nil {
                for n in p.rows(
                    "named_doses",
                    allowed: ["dose", "says"],
                    required: ["dose", "says"],
                    at: row.path,
                    in: row.fields
                ) ?? [] {
                    if let dose = p.reader.number(n.fields, "dose", n.path, range: 0.001...100_000),
                        let says = p.reader.string(n.fields, "says", n.path)
                    {
                        named.append(NamedDose(dose: dose, says: says))
                    }
                }
            }
            var schedules: [Schedule] = []
            for s in p.rows(
                "schedules",
                allowed: ["cycle_length_days", "doses_per_cycle", "default", "loading", "usual"],
                required: ["cycle_length_days", "usual"],
                at: row.path,
                in: row.fields
            ) ?? [] {
                let length = p.reader.integer(s.fields, "cycle_length_days", s.path, range: 1...365)
                let perCycle = p.reader.integer(s.fields, "doses_per_cycle", s.path, range: 1...366) ?? 1
                let isDefault = p.reader.bool(s.fields, "default", s.path) ?? false
                let usual = readDoses(&p, s, "usual")
                let loading = s.fields["loading"] == nil ? nil : readDoses(&p, s, "loading")
                if let length, let usual {
                    schedules.append(
                        Schedule(
                            cycleLengthDays: length,
                            dosesPerCycle: perCycle,
                            isDefault: isDefault,
                            loading: loading,
                            usual: usual
                        )
                    )
                }
            }
            if schedules.filter(\.isDefault).count > 1 {
                p.reader.fail(row.fields["schedules"], "\(row.path).schedules", "more than one schedule is the default")
            }
            if let maximum, let top = schedules.flatMap({ $0.usual + ($0.loading ?? []) }).map(\.to).max(),
                top > maximum
            {
                p.reader.fail(row.fields["maximum"], "\(row.path).maximum", "is below a usual dose (\(shown(top)))")
            }
            if let match, let name, let unit {
                rows.append(
                    Row(
                        match: match,
                        name: name,
                        unit: unit,
                        maximum: maximum,
                        confusableWith: confusable,
                        namedDoses: named,
                        schedules: schedules
                    )
                )
            }
        }
        for (row, id) in confusables where !rows.contains(where: { $0.match.agents.contains(id) }) {
            p.reader.fail(
                row.fields["confusable_with"],
                "\(row.path).confusable_with",
                "names '\(id)', which no row's agents list"
            )
        }
        return p.reader.issues.count == before ? DoseTable(rows: rows) : nil
    }

    /// `[6]`, `[3.6, 3.0, 2.4]` or `[{from: 75, to: 100}, 60]`.
    private static func readDoses(_ p: inout RuleParameters, _ row: TableRow, _ key: String) -> [Usual]? {
        let at = "\(row.path).\(key)"
        guard let node = row.fields[key] else { return nil }
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            p.reader.fail(node, at, "must be a non-empty list of doses (numbers, or {from: .., to: ..})")
            return nil
        }
        var doses: [Usual] = []
        for (index, element) in sequence.enumerated() {
            let path = "\(at)[\(index)]"
            if element.mapping != nil {
                guard let f = p.reader.mapping(element, path, allowed: ["from", "to"], required: ["from", "to"]),
                    let from = p.reader.number(f, "from", path, range: 0.001...100_000),
                    let to = p.reader.number(f, "to", path, range: 0.001...100_000)
                else { continue }
                if from > to {
                    p.reader.fail(element, "\(path).from", "is above to")
                } else {
                    doses.append(Usual(from: from, to: to))
                }
            } else if let value = YAMLReader.finiteNumber(element), value > 0 {
                doses.append(Usual(from: value, to: value))
            } else {
                p.reader.fail(element, path, "must be a dose above 0, or {from: .., to: ..}")
            }
        }
        return doses.count == sequence.count ? doses : nil
    }
}
