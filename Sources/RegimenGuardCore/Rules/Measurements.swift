import Yams

/// An order's observations of one type, sorted by date once, so that "the latest on or before a day" costs a binary
/// search instead of a scan per medication item.
struct ObservationTimeline: Sendable {
    /// Oldest first; of several on one date, the one listed last in the order comes last.
    let observations: [Observation]

    init(_ order: Order, type: String) {
        observations = order.observations.enumerated().filter { $0.element.type == type }
            .sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element)
    }

    /// The latest observation dated on or before `day`, and no more than `withinDays` before it when given.
    func latest(onOrBefore day: Day, withinDays: Int? = nil) -> Observation? {
        var low = 0, high = observations.count
        while low < high {
            let mid = (low + high) / 2
            if observations[mid].date <= day { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let found = observations[low - 1]
        if let withinDays, found.date.days(to: day) > withinDays { return nil }
        return found
    }

    var isEmpty: Bool { observations.isEmpty }
}

/// The weight and body surface area an order gives on a day, as a dose conversion needs them.
struct BodyMeasures: Sendable {
    let weights: ObservationTimeline
    let heights: ObservationTimeline
    let areas: ObservationTimeline

    init(_ order: Order) {
        weights = ObservationTimeline(order, type: "weight")
        heights = ObservationTimeline(order, type: "height")
        areas = ObservationTimeline(order, type: "bsa")
    }

    /// The latest weight on or before `day`, within `withinDays` when given.
    func weight(onOrBefore day: Day, withinDays: Int?) -> Observation? {
        weights.latest(onOrBefore: day, withinDays: withinDays)
    }

    /// A measured BSA on or before `day` (within the window when given), else Mosteller from the latest weight and
    /// height (the rule of ``Order/bodySurfaceArea(onOrBefore:withinDays:)``, answered from sorted timelines).
    func bodySurfaceArea(onOrBefore day: Day, withinDays: Int?) -> BodySurfaceArea? {
        if let bsa = areas.latest(onOrBefore: day, withinDays: withinDays) {
            return BodySurfaceArea(value: bsa.value, source: .measured(bsa))
        }
        guard let weight = weights.latest(onOrBefore: day, withinDays: withinDays),
            let height = heights.latest(onOrBefore: day, withinDays: withinDays)
        else { return nil }
        return BodySurfaceArea(
            value: BodySurfaceArea.mosteller(heightCentimetres: height.value, weightKilograms: weight.value),
            source: .mosteller(weight: weight, height: height)
        )
    }

    /// The measurements a dose in `from` needs to be expressed in `to` (mg/kg needs a weight, mg/m2 a BSA).
    static func needs(from: DoseUnit, to: DoseUnit) -> Set<DoseUnit> {
        guard from != to else { return [] }
        return Set([from, to].filter { $0 != .mg })
    }

    /// What a conversion rests on: the weight and the BSA it used, when it used them.
    struct Basis: Sendable {
        var weight: Observation?
        var area: BodySurfaceArea?

        var observations: [Observation] { (weight.map { [$0] } ?? []) + (area?.observations ?? []) }
    }

    /// `dose` expressed in `unit`, with the latest weight and BSA on or before `day` (dated within `withinDays` when
    /// given); nil when a measurement it needs is missing (or stale).
    func convert(
        _ dose: Dose,
        to unit: DoseUnit,
        onOrBefore day: Day,
        withinDays: Int?
    ) -> (value: Double, basis: Basis)? {
        guard dose.unit != unit else { return (dose.value, Basis()) }
        var basis = Basis()
        let needs = BodyMeasures.needs(from: dose.unit, to: unit)
        if needs.contains(.mgPerKg) {
            guard let weight = weight(onOrBefore: day, withinDays: withinDays) else { return nil }
            basis.weight = weight
        }
        if needs.contains(.mgPerM2) {
            guard let area = bodySurfaceArea(onOrBefore: day, withinDays: withinDays) else { return nil }
            basis.area = area
        }
        func factor(_ u: DoseUnit) -> Double {
            switch u {
            case .mg: 1
            case .mgPerKg: basis.weight!.value
            case .mgPerM2: basis.area!.value
            }
        }
        return (dose.value * factor(dose.unit) / factor(unit), basis)
    }
}

extension RuleContext {
    /// One unit per item and observation: what a kind costs that passes over the items once and looks observations
    /// up in sorted timelines (sorting them is charged as a second pass).
    var linearCost: Int { max(1, medications.count + history.count + 2 * order.observations.count) }
}

/// Numbers as findings show them: at most two decimals, no trailing zeros (`8.57`, `6`, `1.5`).
func shown(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int(rounded)) }
    var text = String(rounded)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}

/// `a >= b` allowing for binary rounding (a dose of 6.6 is 6 + 10%).
func isAtLeast(_ a: Double, _ b: Double) -> Bool { a >= b - 1e-9 * max(1, abs(b)) }

