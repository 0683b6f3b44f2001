/// A `dose` or `loading_dose` of an item in the order outside its agent's row of the dose table
/// (`dose-out-of-range`).
///
/// The dose is expressed in the row's unit, converting with the latest weight or BSA on or before the item's start
/// (ORDERS.md 4.4; within `basis_window_days` when the policy gives it). How current that measurement is, and a dose
/// that cannot be converted, are `dose-basis`'s findings; the finding names the weight or BSA and its date.
/// Above the row's maximum, or more than `critical_factor` times the schedule's largest usual dose: the rule's
/// severity. Outside every usual dose (reduction levels included) by more than `tolerance_percent`:
/// `outside_usual_severity`. An agent without a row is not checked; an item whose schedule has no entry is checked
/// against the maximum only. Items of one agent with the same dose and the same problem share one finding (the first
/// item's words, every item as evidence).
struct DoseRangeRule: RuleKind {
    static let name = "dose-range"
    static let parameterKeys: Set<String> = [
        "doses", "basis_window_days", "tolerance_percent", "critical_factor", "outside_usual_severity",
    ]

    var table: DoseTable
    var windowDays: Int?
    /// A fraction: 10% is 0.1.
    var tolerance: Double
    var criticalFactor: Double
    var outsideUsualSeverity: Severity
    /// `summary` (`{drug} {which} {ordered} {converted} {start} {problem} {expected} {notes}`), `which_dose`,
    /// `which_loading`, `converted` (`{value} {unit} {basis}`), `basis_weight` (`{weight} {date}`), `basis_bsa`
    /// (`{bsa} {date}`), `basis_mosteller` (`{bsa} {weight} {weight_date} {height} {height_date}`), `above_maximum`
    /// (`{maximum} {unit}`), `above_factor` (`{factor} {usual} {unit}`), `above_usual` and `below_usual`
    /// (`{tolerance}`), `expected` (`{doses} {unit} {schedule}`), `expected_maximum` (`{maximum} {unit}`), `schedule`
    /// (`{days}`), `schedule_per_cycle` (`{days} {per_cycle}`), `range` (`{from} {to}`), `confusable`
    /// (`{other} {dose} {unit}`), `named` (`{dose} {unit} {says}`), `note` (`{type} {value}`).
    var messages: [String: MessageTemplate]

    static let templates: [String: [String]] = [
        "summary": ["drug", "which", "ordered", "converted", "start", "problem", "expected", "notes"],
        "which_dose": [], "which_loading": [],
        "converted": ["value", "unit", "basis"],
        "basis_weight": ["weight", "date"],
        "basis_bsa": ["bsa", "date"],
        "basis_mosteller": ["bsa", "weight", "weight_date", "height", "height_date"],
        "above_maximum": ["maximum", "unit"],
        "above_factor": ["factor", "usual", "unit"],
        "above_usual": ["tolerance"], "below_usual": ["tolerance"],
        "expected": ["doses", "unit", "schedule"],
        "expected_maximum": ["maximum", "unit"],
        "schedule": ["days"], "schedule_per_cycle": ["days", "per_cycle"],
        "range": ["from", "to"],
        "confusable": ["other", "dose", "unit"],
        "named": ["dose", "unit", "says"],
        "note": ["type", "value"],
    ]

    static func read(_ p: inout RuleParameters) -> DoseRangeRule? {
        let table = DoseTable.read(&p, key: "doses")
        let window = p.integer("basis_window_days", range: 0...3650)
        let tolerance = p.number("tolerance_percent", range: 0...100)
        p.require("tolerance_percent")
        let factor = p.number("critical_factor", range: 1...100)
        p.require("critical_factor")
        let outside = p.severity("outside_usual_severity")
        p.require("outside_usual_severity")
        let messages = p.messages(templates)
        guard let table, let tolerance, let factor, let outside, let messages else { return nil }
        return DoseRangeRule(
            table: table,
            windowDays: window,
            tolerance: tolerance / 100,
            criticalFactor: factor,
            outsideUsualSeverity: outside,
            messages: messages
        )
    }

