import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// Every clinical case kept beside the policies (CLINICAL.md section D, boundaries, invalid orders) gives the
/// verdict its expectation file names, as JSON and converted to CSV.
@Suite struct ClinicalCaseTests {
    static let directory = repositoryRoot.appendingPathComponent("Policies/tests").path
    /// The native JSON cases; FHIR Bundles (`*.fhir.json`) are run by ``FHIRBundleTests``.
    static let cases: [String] = entries(directory).filter { $0.hasSuffix(".json") && !$0.hasSuffix(".fhir.json") }
    /// Cases written as CSV (their own form, not a conversion of a JSON case).
    static let csvCases: [String] = entries(directory).filter { $0.hasSuffix(".csv") }

    func load(_ name: String) -> (bytes: [UInt8], expectation: CaseExpectation)? {
        guard let order = FileManager.default.contents(atPath: Self.directory + "/" + name),
            let expect = FileManager.default.contents(
                atPath: Self.directory + "/" + ((name as NSString).deletingPathExtension + ".expect.yaml")
            ),
            let expectation = try? CaseExpectation.parse(Array(expect), file: name)
        else { return nil }
        return (Array(order), expectation)
    }

    @Test func thereIsACaseForEveryRowOfSectionD() {
        let rows = (1...13).map { String(format: "n%02d-", $0) } + (1...12).map { String(format: "p%02d-", $0) }
        for row in rows { #expect(Self.cases.contains { $0.hasPrefix(row) }, "\(row)") }
    }

    @Test(arguments: cases + csvCases)
    func theCaseGivesItsExpectedVerdict(name: String) throws {
        let loaded = try #require(load(name) as (bytes: [UInt8], expectation: CaseExpectation)?)
        let verdict = validator.validate(bytes: loaded.bytes, fileName: name, at: fixedDate)
        #expect(loaded.expectation.differences(from: verdict) == [])
    }

    @Test(arguments: cases)
    func theSameOrderAsCSVGetsTheSameVerdict(name: String) throws {
        let loaded = try #require(load(name) as (bytes: [UInt8], expectation: CaseExpectation)?)
        guard loaded.expectation.decision != .invalid else { return }  // error paths differ by format by design
        let json = validator.validate(bytes: loaded.bytes, fileName: name, at: fixedDate)
        let csv = validator.validate(
            bytes: Array(try CSVConversion.csv(from: loaded.bytes).utf8),
            fileName: "order.csv",
            at: fixedDate
        )
        #expect(csv.decision == json.decision)
        #expect(csv.findings == json.findings)
        #expect(csv.orderID == json.orderID)
    }
}

/// Writes a JSON order as the contract's CSV (one row per record, order and patient columns repeated).
enum CSVConversion {
    static let columns = [
        "order_id", "submitted_at", "patient_id", "her2_status", "hr_status", "disease_setting", "menopausal_status",
        "metastatic_since", "line_of_therapy", "record", "drug", "code_system", "code", "start", "end", "cycles",
        "cycle_length_days", "doses_per_cycle", "dose", "dose_unit", "loading_dose", "loading_dose_unit",
        "cumulative_dose", "cumulative_dose_unit", "setting", "phase", "stop_reason", "observation", "loinc", "value",
        "unit", "date", "event", "grade", "rule", "reason", "by",
    ]

    static func csv(from json: [UInt8]) throws -> String {
        let order = try JSONSerialization.jsonObject(with: Data(json)) as! [String: Any]
        let patient = order["patient"] as! [String: Any]
        func text(_ value: Any?) -> String {
            switch value {
            case nil: return ""
            case let number as NSNumber: return number.stringValue
            case let string as String: return string
            default: return "\(value!)"
            }
        }
        let common: [String: String] = [
            "order_id": text(order["order_id"]), "submitted_at": text(order["submitted_at"]),
            "patient_id": text(patient["id"]),
            "her2_status": text(patient["her2_status"]), "hr_status": text(patient["hr_status"]),
            "disease_setting": text(patient["disease_setting"]),
            "menopausal_status": text(patient["menopausal_status"]),
            "metastatic_since": text(patient["metastatic_since"]), "line_of_therapy": text(order["line_of_therapy"]),
        ]
        var rows: [[String: String]] = []
        for (key, record) in [("medications", "medication"), ("history", "history")] {
            for item in order[key] as? [[String: Any]] ?? [] {
                var row = common
                row["record"] = record
                for field in [
                    "drug", "start", "end", "cycles", "cycle_length_days", "doses_per_cycle", "setting", "phase",
                    "stop_reason",
                ] {
                    row[field] = text(item[field])
                }
                for field in ["dose", "loading_dose", "cumulative_dose"] {
                    if let dose = item[field] as? [String: Any] {
                        row[field] = text(dose["value"])
                        row[field + "_unit"] = text(dose["unit"])
                    }
                }
                if let code = item["code"] as? [String: Any] {
                    row["code_system"] = text(code["system"])
                    row["code"] = text(code["code"])
                }
                rows.append(row)
            }
        }
        for item in order["observations"] as? [[String: Any]] ?? [] {
            var row = common
            row["record"] = "observation"
            row["observation"] = text(item["type"])
            for field in ["loinc", "value", "unit", "date"] { row[field] = text(item[field]) }
            rows.append(row)
        }
        for item in order["adverse_events"] as? [[String: Any]] ?? [] {
            var row = common
            row["record"] = "adverse_event"
            for field in ["event", "grade", "date", "drug"] { row[field] = text(item[field]) }
            rows.append(row)
        }
        for item in order["overrides"] as? [[String: Any]] ?? [] {
            var row = common
            row["record"] = "override"
            for field in ["rule", "reason", "by"] { row[field] = text(item[field]) }
            rows.append(row)
        }
        func quote(_ field: String) -> String {
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }
        return
            ([columns.joined(separator: ",")]
            + rows.map { row in columns.map { quote(row[$0] ?? "") }.joined(separator: ",") })
            .joined(separator: "\r\n") + "\r\n"
    }
}
