import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// Bundles built to hurt: deep nesting, huge entry arrays, thousands of administrations, references that loop or
/// point nowhere, a contained inside a contained. Each gets a verdict, quickly, and the cost grows about linearly.
@Suite struct FHIRHostileBundleTests {
    static func administrations(_ count: Int) -> FHIRBuilder {
        var builder = FHIRBuilder().request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
        for i in 0..<count {
            let day = Day(iso: "2020-01-01")!.adding(days: i % 1500)
            builder = builder.resource([
                "resourceType": "MedicationAdministration", "id": "ma-\(i)", "status": "completed",
                "subject": ["reference": "Patient/p1"], "effectiveDateTime": day.description,
                "medicationReference": ["reference": "Medication/med-\(i % 7)"],
            ])
        }
        for m in 0..<7 {
            builder = builder.resource([
                "resourceType": "Medication", "id": "med-\(m)",
                "code": [
                    "coding": [
                        [
                            "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                            "code": ["224905", "1298944", "72962", "56946", "72965", "3639", "3995"][m],
                        ]
                    ]
                ],
            ])
        }
        return builder
    }

    /// The native order with the same content as ``administrations(_:)``.
    static func nativeAdministrations(_ count: Int) -> [UInt8] {
        let drugs = ["trastuzumab", "pertuzumab", "docetaxel", "paclitaxel", "letrozole", "doxorubicin", "epirubicin"]
        let history = (0..<count).map { i -> String in
            let day = Day(iso: "2020-01-01")!.adding(days: i % 1500).description
            return "{\"drug\": \"\(drugs[i % 7])\", \"start\": \"\(day)\", \"end\": \"\(day)\"}"
        }
        return Array(
            """
            {"order_id": "RX-FHIR-1", "patient": {"id": "p1", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic"},
             "medications": [{"drug": "trastuzumab", "start": "2026-12-01"}], "history": [\(history.joined(separator: ","))],
             "observations": [{"type": "lvef", "loinc": "10230-1", "value": 60, "unit": "%", "date": "2026-11-20"}]}
            """.utf8
        )
    }

    // Speed is measured in the benchmark (FHIRBench: the typical twin beside the native order, 200 administrations),
    // not asserted here: these tests check what large Bundles give, not how long they take.

    @Test func thousandsOfAdministrationsAreReadAsHistoryItems() throws {
        let format = FHIRBundleFormat(), vocabulary = repositoryPolicy.vocabulary
        let document = try format.read(Self.administrations(4000).bytes[...], vocabulary: vocabulary).get()
        guard case .object(let members) = document.tree.kind,
            case .array(let history) = members.first(where: { $0.key == "history" })?.value.kind
        else {
            Issue.record("no history in the order tree")
            return
        }
        #expect(history.count == 4000)
    }

    @Test func judgingThousandsOfAdministrationsGivesWhatTheNativeOrderGives() {
        let bundle = Self.administrations(1000).bytes, native = Self.nativeAdministrations(1000)
        let verdict = validator.validate(bytes: bundle, fileName: "big.json", at: fixedDate)
        let nativeVerdict = validator.validate(bytes: native, fileName: "big.json", at: fixedDate)
        #expect(verdict.decision != .invalid, "\(verdict.errors.prefix(3))")
        #expect(verdict.decision == nativeVerdict.decision)
        #expect(verdict.findings.map(\.rule) == nativeVerdict.findings.map(\.rule))
    }

    @Test func aHugeEntryArrayOfUnreadResourcesIsListed() {
        var builder = FHIRBuilder().request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
        for i in 0..<20_000 {
            builder = builder.resource(["resourceType": "Encounter", "id": "e\(i)", "status": "finished"])
        }
        let verdict = validator.validate(bytes: builder.bytes, fileName: "huge.json", at: fixedDate)
        #expect(verdict.decision == .accept)
        #expect(verdict.ignored.count == 20_000)
    }

