import Foundation
import RegimenGuardCore
import TestSupport

/// The repository's policy set, loaded once.
let repositoryPolicy: PolicySet = {
    let directory = repositoryRoot.appendingPathComponent("Policies").path
    var files: [PolicySourceFile] = []
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
    where name.hasSuffix(".yaml") {
        files.append(
            PolicySourceFile(name: name, bytes: Array(FileManager.default.contents(atPath: directory + "/" + name)!))
        )
    }
    do {
        return try PolicySet.load(files)
    } catch {
        fatalError("repository policy does not load: \(error)")
    }
}()

let validator = Validator(policy: repositoryPolicy)
let fixedDate = Date(timeIntervalSince1970: 1_795_000_000)

func judge(_ text: String, as name: String = "order.json") -> Verdict {
    validator.validate(bytes: Array(text.utf8), fileName: name, at: fixedDate)
}

/// A medication or history item, as JSON: the one item helper of these tests (``order(...)``, ``G/order(...)``, and
/// ``V2/med(...)`` for version 2 orders' doses).
struct Med {
    var drug: String
    var start: String
    var end: String? = nil
    var cycles: Int? = nil
    var length: Int? = nil
    var stop: String? = nil
    var setting: String? = nil
    var perCycle: Int? = nil
    var dose: (Double, String)? = nil
    var loading: (Double, String)? = nil
    /// mg/m2.
    var cumulative: Double? = nil

    static func cycles(
        _ drug: String,
        _ start: String,
        _ cycles: Int,
        every length: Int = 21,
        stop: String? = nil
    ) -> Med {
        Med(drug: drug, start: start, cycles: cycles, length: length, stop: stop)
    }

    static func open(_ drug: String, _ start: String) -> Med { Med(drug: drug, start: start) }

    static func range(
        _ drug: String,
        _ start: String,
        _ end: String,
        stop: String? = nil,
        setting: String? = nil
    ) -> Med {
        Med(drug: drug, start: start, end: end, stop: stop, setting: setting)
    }

    var json: String {
        var fields = ["\"drug\": \"\(drug)\"", "\"start\": \"\(start)\""]
        if let end { fields.append("\"end\": \"\(end)\"") }
        if let cycles { fields.append("\"cycles\": \(cycles)") }
        if let length { fields.append("\"cycle_length_days\": \(length)") }
        if let stop { fields.append("\"stop_reason\": \"\(stop)\"") }
        if let perCycle { fields.append("\"doses_per_cycle\": \(perCycle)") }
        if let dose { fields.append("\"dose\": {\"value\": \(dose.0), \"unit\": \"\(dose.1)\"}") }
        if let loading { fields.append("\"loading_dose\": {\"value\": \(loading.0), \"unit\": \"\(loading.1)\"}") }
        if let cumulative { fields.append("\"cumulative_dose\": {\"value\": \(cumulative), \"unit\": \"mg/m2\"}") }
        if let setting { fields.append("\"setting\": \"\(setting)\"") }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}

/// A JSON order for an HR+/HER2+ metastatic patient (by default), with LVEF measurements on `lvef` dates.
func order(
    _ medications: [Med],
    history: [Med] = [],
    lvef: [String] = [],
    line: Int? = nil,
    her2: String = "positive",
    setting: String = "metastatic",
    overrides: [(String, String)] = [],
    id: String = "RX-TEST-1"
) -> String {
    var parts = [
        "\"order_id\": \"\(id)\"",
        "\"patient\": {\"id\": \"MRN-SECRET-0042\", \"her2_status\": \"\(her2)\", \"hr_status\": \"positive\", \"disease_setting\": \"\(setting)\", \"menopausal_status\": \"postmenopausal\"}",
        "\"medications\": [" + medications.map(\.json).joined(separator: ", ") + "]",
    ]
    if let line { parts.append("\"line_of_therapy\": \(line)") }
    if !history.isEmpty { parts.append("\"history\": [" + history.map(\.json).joined(separator: ", ") + "]") }
    if !lvef.isEmpty {
        parts.append(
            "\"observations\": ["
                + lvef.map {
                    "{\"type\": \"lvef\", \"loinc\": \"10230-1\", \"value\": 60, \"unit\": \"%\", \"date\": \"\($0)\"}"
                }.joined(separator: ", ") + "]"
        )
    }
    if !overrides.isEmpty {
        parts.append(
            "\"overrides\": ["
                + overrides.map { "{\"rule\": \"\($0.0)\", \"reason\": \"\($0.1)\"}" }.joined(separator: ", ") + "]"
        )
    }
    return "{" + parts.joined(separator: ",\n ") + "}"
}

extension Verdict {
    var rules: Set<String> { Set(findings.map(\.rule)) }
    func findings(_ rule: String) -> [Finding] { findings.filter { $0.rule == rule } }
}

enum Rule {
    static let anthracycline = "her2-anthracycline-concurrent"
    static let lvef = "lvef-baseline-missing"
    static let endocrine = "endocrine-during-chemo"
    static let dropped = "her2-dropped-at-chemo-stop"
    static let cdk46 = "cdk46-replaces-thp"
}

extension Verdict {
    /// The five v1 rules' findings (ORDERS.md 4.2): what the v1 rule tests are about. Version 2's rules add findings
    /// (often `lvef-monitoring-due`, info) that their own tests (`Guideline*Tests`) check.
    var v1Findings: [Finding] { findings.filter { Rule.v1.contains($0.rule) } }
    var v1Rules: Set<String> { Set(v1Findings.map(\.rule)) }
}

extension Rule {
    static let v1: Set<String> = [anthracycline, lvef, endocrine, dropped, cdk46]
}