/// `a <= b` allowing for binary rounding.
func isAtMost(_ a: Double, _ b: Double) -> Bool { a <= b + 1e-9 * max(1, abs(b)) }

/// The agents a row of a rule's table applies to: vocabulary agent ids (`agents: [trastuzumab, phesgo]`) and/or
/// classes, groups and ingredients (`select: [HER2_ADC]`).
struct AgentMatch: Sendable {
    var agents: Set<String>
    var selectors: [Selector]

    func matches(_ agent: Agent) -> Bool { agents.contains(agent.id) || selectors.matches(agent) }
}

/// One row of a table: its fields and where it is.
struct TableRow {
    var fields: [String: Node]
    var path: String
    var node: Node
}

extension RuleParameters {
    /// The rows of a table under `key`: a list of mappings, each checked against `allowed` and `required`.
    mutating func rows(
        _ key: String,
        allowed: Set<String>,
        required: Set<String> = [],
        at path: String? = nil,
        in fields: [String: Node]? = nil
    ) -> [TableRow]? {
        let base = path ?? self.path
        guard let node = (fields ?? self.fields)[key] else {
            if fields == nil { require(key) } else { reader.fail(nil, "\(base).\(key)", "is required") }
            return nil
        }
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            reader.fail(node, "\(base).\(key)", "must be a non-empty list of rows")
            return nil
        }
        var rows: [TableRow] = []
        for (index, element) in sequence.enumerated() {
            let at = "\(base).\(key)[\(index)]"
            if let f = reader.mapping(element, at, allowed: allowed, required: required) {
                rows.append(TableRow(fields: f, path: at, node: element))
            }
        }
        return rows
    }

    /// `agents:` (vocabulary agent ids) and `select:` (classes, groups, `ingredient:<id>`) of a row; at least one.
    mutating func agentMatch(_ row: TableRow) -> AgentMatch? {
        var agents: Set<String> = []
        var selectors: [Selector] = []
        let known = Set(vocabulary.agents.map(\.id))
        for (index, id) in (reader.strings(row.fields, "agents", row.path) ?? []).enumerated() {
            if known.contains(id) {
                agents.insert(id)
            } else {
                reader.fail(
                    row.fields["agents"],
                    "\(row.path).agents[\(index)]",
                    "unknown agent '\(id)'; give an agent id of the vocabulary"
                )
            }
        }
        for (index, text) in (reader.strings(row.fields, "select", row.path) ?? []).enumerated() {
            if let selector = resolver.selector(text) {
                selectors.append(selector)
            } else {
                reader.fail(
                    row.fields["select"],
                    "\(row.path).select[\(index)]",
                    "unknown class, group or ingredient '\(text)'"
                )
            }
        }
        if row.fields["agents"] == nil && row.fields["select"] == nil {
            reader.fail(
                row.node,
                "\(row.path).agents",
                "is required: the agents (or `select:` classes) this row is for"
            )
            return nil
        }
        return agents.isEmpty && selectors.isEmpty ? nil : AgentMatch(agents: agents, selectors: selectors)
    }

    /// A text of a row parsed as a message template with `slots`.
    mutating func template(_ row: TableRow, _ key: String, slots: [String], required: Bool) -> MessageTemplate? {
        guard let text = reader.string(row.fields, key, row.path) else {
            if required && row.fields[key] == nil { reader.fail(row.node, "\(row.path).\(key)", "is required") }
            return nil
        }
        switch MessageTemplate.parse(text, slots: slots) {
        case .success(let template): return template
        case .failure(let problem):
            reader.fail(row.fields[key], "\(row.path).\(key)", problem.message)
            return nil
        }
    }
}

/// Findings gathered per key (an agent and the observation it was judged on, an item): the first occurrence gives
/// the summary, later ones add evidence not yet listed (up to ``MergedFindings/evidenceCap``), the worst severity wins.
struct GroupedFindings {
    private var index: [String: Int] = [:]
    private var paths: [Set<String>] = []
    private(set) var findings: [RawFinding] = []

    mutating func add(key: String, severity: Severity, evidence: [Evidence], summary: () -> String) {
        let i: Int
        if let known = index[key] {
            i = known
            findings[i].severity = max(findings[i].severity, severity)
        } else {
            i = findings.count
            index[key] = i
            paths.append([])
            findings.append(RawFinding(severity: severity, summary: summary(), evidence: []))
        }
        for e in evidence where findings[i].evidence.count < MergedFindings.evidenceCap {
            if paths[i].insert(e.path).inserted { findings[i].evidence.append(e) }
        }
    }
}

extension Observation {
    /// The value in its canonical unit, as findings show it: `44%`, `68.5 kg`.
    var shownValue: String { unit == "%" ? "\(shown(value))%" : "\(shown(value)) \(unit)" }

    func evidence(_ note: String) -> Evidence { Evidence(path: path, start: date.description, note: note) }
}
