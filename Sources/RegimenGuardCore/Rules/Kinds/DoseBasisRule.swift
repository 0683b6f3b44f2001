/// A `dose` or `loading_dose` of an item in the order that cannot be expressed in its agent's dose-table unit: an
/// `mg` dose of an agent dosed by weight or BSA with no weight (or BSA, or weight and height) dated within
/// `basis_window_days` on or before the item's start (`dose-basis-missing`). Items of one agent with the same doses
/// share one finding (the first item's words, every item as evidence).
struct DoseBasisRule: RuleKind {
    static let name = "dose-basis"
    static let parameterKeys: Set<String> = ["doses", "basis_window_days"]

    var table: DoseTable
    var windowDays: Int
    /// `summary` (`{drug} {doses} {start} {unit} {missing} {latest}`), `dose_item` (`{which} {ordered}`),
    /// `which_dose`, `which_loading`, `missing_weight` and `missing_bsa` (`{days}`), `latest_some` (`{list}`),
    /// `latest_none`, `latest` (`{type} {date} {days}`), `note` (`{type} {value}`: evidence notes).
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> DoseBasisRule? {
        let table = DoseTable.read(&p, key: "doses")
        let window = p.integer("basis_window_days", range: 0...3650)
        p.require("basis_window_days")
        let messages = p.messages([
            "summary": ["drug", "doses", "start", "unit", "missing", "latest"],
            "dose_item": ["which", "ordered"],
            "which_dose": [], "which_loading": [],
            "missing_weight": ["days"], "missing_bsa": ["days"],
            "latest_some": ["list"], "latest_none": [],
            "latest": ["type", "date", "days"],
            "note": ["type", "value"],
        ])
        guard let table, let window, let messages else { return nil }
        return DoseBasisRule(table: table, windowDays: window, messages: messages)
    }

    /// One pass over the items; each looks up its LVEF (or weight, BSA) in a sorted timeline.
    func cost(_ context: RuleContext) -> Int { context.linearCost }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        var groups = GroupedFindings()
        var body: BodyMeasures?
        for item in context.medications {
            guard let row = table.row(for: item.agent) else { continue }
            let start = item.item.start
            var doses: [String] = []
            var missing: Set<DoseUnit> = []
            for (isLoading, dose) in [(true, item.item.loadingDose), (false, item.item.dose)] {
                guard let dose, dose.unit != row.unit else { continue }
                if body == nil { body = BodyMeasures(context.order) }
                guard body!.convert(dose, to: row.unit, onOrBefore: start, withinDays: windowDays) == nil else {
                    continue
                }
                let needs = BodyMeasures.needs(from: dose.unit, to: row.unit)
                if needs.contains(.mgPerKg), body!.weight(onOrBefore: start, withinDays: windowDays) == nil {
                    missing.insert(.mgPerKg)
                }
                if needs.contains(.mgPerM2), body!.bodySurfaceArea(onOrBefore: start, withinDays: windowDays) == nil {
                    missing.insert(.mgPerM2)
                }
                doses.append(
                    messages["dose_item"]!.render([
                        "which": messages[isLoading ? "which_loading" : "which_dose"]!.render([:]),
                        "ordered": "\(shown(dose.value)) \(dose.unit.rawValue)",
                    ])
                )
            }
            guard !doses.isEmpty, let body else { continue }
            var what: [String] = []
            var latest: [Observation] = []
            if missing.contains(.mgPerKg) {
                what.append(messages["missing_weight"]!.render(["days": "\(windowDays)"]))
                latest += [body.weights.latest(onOrBefore: start)].compactMap { $0 }
            }
            if missing.contains(.mgPerM2) {
                what.append(messages["missing_bsa"]!.render(["days": "\(windowDays)"]))
                latest += [body.areas, body.weights, body.heights].compactMap { $0.latest(onOrBefore: start) }
            }
            var seen: Set<String> = []
            latest = latest.filter { seen.insert($0.path).inserted }
            let latestText =
                latest.isEmpty
                ? messages["latest_none"]!.render([:])
                : messages["latest_some"]!.render([
                    "list": listed(
                        latest.map {
                            messages["latest"]!.render([
                                "type": $0.type, "date": $0.date.description, "days": "\($0.date.days(to: start))",
                            ])
                        }
                    )
                ])
            let summary = messages["summary"]!.render([
                "drug": item.name, "doses": listed(doses), "start": start.description, "unit": row.unit.rawValue,
                "missing": listed(what), "latest": latestText,
            ])
            let evidence =
                [item.evidence]
                + latest.map { $0.evidence(messages["note"]!.render(["type": $0.type, "value": $0.shownValue])) }
            groups.add(
                key: "\(item.agent.id)\u{0}\(doses.joined(separator: "\u{0}"))",
                severity: rule.severity,
                evidence: evidence
            ) { summary }
        }
        return groups.findings
    }
}
