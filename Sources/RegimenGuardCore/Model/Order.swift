/// HER2 status of the tumour.
public enum HER2Status: String, Sendable, CaseIterable { case positive, negative, low, unknown }

/// Hormone-receptor status of the tumour.
public enum HRStatus: String, Sendable, CaseIterable { case positive, negative, unknown }

/// Early or metastatic (advanced) disease.
public enum DiseaseSetting: String, Sendable, CaseIterable { case early, metastatic }

public enum MenopausalStatus: String, Sendable, CaseIterable { case premenopausal, postmenopausal, unknown }

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

/// A measurement. v1 knows LVEF.
public struct Observation: Sendable {
    public var path: String
    public var type: String?
    public var loinc: String?
    public var value: Double
    public var unit: String?
    public var date: Day
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
