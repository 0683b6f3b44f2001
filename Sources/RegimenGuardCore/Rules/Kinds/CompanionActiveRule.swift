/// A class in the order that needs a companion therapy active with it: on the trigger's first day
/// (`ovarian-suppression-missing`: an aromatase inhibitor or SERD needs a GnRH agonist; `cdk46-without-endocrine`)
/// or on every day of the trigger's window (`pertuzumab-without-trastuzumab`). The companion may be in the order or,
/// unless `companion_in_history: false`, in the history. An item that is both (Phesgo: pertuzumab and trastuzumab)
/// is its own companion.
///
/// `unconfirmed` (optional) names patient facts under which the finding is given at a lower severity with its own
/// words, asking to confirm them (a menopausal status that is unknown or not given).
struct CompanionActiveRule: RuleKind {
    static let name = "companion-active"
    static let parameterKeys: Set<String> = ["trigger", "companion", "coverage", "companion_in_history", "unconfirmed"]

    enum Coverage: String { case firstDay = "first_day", everyDay = "every_day" }

    struct Unconfirmed: Sendable {
        var when: PatientCondition
        var severity: Severity
    }

    var trigger: [Selector]
    var companion: [Selector]
    var coverage: Coverage
    var companionInHistory: Bool
    var unconfirmed: Unconfirmed?
    /// `missing` (`{trigger} {start} {present}`: not active on the first day), `gap` (`{trigger} {from} {to}
    /// {present}`) and `gap_open` (`{trigger} {from} {present}`) for every_day, `present` (`{companion}`: the
    /// companion items that are there but not on those days; empty when there are none), `unconfirmed`
    /// (`{trigger} {start} {present}`) when `unconfirmed` is given.
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> CompanionActiveRule? {
        let trigger = p.selectors("trigger", required: true)
        let companion = p.selectors("companion", required: true)
        let coverageText = p.choice("coverage", ["first_day", "every_day"])
        p.require("coverage")
        let inHistory = p.bool("companion_in_history") ?? true
        let unconfirmed = p.nested("unconfirmed", allowed: ["when", "severity"], required: ["when", "severity"]) {
            q -> Unconfirmed? in
            guard let when = q.condition("when"), let severity = q.severity("severity") else { return nil }
            return Unconfirmed(when: when, severity: severity)
        }
        var templates: [String: [String]] = ["present": ["companion"]]
        if coverageText == Coverage.everyDay.rawValue {
            templates["gap"] = ["trigger", "from", "to", "present"]
            templates["gap_open"] = ["trigger", "from", "present"]
        } else {
            templates["missing"] = ["trigger", "start", "present"]
        }
        if p.has("unconfirmed") { templates["unconfirmed"] = ["trigger", "start", "present"] }
        let messages = p.messages(templates)
        guard let trigger, let companion, let coverageText, let coverage = Coverage(rawValue: coverageText),
            let messages, !p.has("unconfirmed") || unconfirmed != nil
        else { return nil }
        return CompanionActiveRule(
            trigger: trigger,
            companion: companion,
            coverage: coverage,
            companionInHistory: inHistory,
            unconfirmed: unconfirmed,
            messages: messages
        )
    }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        let triggers = context.medications.filter { trigger.matches($0.agent) }
        guard !triggers.isEmpty else { return [] }
        let companions = (companionInHistory ? context.all : context.medications).filter { companion.matches($0.agent) }
        let lowered = unconfirmed.flatMap { $0.when.matches(context.order.patient) ? $0 : nil }
        var merged = MergedFindings()
        for item in triggers {
            let others = companions.filter { $0.window.overlaps(item.window) || $0.item.path == item.item.path }
            let shown = companions.filter { $0.item.path != item.item.path }
            let items = [item] + Array(shown.prefix(MergedFindings.evidenceCap - 1))
            let notePresent =
                shown.isEmpty
                ? ""
                : messages["present"]!.render([
                    "companion": listed(shown.map { "\($0.name) (\($0.window))" })
                ])
            switch coverage {
            case .firstDay:
                let start = item.window.start
                guard !companions.contains(where: { $0.window.contains(start) }) else { continue }
                if let lowered {
                    merged.add(key: item.agent.id, severity: lowered.severity, items: items) {
                        messages["unconfirmed"]!.render([
                            "trigger": item.name, "start": start.description, "present": notePresent,
                        ])
                    }
                } else {
                    merged.add(key: item.agent.id, severity: rule.severity, items: items) {
                        messages["missing"]!.render([
                            "trigger": item.name, "start": start.description, "present": notePresent,
                        ])
                    }
                }
            case .everyDay:
                guard let gap = CompanionActiveRule.firstGap(in: item.window, covered: others.map(\.window)) else {
                    continue
                }
                merged.add(key: item.agent.id, severity: lowered?.severity ?? rule.severity, items: items) {
                    if let to = gap.end {
                        return messages["gap"]!.render([
                            "trigger": item.name, "from": gap.start.description, "to": to.description,
                            "present": notePresent,
                        ])
                    }
                    return messages["gap_open"]!.render([
                        "trigger": item.name, "from": gap.start.description, "present": notePresent,
                    ])
                }
            }
        }
        return merged.findings
    }

    /// The first run of days of `window` that no window of `covered` contains; nil when every day is covered.
    static func firstGap(in window: DayWindow, covered: [DayWindow]) -> DayWindow? {
        // Sweep the covering windows in start order; `day` is the first day not yet known to be covered.
        var day = window.start
        for cover in covered.sorted(by: { $0.start < $1.start }) {
            guard window.contains(day) else { return nil }
            if cover.start > day {
                // Uncovered from `day` until this window starts, or the window's end.
                var end = cover.start.adding(days: -1)
                if let windowEnd = window.end { end = min(end, windowEnd) }
                return DayWindow(start: day, end: end)
            }
            guard let coverEnd = cover.end else { return nil }
            if coverEnd >= day { day = coverEnd.adding(days: 1) }
        }
        return window.contains(day) ? DayWindow(start: day, end: window.end) : nil
    }
}