    @Test func deepNestingIsInvalidNotACrash() {
        let deep =
            "{\"resourceType\": \"Bundle\", \"entry\": [{\"resource\": {\"resourceType\": \"Basic\", \"extension\": "
            + String(repeating: "[{\"extension\": ", count: 5000) + "null" + String(repeating: "}]", count: 5000)
            + "}}]}"
        let verdict = judge(deep)
        #expect(verdict.decision == .invalid)
        #expect(verdict.errors.first?.message.contains("nesting") == true)
    }

    @Test func referencesThatLoopOrPointNowhereAreErrorsNotHangs() {
        // A MedicationRequest whose medicationReference points at itself, one at another request, one nowhere.
        let verdict = FHIRBuilder()
            .request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
            .resource([
                "resourceType": "MedicationRequest", "id": "mr-self", "status": "draft",
                "subject": ["reference": "Patient/p1"],
                "medicationReference": ["reference": "MedicationRequest/mr-self"],
                "dosageInstruction": [["timing": ["repeat": ["boundsPeriod": ["start": "2026-12-01"]]]]],
            ])
            .resource([
                "resourceType": "MedicationRequest", "id": "mr-nowhere", "status": "draft",
                "subject": ["reference": "Patient/p1"],
                "medicationReference": ["reference": "urn:uuid:0000"],
                "dosageInstruction": [["timing": ["repeat": ["boundsPeriod": ["start": "2026-12-01"]]]]],
            ])
            .resource([
                "resourceType": "AdverseEvent", "id": "ae", "actuality": "actual",
                "subject": ["reference": "Patient/p1"],
                "event": ["coding": [["system": "http://snomed.info/sct", "code": "84114007"]]], "date": "2026-01-01",
                "suspectEntity": [["instance": ["reference": "AdverseEvent/ae"]]],
            ])
            .judge()
        #expect(verdict.decision == .invalid)
        let paths = verdict.errors.map(\.path)
        #expect(paths.contains("Bundle.entry[6].resource.medicationReference.reference"))
        #expect(paths.contains("Bundle.entry[7].resource.medicationReference.reference"))
        #expect(paths.contains("Bundle.entry[8].resource.suspectEntity[0].instance.reference"))
    }

    /// A draft whose contained Medication m1 (trastuzumab) itself contains m2 (epirubicin), referencing `id`.
    static func nestedContained(referencing id: String) -> Verdict {
        FHIRBuilder()
            .resource([
                "resourceType": "MedicationRequest", "id": "mr-1", "status": "draft",
                "subject": ["reference": "Patient/p1"],
                "contained": [
                    [
                        "resourceType": "Medication", "id": "m1", "code": ["text": "trastuzumab"],
                        "contained": [["resourceType": "Medication", "id": "m2", "code": ["text": "epirubicin"]]],
                    ]
                ],
                "medicationReference": ["reference": "#\(id)"],
                "dosageInstruction": [["timing": ["repeat": ["boundsPeriod": ["start": "2026-12-01"]]]]],
            ])
            .judge()
    }

    @Test func aContainedInsideAContainedIsNotRead() {
        let verdict = Self.nestedContained(referencing: "m1")
        #expect(verdict.decision == .accept)
        #expect(verdict.ignored.map(\.path).contains("Bundle.entry[5].resource.contained[0].contained"))
    }

    @Test func aReferenceToANestedContainedIsNotFollowed() {
        let verdict = Self.nestedContained(referencing: "m2")
        #expect(verdict.errors.map(\.path) == ["Bundle.entry[5].resource.medicationReference.reference"])
    }

    @Test func everyMutantOfEveryBundleGetsAConsistentVerdict() {
        let seeds = FHIRBundleTests.cases.map { FHIRBundleTests.bytes(FHIRBundleTests.directory + "/" + $0) }
        var rng = MutationFuzzTests.Generator(state: 14)
        for index in 0..<3000 {
            let mutant = MutationFuzzTests.mutate(seeds[index % seeds.count], &rng)
            let verdict = validator.validate(bytes: mutant, fileName: "mutant.json", at: fixedDate)
            if verdict.decision == .invalid {
                #expect(!verdict.errors.isEmpty && verdict.findings.isEmpty, "mutant \(index)")
            } else {
                #expect(verdict.errors.isEmpty, "mutant \(index)")
            }
        }
    }
}
