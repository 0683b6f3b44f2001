/// Picks medication items by class, class group or ingredient, as a rule's policy names them.
public struct Selector: Sendable, Equatable, CustomStringConvertible {
    /// The text in the policy: a group (`her2_targeted`), a class (`TAXANE`) or `ingredient:<id>`.
    public var text: String
    var classes: Set<String>
    var ingredients: Set<String>
    /// `classes` as bits of ``Vocabulary/classBit(_:)``, so matching an agent costs one AND.
    var classMask: UInt64 = 0

    func matches(_ agent: Agent) -> Bool {
        agent.classBit & classMask != 0 || (!ingredients.isEmpty && agent.ingredients.contains(where: ingredients.contains))
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

/// The rule kinds Swift knows; the policy gives each rule its kind and its clinical numbers.
public enum RuleKind: String, Sendable, CaseIterable {
    /// Two classes whose windows overlap, or the second starting within a washout after the first ended.
    case overlap
    /// A class started with no observation of a type dated within a baseline window on or before its start.
    case missingObservation = "missing-observation"
    /// A targeted therapy given with a companion therapy that stops when the companion stops (or is absent from a
    /// maintenance order that follows them) without an accepted stop reason.
    case continuation
    /// A class ordered in first line without a required backbone in the order or the history.
    case requiredBackbone = "required-backbone"
}

/// A kind's parameters, as loaded from the policy.
enum RuleParameters: Sendable, Equatable {
    case overlap(first: [GradedSelector], second: [GradedSelector], washout: PolicyDuration?, exempt: [Selector])
    case missingObservation(trigger: [Selector], observation: String, baselineDays: Int)
    case continuation(
        targeted: [Selector], companion: [Selector], toleranceDays: Int, acceptedStopReasons: Set<StopReason>,
        progressionOnAnyItem: Bool, lookbackDays: Int)
    case requiredBackbone(
        trigger: [Selector], backbone: [Selector], firstLineOnly: Bool, priorTherapy: [Selector],
        supportedAfterBackbone: [Selector], offEvidenceSeverity: Severity?)
}

/// One rule of the policy.
struct RuleDefinition: Sendable, Equatable {
    var id: String
    var kind: RuleKind
    var severity: Severity
    var enabled: Bool
    var title: String
    var detail: String
    var recommendation: String
    var references: [String]
    var messageID: String
    var when: PatientCondition
    var parameters: RuleParameters

    var summary: RuleSummary {
        RuleSummary(id: id, severity: severity, title: title, messageID: messageID, enabled: enabled)
    }
}
