import Foundation
import RegimenGuardCore

/// The cost of FHIR orders beside native ones: the typical example order's FHIR twin, and a Bundle with 200
/// administrations beside the native order of the same content.
enum FHIRBench {
    /// A Bundle of one proposed trastuzumab request and `count` completed administrations of seven agents.
    static func administrations(_ count: Int) -> (bundle: [UInt8], native: [UInt8]) {
        let codes = ["224905", "1298944", "72962", "56946", "72965", "3639", "3995"]
        let base = Day(iso: "2020-01-06")!
        var entries = [
            #"{"resource": {"resourceType": "Patient", "id": "p1"}}"#,
            #"{"resource": {"resourceType": "Condition", "id": "c1", "code": {"coding": [{"system": "http://snomed.info/sct", "code": "128462008"}]}}}"#,
            #"{"resource": {"resourceType": "Observation", "id": "her2", "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "48676-1"}]}, "effectiveDateTime": "2026-10-01", "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA6576-8"}]}}}"#,
            #"{"resource": {"resourceType": "Observation", "id": "lvef", "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "10230-1"}]}, "effectiveDateTime": "2026-11-20", "valueQuantity": {"value": 60, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}}}"#,
            #"{"resource": {"resourceType": "MedicationRequest", "id": "mr-1", "status": "draft", "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "224905"}]}, "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": "2026-12-01"}}}}]}}"#,
        ]
        var history: [String] = []
        for i in 0..<count {
            let day = base.adding(days: 7 * i).description
            entries.append(
                #"{"resource": {"resourceType": "MedicationAdministration", "id": "ma-\#(i)", "status": "completed", "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "\#(codes[i % 7])"}]}, "effectiveDateTime": "\#(day)T10:00:00+01:00"}}"#
            )
            history.append(
                #"{"code": {"system": "rxnorm", "code": "\#(codes[i % 7])"}, "start": "\#(day)", "end": "\#(day)"}"#
            )
        }
        let bundle =
            #"{"resourceType": "Bundle", "type": "collection", "identifier": {"value": "RX-BENCH-200"}, "entry": [\#(entries.joined(separator: ",\n"))]}"#
        let native =
            #"{"order_id": "RX-BENCH-200", "patient": {"id": "p1", "her2_status": "positive", "hr_status": "unknown", "disease_setting": "metastatic"}, "medications": [{"code": {"system": "rxnorm", "code": "224905"}, "start": "2026-12-01"}], "history": [\#(history.joined(separator: ",\n"))], "observations": [{"type": "lvef", "loinc": "10230-1", "value": 60, "unit": "%", "date": "2026-11-20"}]}"#
        return (Array(bundle.utf8), Array(native.utf8))
    }

    /// Orders per second judging `bytes`, the median of `rounds` rounds of `count`.
    static func rate(_ validator: Validator, _ bytes: [UInt8], _ name: String, count: Int, rounds: Int) -> Double {
        let clock = ContinuousClock(), date = Date()
        var rates: [Double] = []
        var sink = 0
        for _ in 0..<rounds {
            let elapsed = clock.measure {
                for _ in 0..<count {
                    sink &+= validator.validate(bytes: bytes, fileName: name, at: date).findings.count
                }
            }
            rates.append(
                Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            )
        }
        if sink < 0 { print(sink) }
        return rates.sorted()[rounds / 2]
    }

    /// Prints the FHIR rows through `row`.
    static func run(
        _ validator: Validator,
        examples: String,
        quick: Bool,
        row: (String, String, String) -> Void
    ) {
        let rounds = quick ? 1 : 5
        guard let twin = FileManager.default.contents(atPath: examples + "/RX-2026-000101.fhir.json"),
            let native = FileManager.default.contents(atPath: examples + "/RX-2026-000101.json")
        else { return }
        let count = quick ? 1_000 : 5_000
        let fhirRate = rate(validator, Array(twin), "o.json", count: count, rounds: rounds)
        let nativeRate = rate(validator, Array(native), "o.json", count: count, rounds: rounds)
        row(
            "core: parse + validate, FHIR twin (1 core)",
            String(format: "%.0f orders/s", fhirRate),
            String(format: "the same order as native JSON: %.0f orders/s (%.1fx)", nativeRate, nativeRate / fhirRate)
        )
        let large = administrations(200)
        let big = quick ? 20 : 100
        let bundleRate = rate(validator, large.bundle, "o.json", count: big, rounds: rounds)
        let largeNative = rate(validator, large.native, "o.json", count: big, rounds: rounds)
        row(
            "core: FHIR Bundle, 200 administrations",
            String(format: "%.1f ms per order", 1000 / bundleRate),
            String(format: "native order of the same content: %.1f ms", 1000 / largeNative)
        )
    }
}
