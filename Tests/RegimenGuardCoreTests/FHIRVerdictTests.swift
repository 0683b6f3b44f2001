import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// Verdicts as FHIR (FHIR.md section 4): a collection Bundle of DetectedIssues, or one OperationOutcome.
@Suite struct FHIRVerdictTests {
    static func document(_ verdict: Verdict) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(verdict.fhirBundleBytes())) as? [String: Any])
    }

    static func resources(_ bundle: [String: Any]) -> [[String: Any]] {
        (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
    }

    @Test func everyFindingIsADetectedIssue() throws {
        let verdict = FHIRBuilder()
            .request("mr-epi", rxnorm: "3995", status: "draft", start: "2026-12-01", count: 4, period: 3, unit: "wk")
            .request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
            .resource([
                "resourceType": "DetectedIssue", "id": "di-1", "status": "final",
                "code": ["coding": [["system": "urn:regimen-guard:rule", "code": Rule.anthracycline]]],
                "mitigation": [["action": ["text": "Trial protocol NCT0000"]]], "author": ["display": "Dr PI"],
            ])
            .judge()
        let bundle = try Self.document(verdict)
        #expect(bundle["resourceType"] as? String == "Bundle")
        #expect(bundle["type"] as? String == "collection")
        #expect((bundle["identifier"] as? [String: Any])?["value"] as? String == "RX-FHIR-1")
        let tags = ((bundle["meta"] as? [String: Any])?["tag"] as? [[String: Any]]) ?? []
        #expect(tags.first?["code"] as? String == "accept")
        let issues = Self.resources(bundle)
        #expect(issues.count == verdict.findings.count)
        let issue = try #require(
            issues.first { issue in
                ((issue["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String
                    == Rule.anthracycline
            }
        )
        #expect(issue["resourceType"] as? String == "DetectedIssue")
        #expect(issue["status"] as? String == "final")
        #expect(issue["severity"] as? String == "high")
        #expect(issue["reference"] == nil)
        let coding = ((issue["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first
        #expect(coding?["system"] as? String == "urn:regimen-guard:rule")
        #expect(coding?["code"] as? String == Rule.anthracycline)
        let implicated = (issue["implicated"] as? [[String: Any]])?.compactMap { $0["reference"] as? String }
        #expect(implicated?.sorted() == ["MedicationRequest/mr-epi", "MedicationRequest/mr-trast"])
        let mitigation = (issue["mitigation"] as? [[String: Any]])?.first
        #expect((mitigation?["action"] as? [String: Any])?["text"] as? String == "Trial protocol NCT0000")
        #expect((issue["detail"] as? String)?.hasPrefix(verdict.findings(Rule.anthracycline)[0].summary) == true)
        #expect(issue["identifiedDateTime"] as? String == "2026-11-18T11:06:40Z")
        let policy = (issue["extension"] as? [[String: Any]])?.first
        #expect(policy?["url"] as? String == "urn:regimen-guard:policy")
        let parts = (policy?["extension"] as? [[String: Any]])?.compactMap { $0["url"] as? String }
        #expect(parts == ["version", "digest"])
    }

    @Test func severitiesAreHighModerateLow() {
        #expect(Severity.allCases.map { Verdict.fhirSeverity($0) } == ["low", "moderate", "high"])
    }

    @Test func anInvalidVerdictIsOneOperationOutcomeWithAnIssuePerError() throws {
        let verdict = validator.validate(
            bytes: FHIRBundleTests.bytes(FHIRBundleTests.directory + "/x20-fhir-unknown-request-status.fhir.json"),
            fileName: "g20.fhir.json",
            at: fixedDate
        )
        let resources = Self.resources(try Self.document(verdict))
        #expect(resources.map { $0["resourceType"] as? String } == ["OperationOutcome"])
        let issues = resources[0]["issue"] as? [[String: Any]] ?? []
        #expect(issues.count == verdict.errors.count)
        #expect(issues.compactMap { ($0["expression"] as? [String])?.first } == verdict.errors.map(\.path))
        #expect(issues.allSatisfy { $0["severity"] as? String == "error" && $0["code"] as? String == "invalid" })
        let unsupported = validator.validate(bytes: [1], fileName: "order.txt", at: fixedDate)
        let outcome = Self.resources(try Self.document(unsupported)).first
        #expect((outcome?["issue"] as? [[String: Any]])?.first?["code"] as? String == "not-supported")
    }

    @Test func theSameVerdictGivesTheSameBytes() {
        let bytes = FHIRBundleTests.bytes(
            FHIRBundleTests.directory + "/f02-ehr-administrations-doxorubicin-within-washout.fhir.json"
        )
        let a = validator.validate(bytes: bytes, fileName: "f02.json", at: fixedDate).fhirBundleBytes()
        let b = validator.validate(bytes: bytes, fileName: "f02.json", at: fixedDate).fhirBundleBytes()
        #expect(a == b)
        #expect(a.last == 0x0A)
    }
}

extension Verdict {
    static func fhirSeverity(_ severity: Severity) -> String {
        let finding = Finding(
            rule: "r",
            severity: severity,
            title: "t",
            summary: "s",
            detail: "",
            recommendation: "",
            evidence: [],
            references: []
        )
        let verdict = Verdict(
            orderID: "x",
            source: "x",
            sourceFormat: "fhir",
            sourceSHA256: "00",
            decision: .accept,
            findings: [finding],
            errors: [],
            policy: PolicyStamp(version: "v", digest: "d"),
            validatedAt: Date(timeIntervalSince1970: 0)
        )
        let bundle = (try? JSONSerialization.jsonObject(with: Data(verdict.fhirBundleBytes()))) as? [String: Any]
        let entry = (bundle?["entry"] as? [[String: Any]])?.first?["resource"] as? [String: Any]
        return entry?["severity"] as? String ?? "?"
    }
}
