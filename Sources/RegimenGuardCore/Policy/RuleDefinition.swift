/// Picks medication items by class, class group or ingredient, as a rule's policy names them.
public struct Selector: Sendable, Equatable, CustomStringConvertible {
    /// The text in the policy: a group (`her2_targeted`), a class (`TAXANE`) or `ingredient:<id>`.
    public var text: String
    var classes: Set<String>
    var ingredients: Set<String>
    /// `classes` as bits of ``Vocabulary/classBit(_:)``, so matching an agent costs one AND.
    var classMask: UInt64 = 0

    func matches(_ agent: Agent) -> Bool {
        agent.classBit & classMask != 0
            || (!ingredients.isEmpty && agent.ingredients.contains(where: ingredients.contains))
    }

    public var description: String { text }
}

/// A selector with an optional severity that replaces the rule's default for findings it takes part in.
struct GradedSelector: Sendable, Equatable {
    var selector: Selector
    var severity: Severity?
}

/// A length of time in whole days, weeks or calendar months.
public enum PolicyDuration: Sendable, Equatable, CustomStringConvertible {
    case days(Int), weeks(Int), months(Int)

    public func after(_ day: Day) -> Day {
        switch self {
        case .days(let n): day.adding(days: n)
        case .weeks(let n): day.adding(days: 7 * n)
        case .months(let n): day.adding(months: n)
        }
    }

    public var description: String {
        switch self {
        case .days(let n): "\(n) days"
        case .weeks(let n): "\(n) weeks"
        case .months(let n): "\(n) months"
        }
    }
}

/// Patient conditions a rule applies under; an absent list means any value.
struct PatientCondition: Sendable, Equatable {
    var her2Status: Set<HER2Status>?
    var hrStatus: Set<HRStatus>?
    var diseaseSetting: Set<DiseaseSetting>?
    var menopausalStatus: Set<MenopausalStatus>?

    func matches(_ patient: Patient) -> Bool {
        (her2Status?.contains(patient.her2Status) ?? true) && (hrStatus?.contains(patient.hrStatus) ?? true)
            && (diseaseSetting?.contains(patient.diseaseSetting) ?? true)
            && (menopausalStatus?.contains(patient.menopausalStatus) ?? true)
    }
}

/// One rule of the policy: the texts and the patient conditions every rule has, and its kind with the kind's
/// parameters.
struct RuleDefinition: Sendable {
    var id: String
    /// The policy's `kind:` name.
    var kindName: String
    var severity: Severity
    var enabled: Bool
    var title: String
    var detail: String
    var recommendation: String
    var references: [String]
    var messageID: String
    var when: PatientCondition
    var kind: any RuleKind

    var summary: RuleSummary {
        RuleSummary(id: id, severity: severity, title: title, messageID: messageID, enabled: enabled)
    }

    /// Evaluates this rule on one order.
    func evaluate(_ context: RuleContext) -> [RawFinding] {
        guard enabled, when.matches(context.order.patient) else { return [] }
        return kind.evaluate(context, rule: self)
    }
}
