import Foundation
import RegimenGuardCore
import RegimenGuardPolicyStore
import TestSupport

public let policiesPath = repositoryRoot.appendingPathComponent("Policies").path
public let examplesPath = repositoryRoot.appendingPathComponent("Examples/spool/incoming").path
public let patientSecret = "MRN-SECRET-7731"

/// An order of a given decision, with a unique id and a patient id that must never reach a log.
public func sampleOrder(_ id: String, decision: Decision = .reject) -> String {
    let medications: String
    switch decision {
    case .accept:
        medications =
            "{\"drug\": \"trastuzumab\", \"start\": \"2026-12-01\"}, {\"drug\": \"pertuzumab\", \"start\": \"2026-12-01\"}, {\"drug\": \"docetaxel\", \"start\": \"2026-12-01\", \"cycles\": 6, \"cycle_length_days\": 21}"
    case .review:
        medications =
            "{\"drug\": \"trastuzumab\", \"start\": \"2026-12-01\"}, {\"drug\": \"pertuzumab\", \"start\": \"2026-12-01\"}, {\"drug\": \"docetaxel\", \"start\": \"2026-12-01\", \"cycles\": 6, \"cycle_length_days\": 21}, {\"drug\": \"letrozole\", \"start\": \"2026-12-01\"}"
    case .reject:
        medications =
            "{\"drug\": \"Ogivri\", \"start\": \"2026-12-01\"}, {\"drug\": \"epirubicin\", \"start\": \"2026-12-01\", \"cycles\": 4, \"cycle_length_days\": 21}"
    case .invalid:
        medications = "{\"drug\": \"trastuzamab\", \"start\": \"2026-12-01\"}"
    }
    return """
        {"order_id": "\(id)", "patient": {"id": "\(patientSecret)", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic"},
         "line_of_therapy": 1, "medications": [\(medications)],
         "observations": [{"type": "lvef", "value": 60, "unit": "%", "date": "2026-11-20"}]}
        """
}

/// A fresh spool folder with incoming/ made.
public func makeSpool() throws -> TemporaryDirectory {
    let dir = try TemporaryDirectory(prefix: "regimen-guard-spool")
    try FileManager.default.createDirectory(atPath: dir.file("incoming"), withIntermediateDirectories: true)
    return dir
}

public func verdict(_ spool: TemporaryDirectory, _ name: String) -> Verdict? {
    guard let data = FileManager.default.contents(atPath: spool.file("verdicts/\(name).verdict.json")) else {
        return nil
    }
    return try? Verdict.decode(Array(data))
}

public func loadPolicy() throws -> PolicySet {
    try PolicyDirectories.load([policiesPath])
}

/// A copy of the repository's policy files in a temporary folder, to change without touching the repository.
public func copyOfPolicies(prefix: String) throws -> TemporaryDirectory {
    let copy = try TemporaryDirectory(prefix: prefix)
    for name in entries(policiesPath) where name.hasSuffix(".yaml") {
        try copy.write(name, try String(contentsOfFile: policiesPath + "/" + name, encoding: .utf8))
    }
    return copy
}