    /// One pass over the items; each looks up its LVEF (or weight, BSA) in a sorted timeline.
    func cost(_ context: RuleContext) -> Int { context.linearCost }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        var groups = GroupedFindings()
        var body: BodyMeasures?
        for item in context.medications {
            guard let row = table.row(for: item.agent) else { continue }
            let schedule = row.schedule(for: item.item)
            for (isLoading, dose) in [(true, item.item.loadingDose), (false, item.item.dose)] {
                guard let dose else { continue }
                if body == nil { body = BodyMeasures(context.order) }
                guard
                    let (value, basis) = body!.convert(
                        dose,
                        to: row.unit,
                        onOrBefore: item.item.start,
                        withinDays: windowDays
                    )
                else { continue }
                let usual = schedule.map { isLoading ? ($0.loading ?? $0.usual) : $0.usual }
                guard let (severity, problem) = judge(value, row: row, usual: usual, rule: rule) else { continue }
                let made = finding(item, row, schedule, usual, isLoading, dose, value, basis, severity, problem)
                let key = "\(item.agent.id)\u{0}\(isLoading)\u{0}\(dose.value) \(dose.unit.rawValue)\u{0}\(problem)"
                groups.add(key: key, severity: severity, evidence: made.evidence) {
                    made.summary
                }
            }
        }
        return groups.findings
    }

    private func judge(
        _ value: Double,
        row: DoseTable.Row,
        usual: [DoseTable.Usual]?,
        rule: RuleDefinition
    ) -> (Severity, String)? {
        let unit = row.unit.rawValue
        if let maximum = row.maximum, !isAtMost(value, maximum) {
            return (rule.severity, messages["above_maximum"]!.render(["maximum": shown(maximum), "unit": unit]))
        }
        guard let usual, let top = usual.map(\.to).max() else { return nil }
        if !isAtMost(value, criticalFactor * top) {
            return (
                rule.severity,
                messages["above_factor"]!.render(["factor": shown(criticalFactor), "usual": shown(top), "unit": unit])
            )
        }
        guard !usual.contains(where: { $0.admits(value, tolerance: tolerance) }) else { return nil }
        let above = usual.allSatisfy { value > $0.to }
        return (
            outsideUsualSeverity,
            messages[above ? "above_usual" : "below_usual"]!.render(["tolerance": shown(tolerance * 100)])
        )
    }

    private func finding(
        _ item: ResolvedItem,
        _ row: DoseTable.Row,
        _ schedule: DoseTable.Schedule?,
        _ usual: [DoseTable.Usual]?,
        _ isLoading: Bool,
        _ dose: Dose,
        _ value: Double,
        _ basis: BodyMeasures.Basis,
        _ severity: Severity,
        _ problem: String
    ) -> RawFinding {
        let unit = row.unit.rawValue
        var converted = ""
        if dose.unit != row.unit {
            var parts: [String] = []
            if let weight = basis.weight {
                parts.append(
                    messages["basis_weight"]!.render(["weight": weight.shownValue, "date": weight.date.description])
                )
            }
            if let area = basis.area {
                switch area.source {
                case .measured(let bsa):
                    parts.append(
                        messages["basis_bsa"]!.render(["bsa": shown(area.value), "date": bsa.date.description])
                    )
                case .mosteller(let weight, let height):
                    parts.append(
                        messages["basis_mosteller"]!.render([
                            "bsa": shown(area.value), "weight": weight.shownValue,
                            "weight_date": weight.date.description,
                            "height": height.shownValue, "height_date": height.date.description,
                        ])
                    )
                }
            }
            converted = messages["converted"]!.render(["value": shown(value), "unit": unit, "basis": listed(parts)])
        }
        let expected: String
        if let schedule, let usual {
            let doses = usual.map { u in
                u.from == u.to ? shown(u.from) : messages["range"]!.render(["from": shown(u.from), "to": shown(u.to)])
            }
            let days = "\(schedule.cycleLengthDays)"
            let when =
                schedule.dosesPerCycle == 1
                ? messages["schedule"]!.render(["days": days])
                : messages["schedule_per_cycle"]!.render(["days": days, "per_cycle": "\(schedule.dosesPerCycle)"])
            expected = messages["expected"]!.render([
                "doses": doses.joined(separator: " / "), "unit": unit, "schedule": when,
            ])
        } else {
            expected = messages["expected_maximum"]!.render(["maximum": row.maximum.map(shown) ?? "", "unit": unit])
        }
        var notes = ""
        if let other = row.confusableWith.flatMap(table.row(naming:)),
            let match = other.allUsual.first(where: { $0.admits(value, tolerance: tolerance) })
        {
            notes += messages["confusable"]!.render([
                "other": other.name, "dose": shown(match.to), "unit": other.unit.rawValue,
            ])
        }
        for named in row.namedDoses
        where DoseTable.Usual(from: named.dose, to: named.dose).admits(value, tolerance: tolerance) {
            notes += messages["named"]!.render(["dose": shown(named.dose), "unit": unit, "says": named.says])
        }
        var evidence = [item.evidence]
        for o in basis.observations {
            let type = messages["note"]!.render(["type": o.type, "value": o.shownValue])
            if !evidence.contains(where: { $0.path == o.path }) { evidence.append(o.evidence(type)) }
        }
        return RawFinding(
            severity: severity,
            summary: messages["summary"]!.render([
                "drug": item.name, "which": messages[isLoading ? "which_loading" : "which_dose"]!.render([:]),
                "ordered": "\(shown(dose.value)) \(dose.unit.rawValue)", "converted": converted,
                "start": item.item.start.description, "problem": problem, "expected": expected, "notes": notes,
            ]),
            evidence: evidence
        )
    }
}
