/// A FHIR Bundle read as an order: the native order tree the mapping built, with every node's place in the Bundle,
/// so the decoder's errors, the evidence and what was not read are all told in FHIRPath-like terms.
struct FHIRDocument: OrderDocument {
    /// What kind of FHIR element a synthesised object of the tree stands for, to name the element a missing native
    /// field would have come from.
    enum Kind: Sendable {
        case bundle, patient, request, administration, statement, observation, adverseEvent, override
    }

    var tree: JSONNode
    var paths: FHIRPathTable
    var kinds: [Int32: Kind]
    var places: [String: EvidencePlace]
    var ignored: [IgnoredEntry]
    var errors: [OrderError]

    func error(at location: SourceLocation, path: String, message: String) -> OrderError {
        guard let place = paths.place(location) else { return OrderError(path: path, message: message) }
        let base = paths.render(place)
        guard let kind = kinds[place] else { return OrderError(path: base, message: message) }
        // The decoder names a missing field with its parent's location: name the FHIR element it comes from.
        let field = path.lastIndex(of: ".").map { String(path[path.index(after: $0)...]) } ?? path
        guard let (suffix, hint) = FHIRDocument.missing(field, in: kind) else {
            return OrderError(path: base, message: message)
        }
        let text = message.hasPrefix("is required") ? "is required\(hint)" : message
        return OrderError(path: base + suffix, message: text)
    }

    /// The FHIR element a native field comes from, relative to the entry, and a hint for "is required".
    static func missing(_ field: String, in kind: Kind) -> (String, String)? {
        switch (kind, field) {
        case (.bundle, "order_id"): ("", ".identifier.value (or Bundle.id): the order id")
        case (.bundle, "medications"): ("", ": a MedicationRequest of the proposed regimen")
        case (.bundle, "patient"), (.patient, "id"): ("", ": exactly one Patient with an id")
        case (.request, "start"):
            (
                ".resource.dosageInstruction[0].timing.repeat.boundsPeriod.start",
                " (or timing.event[0]): the first day of administration; authoredOn is not a start date"
            )
        case (.administration, "start"): (".resource.effectiveDateTime", " (or effectivePeriod.start)")
        case (.statement, "start"): (".resource.effectivePeriod.start", " (or effectiveDateTime)")
        case (.request, "drug"), (.administration, "drug"), (.statement, "drug"):
            (".resource.medicationCodeableConcept", " (or medicationReference): the drug")
        case (.request, "cycles"): (".resource.dosageInstruction[0].timing.repeat.count", " with period and periodUnit")
        case (.request, "cycle_length_days"):
            (".resource.dosageInstruction[0].timing.repeat.period", " with periodUnit, when count is given")
        case (.observation, "value"): (".resource.valueQuantity.value", "")
        case (.observation, "date"): (".resource.effectiveDateTime", " (or effectivePeriod)")
        case (.adverseEvent, "date"): (".resource.date", "")
        case (.adverseEvent, "grade"):
            (".resource.extension", ": urn:regimen-guard:ctcae-grade (valueInteger), or severity")
        case (.override, "reason"): (".resource.mitigation[0].action.text", ": the documented reason")
        case (.override, "rule"): (".resource.code", ": a coding in urn:regimen-guard:rule")
        default: nil
        }
    }

    func evidencePlace(forItemAt path: String) -> EvidencePlace {
        places[path] ?? EvidencePlace(path: path)
    }
}
