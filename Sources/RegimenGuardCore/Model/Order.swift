/// HER2 status of the tumour.
public enum HER2Status: String, Sendable, CaseIterable { case positive, negative, low, ultralow, unknown }

/// Hormone-receptor status of the tumour.
public enum HRStatus: String, Sendable, CaseIterable { case positive, negative, unknown }

/// Early or metastatic (advanced) disease.
public enum DiseaseSetting: String, Sendable, CaseIterable { case early, metastatic }

public enum MenopausalStatus: String, Sendable, CaseIterable {
    case premenopausal, perimenopausal, postmenopausal, unknown
}

/// Why a therapy stopped.
public enum StopReason: String, Sendable, CaseIterable {
    case progression, toxicity, cardiotoxicity, completed
    case patientChoice = "patient_choice"
    case other
}

/// The patient facts the rules use. `id` is protected health information: it is never logged or echoed.
public struct Patient: Sendable {
    public var id: String
    public var her2Status: HER2Status
    public var hrStatus: HRStatus
    public var diseaseSetting: DiseaseSetting
    public var menopausalStatus: MenopausalStatus
    /// The diagnosis of metastatic (advanced) disease, when given: places history items that carry no `setting`.
    public var metastaticSince: Day? = nil
}

/// A drug code as the order gives it.
public struct DrugCode: Sendable, Equatable {
    public enum System: String, Sendable { case rxnorm, atc }
    public var system: System
    public var code: String

    public init(system: System, code: String) {
        self.system = system
        self.code = code
    }
}

/// The unit of a dose, spelled as the contract spells it.
public enum DoseUnit: String, Sendable, CaseIterable {
    case mg
    case mgPerKg = "mg/kg"
    case mgPerM2 = "mg/m2"
}

/// A dose: a value above 0 in one of the contract's units.
public struct Dose: Sendable, Equatable {
    public var value: Double
    public var unit: DoseUnit

    public init(value: Double, unit: DoseUnit) {
        self.value = value
        self.unit = unit
    }
}

/// One medication item of `medications` or `history`, as read from the order.
public struct MedicationItem: Sendable {
    /// `medications[0]`, `history[2]`: the item's place in the order (the same for JSON and CSV).
    public var path: String
    public var inHistory: Bool
    public var drug: String?
    public var code: DrugCode?
    public var start: Day
    public var end: Day?
    public var cycles: Int?
    public var cycleLengthDays: Int?
    public var phase: String?
    public var stopReason: StopReason?
    /// Administrations in each cycle (`doses_per_cycle`, default 1).
    public var dosesPerCycle: Int = 1
    /// The dose of each administration.
    public var dose: Dose? = nil
    /// The first administration's dose, when it differs.
    public var loadingDose: Dose? = nil
    /// History only, always mg/m2: the total given over the item when the doses are not itemised.
    public var cumulativeDose: Dose? = nil
    /// History only: early (neoadjuvant, adjuvant) or metastatic disease.
    public var setting: DiseaseSetting? = nil

    /// `cycles * doses_per_cycle` when cycles are given; otherwise unknown.
    public var administrations: Int? { cycles.map { $0 * dosesPerCycle } }

    /// The active window: `[start, end]`, `[start, start + cycles * length - 1]`, or open-ended.
    public var window: DayWindow {
        if let end { return DayWindow(start: start, end: end) }
        if let cycles, let cycleLengthDays {
            return DayWindow(start: start, end: start.adding(days: cycles * cycleLengthDays - 1))
        }
        return DayWindow(start: start, end: nil)
    }

    /// The name to show: the drug as written, else the code.
    public var displayName: String {
        drug?.trimmingSpaces ?? code.map { "\($0.system.rawValue.uppercased()) \($0.code)" } ?? "?"
    }
}

/// A dated measurement. Its type (`lvef`, `weight`, `height`, `bsa`) is an id of the policy's observation table
/// (``ObservationType``); the value is in that type's canonical unit (`%`, `kg`, `cm`, `m2`), converted when the order
/// gave another accepted unit (`lb`, `in`), and the value and unit as given are kept for messages.
public struct Observation: Sendable {
    public var path: String
    /// The observation type id from the vocabulary's table: `lvef`, `weight`, `height`, `bsa`.
    public var type: String
    /// The LOINC code as given, if any.
    public var loinc: String?
    /// The value in the canonical unit of the type.
    public var value: Double
    /// The canonical unit of the type (`%`, `kg`, `cm`, `m2`).
    public var unit: String
    /// The number as the order wrote it (`150`).
    public var givenValue: String
    /// The unit as the order gave it (`lb`), or nil when it gave none.
    public var givenUnit: String?
    public var date: Day

    /// The value as given, for messages: `150 lb`, `61 %`.
    public var givenDescription: String { "\(givenValue) \(givenUnit ?? unit)" }
}

/// An adverse event the contract knows (v2: two).
public enum AdverseEventKind: String, Sendable, CaseIterable {
    /// Interstitial lung disease or pneumonitis.
    case ild
    /// Symptomatic congestive heart failure.
    case heartFailure = "heart_failure"
}

/// A recorded adverse event.
public struct AdverseEvent: Sendable {
    public var path: String
    public var event: AdverseEventKind
    /// CTCAE grade, 1 to 5.
    public var grade: Int
    public var date: Day
    /// The suspected agent as written, if given.
    public var drug: String?
    /// The agent `drug` resolved to, if given.
    public var agent: Agent?
}

/// A documented clinical rationale for accepting one rule's finding.
public struct Override: Sendable {
    public var path: String
    public var rule: String
    public var reason: String
    public var by: String?
}

/// A proposed regimen order, read and checked for shape but not yet resolved against the vocabulary.
public struct Order: Sendable {
    public var orderID: String
    public var submittedAt: String?
    public var patient: Patient
    public var lineOfTherapy: Int?
    public var medications: [MedicationItem]
    public var history: [MedicationItem]
    public var observations: [Observation]
    public var overrides: [Override]
    public var adverseEvents: [AdverseEvent] = []
}

extension String {
    /// The string without surrounding white space. Orders are almost always ASCII with nothing to trim, so that
    /// case is answered from the UTF-8 bytes without touching Unicode properties.
    var trimmingSpaces: String {
        func isPlain(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }
        let untouched = utf8.withContiguousStorageIfAvailable { bytes in
            bytes.isEmpty || (isPlain(bytes[0]) && isPlain(bytes[bytes.count - 1]))
        }
        // Strings without contiguous UTF-8 (bridged ones) take the general path below, which gives the same answer.
        if untouched == true { return self }
        var scalars = Substring(self)
        while let head = scalars.first, head.isWhitespace { scalars.removeFirst() }
        while let tail = scalars.last, tail.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
