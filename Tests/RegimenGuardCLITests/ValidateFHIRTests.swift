import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// `validate` reads FHIR Bundles and writes verdicts as FHIR (`--format fhir`), exiting as it always does.
@Suite struct ValidateFHIRTests {
    let policies = repositoryRoot.appendingPathComponent("Policies").path
    let tests = repositoryRoot.appendingPathComponent("Policies/tests").path

    func run(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(
            ProcessRunner.regimenGuard,
            arguments,
            environment: ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"]
        )
    }

    @Test func fhirFormatPrintsABundleAndExitsAsValidateDoes() throws {
        for (name, code) in [
            ("f01-ehr-searchset-thp-contained-medications", 0),
            ("f02-ehr-administrations-doxorubicin-within-washout", 2),
            ("x01-fhir-no-patient", 65), ("p05-letrozole-same-day-as-last-docetaxel", 1),
        ] as [(String, Int32)] {
            let result = try run(["validate", "--format", "fhir", "--policies", policies, "\(tests)/\(name).fhir.json"])
            #expect(result.status == code, "\(name): \(result.stderr)")
            let bundle = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            )
            #expect(bundle["resourceType"] as? String == "Bundle")
            #expect(bundle["type"] as? String == "collection")
        }
    }

    @Test func aNativeOrderAlsoGetsAFHIRVerdict() throws {
        let result = try run([
            "validate", "--format", "fhir", "--policies", policies,
            "\(tests)/p01-trastuzumab-dkst-with-epirubicin.json",
        ])
        #expect(result.status == 2)
        #expect(result.stdout.contains("\"resourceType\": \"DetectedIssue\""))
        #expect(!result.stdout.contains("\"implicated\""))  // native items are no FHIR resources
    }

    @Test func theJSONVerdictOfABundleSaysFHIRAndListsWhatWasIgnored() throws {
        let result = try run([
            "validate", "--format", "json", "--policies", policies,
            "\(tests)/f01-ehr-searchset-thp-contained-medications.fhir.json",
        ])
        let verdict = try Verdict.decode(Array(result.stdout.utf8))
        #expect(verdict.sourceFormat == "fhir")
        #expect(
            verdict.ignored.contains(
                IgnoredEntry(path: "Bundle.entry[15]", reason: "MedicationRequest status cancelled")
            )
        )
        #expect(!result.stdout.contains("Alex") && !result.stdout.contains("pat-4711"))
    }
}
