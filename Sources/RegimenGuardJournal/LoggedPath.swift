/// Error paths as they may appear in a log: made only of names the order contract knows.
///
/// An order's error paths are built from its own keys, so a key such as `{"patient": {"<a name>": "<a birth
/// date>"}}` would carry patient data into the journal. A segment is kept only when it is a field name of the
/// contract (ORDERS.md sections 2 and 3, FHIR R4 path words), an `[index]` or a CSV `line N, column M`; any other
/// segment becomes `<unknown field K>`, numbered by first appearance within one order, so two errors about the same
/// unknown key still read as the same field. The verdict keeps the real key.
public enum LoggedPath {
    /// Every field name the order contract knows: the native JSON order, the CSV columns, and the FHIR R4 words a
    /// FHIR reader's paths use. The one list for every log.
    public static let contractNames: Set<String> = [
        // JSON order (ORDERS.md section 2)
        "order_id", "submitted_at", "patient", "id", "her2_status", "hr_status", "disease_setting", "menopausal_status",
        "metastatic_since", "line_of_therapy", "medications", "history", "observations", "adverse_events", "overrides",
        "extensions", "drug", "code", "system", "start", "end", "cycles", "cycle_length_days", "doses_per_cycle",
        "dose",
        "loading_dose", "cumulative_dose", "value", "unit", "setting", "phase", "stop_reason", "type", "loinc", "date",
        "event", "grade", "rule", "reason", "by",
        // CSV columns (ORDERS.md section 3) beyond the JSON names
        "patient_id", "record", "observation", "code_system", "dose_unit", "loading_dose_unit", "cumulative_dose_unit",
        // FHIR R4 path words
        "Bundle", "entry", "resource", "resourceType", "fullUrl", "Patient", "MedicationRequest", "MedicationStatement",
        "Observation", "Medication", "AllergyIntolerance", "Condition", "status", "intent", "subject", "reference",
        "medicationCodeableConcept", "medicationReference", "coding", "display", "text", "dosageInstruction", "timing",
        "repeat", "boundsPeriod", "boundsDuration", "count", "period", "periodUnit", "frequency", "doseAndRate",
        "doseQuantity", "effectivePeriod", "effectiveDateTime", "authoredOn", "valueQuantity", "component", "category",
        "extension", "url", "valueCodeableConcept", "valueString", "meta", "profile", "identifier", "note",
    ]

    /// The loggable form of each path, unknown keys numbered across the whole list (one order's errors).
    public static func sanitize(_ paths: [String]) -> [String] {
        var unknown: [String: Int] = [:]
        return paths.map { sanitize($0, numbering: &unknown) }
    }

    /// The loggable form of one path; `numbering` maps unknown keys to their numbers.
    public static func sanitize(_ path: String, numbering: inout [String: Int]) -> String {
        if path.isEmpty || isCSVLocation(path) { return path }
        var out = ""
        var segment = ""
        var index = path.startIndex
        func flush() {
            guard !segment.isEmpty else { return }
            if !out.isEmpty { out += "." }
            if contractNames.contains(segment) {
                out += segment
            } else {
                let number = numbering[segment] ?? (numbering.count + 1)
                numbering[segment] = number
                out += "<unknown field \(number)>"
            }
            segment = ""
        }
        while index < path.endIndex {
            let character = path[index]
            if character == "." {
                flush()
                index = path.index(after: index)
            } else if character == "[", let close = path[index...].firstIndex(of: "]"),
                path[path.index(after: index)..<close].allSatisfy(\.isASCIIDigitCharacter),
                path.index(after: index) < close
            {
                flush()
                out += path[index...close]
                index = path.index(after: close)
            } else {
                segment.append(character)
                index = path.index(after: index)
            }
        }
        flush()
        return out
    }

    /// `line 3` or `line 3, column 7`: a CSV location, numbers only.
    static func isCSVLocation(_ path: String) -> Bool {
        let parts = path.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingPrefix(" ") }
        guard (1...2).contains(parts.count) else { return false }
        for (part, word) in zip(parts, ["line ", "column "]) {
            guard part.hasPrefix(word) else { return false }
            let digits = part.dropFirst(word.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigitCharacter) else { return false }
        }
        return true
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
