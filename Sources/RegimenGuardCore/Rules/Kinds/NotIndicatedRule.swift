/// Agents given while the patient's facts say they are not indicated (`her2-status-not-positive`,
/// `endocrine-without-hr-positive`). `cases` are tried in order; the first whose `when` matches the patient applies:
/// every item in the order matching its `trigger` and not its `except` is flagged, in one finding with the words of
/// the template the case names.
struct NotIndicatedRule: RuleKind {
    static let name = "not-indicated"
    static let parameterKeys: Set<String> = ["cases"]

    struct Case: Sendable {
        var when: PatientCondition
        var trigger: [Selector]
        var except: [Selector]
        var severity: Severity?
        var message: String
    }

    static let slots = ["agents", "her2_status", "hr_status", "menopausal_status", "disease_setting"]

    var cases: [Case]
    /// One template per name the cases give, each with the slots `{agents}` (the flagged items, with their start)
    /// and the patient's `{her2_status}`, `{hr_status}`, `{menopausal_status}`, `{disease_setting}`; plus `agent`
    /// (`{agent} {start}`), the words for one item.
    var messages: [String: MessageTemplate]

    static func read(_ p: inout RuleParameters) -> NotIndicatedRule? {
        let cases = p.list(
            "cases",
            allowed: ["when", "trigger", "except", "severity", "message"],
            required: ["when", "trigger", "message"]
        ) { q -> Case? in
            let when = q.condition("when")
            let trigger = q.selectors("trigger", required: true)
            let except = q.selectors("except", required: false) ?? []
            let severity = q.severity("severity")
            let message = q.string("message")
            guard let when, let trigger, let message else { return nil }
            if message == "agent" { q.fail("message", "'agent' is the template for one item; name another template") }
            return Case(when: when, trigger: trigger, except: except, severity: severity, message: message)
        }
        if !p.has("cases") { p.require("cases") }
        var templates: [String: [String]] = ["agent": ["agent", "start"]]
        for name in cases?.map(\.message) ?? [] { templates[name] = slots }
        let messages = p.messages(templates)
        guard let cases, let messages else { return nil }
        return NotIndicatedRule(cases: cases, messages: messages)
    }

    /// One pass over the order's items.
    func cost(_ context: RuleContext) -> Int { max(1, context.medications.count) }

    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding] {
        let patient = context.order.patient
        guard let match = cases.first(where: { $0.when.matches(patient) }) else { return [] }
        let flagged = context.medications.filter { match.trigger.matches($0.agent) && !match.except.matches($0.agent) }
        guard !flagged.isEmpty else { return [] }
        let agents = flagged.map {
            messages["agent"]!.render(["agent": $0.name, "start": $0.window.start.description])
        }
        return [
            RawFinding(
                severity: match.severity ?? rule.severity,
                summary: messages[match.message]!.render([
                    "agents": listed(agents), "her2_status": patient.her2Status.rawValue,
                    "hr_status": patient.hrStatus.rawValue,
                    "menopausal_status": patient.menopausalStatus.rawValue,
                    "disease_setting": patient.diseaseSetting.rawValue,
                ]),
                evidence: Array(flagged.map(\.evidence).prefix(MergedFindings.evidenceCap))
            )
        ]
    }
}
