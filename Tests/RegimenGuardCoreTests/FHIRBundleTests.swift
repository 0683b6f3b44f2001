import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// FHIR R4 Bundles as orders (FHIR.md): every Bundle case in `Policies/tests` gives its expected verdict, every twin
/// judges like its native original, and the mapping's choices (proposed vs history, ignored, PHI) hold.
@Suite struct FHIRBundleTests {
    static let directory = repositoryRoot.appendingPathComponent("Policies/tests").path
    static let examples = repositoryRoot.appendingPathComponent("Examples/spool/incoming").path
    static let cases: [String] = entries(directory).filter { $0.hasSuffix(".fhir.json") }
    static let twins: [String] =
        cases.filter { original(of: $0, in: directory) != nil }
        + entries(examples).filter { $0.hasSuffix(".fhir.json") }.map { "examples/" + $0 }

    /// The native order a generated twin was made from (`NAME.json` or `NAME.csv` beside `NAME.fhir.json`).
    static func original(of twin: String, in folder: String) -> String? {
        let stem = String(twin.dropLast(".fhir.json".count))
        return [stem + ".json", stem + ".csv"].first { FileManager.default.fileExists(atPath: folder + "/" + $0) }
    }

    static func bytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

    @Test func thereAreTwinsAndHandWrittenBundles() {
        #expect(Self.twins.count >= 60)
        #expect(Self.cases.count - Self.twins.count >= 15)
    }

    @Test(arguments: cases)
    func theBundleGivesItsExpectedVerdict(name: String) throws {
        let order = Self.bytes(Self.directory + "/" + name)
        let expectBytes = Self.bytes(
            Self.directory + "/" + name.replacingOccurrences(of: ".fhir.json", with: ".fhir.expect.yaml")
        )
        let expectation = try CaseExpectation.parse(expectBytes, file: name)
        let verdict = validator.validate(bytes: order, fileName: name, at: fixedDate)
        #expect(verdict.sourceFormat == "fhir")
        #expect(expectation.differences(from: verdict) == [])
        // Nothing of the patient's identity reaches the verdict.
        let text = String(decoding: verdict.jsonBytes(), as: UTF8.self)
        for secret in ["pat-4711", "Alex Example", "1968-04-02", "MRN-9911"] {
            #expect(!text.contains(secret), "\(secret)")
        }
    }

    @Test(arguments: twins)
    func theTwinJudgesLikeItsNativeOriginal(name: String) throws {
        let folder = name.hasPrefix("examples/") ? Self.examples : Self.directory
        let twin = name.hasPrefix("examples/") ? String(name.dropFirst("examples/".count)) : name
        let original = try #require(Self.original(of: twin, in: folder))
        let native = validator.validate(bytes: Self.bytes(folder + "/" + original), fileName: original, at: fixedDate)
        let fhir = validator.validate(bytes: Self.bytes(folder + "/" + twin), fileName: twin, at: fixedDate)
        #expect(fhir.decision == native.decision)
        #expect(fhir.orderID == native.orderID)
        func key(_ v: Verdict) -> [String] {
            v.findings.map { "\($0.rule) \($0.severity.rawValue) overridden:\($0.overridden)" }.sorted()
        }
        #expect(key(fhir) == key(native))
        #expect(fhir.errors.count == native.errors.count)
        if native.decision != .invalid {
            #expect(fhir.ignored == [], "a twin holds only what the mapping reads")
            // Evidence names the Bundle entry and the resource.
            for evidence in fhir.findings.flatMap(\.evidence) {
                #expect(evidence.path.hasPrefix("Bundle.entry["), "\(evidence.path)")
                #expect(
                    evidence.reference.map {
                        ["MedicationRequest/", "Observation/", "AdverseEvent/"].contains(where: $0.hasPrefix)
                    } ?? false
                )
            }
        }
    }

    // MARK: - Recognition

    @Test func aBundleIsRecognisedByContentAndANativeOrderIsNot() {
        let format = FHIRBundleFormat()
        #expect(
            format.recognizes(
                fileName: "a.json",
                content: Array("  {\"id\": \"x\", \"resourceType\": \"Bundle\"}".utf8)[...]
            )
        )
        #expect(!format.recognizes(fileName: "a.csv", content: Array("{\"resourceType\": \"Bundle\"}".utf8)[...]))
        #expect(
            !format.recognizes(
                fileName: "a.json",
                content: Array("{\"extensions\": {\"resourceType\": \"Bundle\"}}".utf8)[...]
            )
        )
        #expect(
            !format.recognizes(fileName: "a.json", content: Array("{\"order_id\": \"x\\\"resourceType\"}".utf8)[...])
        )
        #expect(!format.recognizes(fileName: "a.json", content: Array("[{\"resourceType\": \"Bundle\"}]".utf8)[...]))
        let native = judge(order([.open("trastuzumab", "2026-12-01")]))
        #expect(native.sourceFormat == "json")
    }

    @Test func aResourceThatIsNotABundleIsAnInvalidFHIROrder() {
        let verdict = judge("{\"resourceType\": \"Patient\", \"id\": \"p\"}")
        #expect(verdict.decision == .invalid)
        #expect(verdict.sourceFormat == "fhir")
        #expect(verdict.errors.map(\.path) == ["Patient.resourceType"])
    }

    @Test func aMalformedBundleIsReportedByLineAndColumn() {
        let verdict = judge("{\"resourceType\": \"Bundle\", \"entry\": [}")
        #expect(verdict.decision == .invalid)
        #expect(verdict.errors.first?.path.hasPrefix("line 1, column") == true)
    }

    // MARK: - Proposed regimen and history

    @Test func draftsAreProposedAndActiveRequestsBesideThemAreOngoingHistory() throws {
        // An active anthracycline beside a draft HER2 antibody is ongoing therapy: the overlap is found.
        let bundle = FHIRBuilder()
            .request("mr-dox", rxnorm: "3639", status: "active", start: "2026-11-01")
            .request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
        let verdict = bundle.judge()
        #expect(verdict.decision == .reject)
        let finding = try #require(verdict.findings(Rule.anthracycline).first)
        #expect(
            finding.evidence.compactMap(\.reference).sorted() == [
                "MedicationRequest/mr-dox", "MedicationRequest/mr-trast",
            ]
        )
    }

    @Test func withoutDraftsActiveRequestsAreTheProposedRegimen() {
        let verdict = FHIRBuilder().request("mr-trast", rxnorm: "224905", status: "active", start: "2026-12-01").judge()
        #expect(verdict.decision == .accept)
    }

    @Test func theProposedMarkerMakesEveryOtherRequestHistory() {
        // The CDS Hooks service marks its draft orders; a draft of the prefetch is then history, not proposed.
        let verdict = FHIRBuilder()
            .request("mr-trast", rxnorm: "224905", status: "active", start: "2026-12-01", proposed: true)
            .request("mr-epi", rxnorm: "3995", status: "draft", start: "2026-11-01")
            .judge()
        #expect(verdict.v1Rules == [Rule.anthracycline])
        let references = verdict.findings(Rule.anthracycline).flatMap(\.evidence).compactMap(\.reference)
        #expect(references.contains("MedicationRequest/mr-trast"))
        #expect(references.contains("MedicationRequest/mr-epi"))
    }

    @Test func cancelledAndUnknownRequestsAreIgnoredAndListed() {
        let verdict = FHIRBuilder()
            .request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
            .request("mr-epi", rxnorm: "3995", status: "cancelled", start: "2026-12-01")
            .request("mr-dox", rxnorm: "3639", status: "unknown", start: "2026-12-01")
            .judge()
        #expect(verdict.decision == .accept)
        #expect(
            verdict.ignored.map(\.reason).filter { $0.hasPrefix("MedicationRequest status") }
                == ["MedicationRequest status cancelled", "MedicationRequest status unknown"]
        )
    }

    @Test func aStatementActiveWithoutAnEndIsOngoing() {
        let verdict = FHIRBuilder()
            .resource([
                "resourceType": "MedicationStatement", "id": "ms-epi", "status": "active",
                "medicationCodeableConcept": ["text": "epirubicin"], "subject": ["reference": "Patient/p1"],
                "effectiveDateTime": "2026-10-01",
            ])
            .request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
            .judge()
        #expect(verdict.v1Rules == [Rule.anthracycline])
        #expect(
            verdict.findings(Rule.anthracycline).flatMap(\.evidence).compactMap(\.reference).contains(
                "MedicationStatement/ms-epi"
            )
        )
    }

    @Test func cyclesComeFromCountOverFrequencyAndWeeksAreSevenDays() throws {
        // Docetaxel: count 6, period 3 wk = 6 x 21 days from 2026-12-01: the last day is 2027-04-05.
        let verdict = FHIRBuilder()
            .request("mr-doce", rxnorm: "72962", status: "draft", start: "2026-12-01", count: 6, period: 3, unit: "wk")
            .request("mr-let", rxnorm: "72965", status: "draft", start: "2027-04-05")
            .judge()
        let finding = try #require(verdict.findings(Rule.endocrine).first)
        #expect(finding.evidence.contains { $0.end == "2027-04-05" })
        let later = FHIRBuilder()
            .request("mr-doce", rxnorm: "72962", status: "draft", start: "2026-12-01", count: 6, period: 21, unit: "d")
            .request("mr-let", rxnorm: "72965", status: "draft", start: "2027-04-06")
            .judge()
        #expect(later.findings(Rule.endocrine).isEmpty)
    }

    @Test func dateTimesAreReducedToTheirCalendarDateAsWritten() throws {
        let verdict = FHIRBuilder()
            .request(
                "mr-doce",
                rxnorm: "72962",
                status: "draft",
                start: "2026-12-01T23:30:00-08:00",
                count: 1,
                period: 1,
                unit: "d"
            )
            .request("mr-let", rxnorm: "72965", status: "draft", start: "2026-12-01T00:10:00+14:00")
            .judge()
        let finding = try #require(verdict.findings(Rule.endocrine).first)
        #expect(finding.evidence.allSatisfy { $0.start == "2026-12-01" })
    }

    @Test func aStopReasonFromTheMCODETableCountsAndAnUnlistedSNOMEDCodeIsOther() throws {
        let policy = repositoryPolicy.vocabulary.fhir
        #expect(policy.stopReasons["266721009"] == .progression)
        #expect(policy.stopReasons.keys.allSatisfy { FHIRTerminology.mCODETerminationReasons[$0] != nil })
        #expect(policy.metastaticConditions.contains("128462008") && policy.primaryConditions.contains("254837009"))
    }

    @Test func theCodingTheVocabularyKnowsDecidesAndTheOthersAreListed() {
        let verdict = FHIRBuilder()
            .request(
                "mr-1",
                concept: [
                    "coding": [
                        ["system": "http://hl7.org/fhir/sid/ndc", "code": "50242-0134-01"],
                        ["system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "999999999"],
                        ["system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "224905"],
                    ], "text": "Herceptin",
                ],
                status: "draft",
                start: "2026-12-01"
            )
            .judge()
        #expect(verdict.decision == .accept)
        #expect(
            verdict.ignored.map(\.path) == [
                "Bundle.entry[5].resource.medicationCodeableConcept.coding[0]",
                "Bundle.entry[5].resource.medicationCodeableConcept.coding[1]",
            ]
        )
    }

    @Test func theDisplayIsTheDrugNameWhenNoCodingIsKnownAndNoTextIsGiven() {
        let verdict = FHIRBuilder()
            .request(
                "mr-1",
                concept: ["coding": [["system": "http://hl7.org/fhir/sid/ndc", "code": "1", "display": "Herzuma"]]],
                status: "draft",
                start: "2026-12-01"
            )
            .judge()
        #expect(verdict.decision == .accept)
    }

    @Test func overridesAreDetectedIssues() {
        let verdict = FHIRBuilder()
            .request("mr-epi", rxnorm: "3995", status: "draft", start: "2026-12-01", count: 4, period: 3, unit: "wk")
            .request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
            .resource([
                "resourceType": "DetectedIssue", "id": "di-1", "status": "final",
                "patient": ["reference": "Patient/p1"],
                "code": ["coding": [["system": "urn:regimen-guard:rule", "code": Rule.anthracycline]]],
                "mitigation": [["action": ["text": "Trial protocol NCT0000"]]], "author": ["display": "Dr PI"],
            ])
            .judge()
        #expect(verdict.decision == .accept)
        #expect(
            verdict.findings(Rule.anthracycline).first?.override
                == OverrideNote(reason: "Trial protocol NCT0000", by: "Dr PI")
        )
    }

    @Test func aMissingOverrideReasonIsNamedByItsFHIRElement() {
        let verdict = FHIRBuilder()
            .request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
            .resource([
                "resourceType": "DetectedIssue", "id": "di-1", "status": "final",
                "code": ["coding": [["system": "urn:regimen-guard:rule", "code": Rule.anthracycline]]],
            ])
            .judge()
        #expect(verdict.errors.map(\.path) == ["Bundle.entry[6].resource.mitigation[0].action.text"])
    }

    @Test func cyclesWithoutAPeriodNameThePeriod() {
        let verdict = FHIRBuilder()
            .request("mr-doce", rxnorm: "72962", status: "draft", start: "2026-12-01", count: 6)
            .judge()
        #expect(verdict.errors.map(\.path) == ["Bundle.entry[5].resource.dosageInstruction[0].timing.repeat.period"])
    }

    @Test func aMetastaticCategoryObservationGivesTheSetting() {
        let verdict = FHIRBuilder(conditions: false)
            .resource([
                "resourceType": "Observation", "id": "m", "status": "final",
                "code": ["coding": [["system": "http://loinc.org", "code": "21907-1"]]],
                "effectiveDateTime": "2026-10-01",
                "valueCodeableConcept": [
                    "coding": [["system": "http://snomed.info/sct", "code": "1229903002", "display": "cM1"]]
                ],
            ])
            .request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
            .judge()
        #expect(verdict.decision == .accept)
    }

    @Test func aRefutedConditionDoesNotCount() {
        let verdict = FHIRBuilder(conditions: false)
            .resource([
                "resourceType": "Condition", "id": "c", "verificationStatus": ["coding": [["code": "refuted"]]],
                "code": ["coding": [["system": "http://snomed.info/sct", "code": "128462008"]]],
            ])
            .request("mr-trast", rxnorm: "224905", status: "draft", start: "2026-12-01")
            .judge()
        #expect(verdict.errors.map(\.path) == ["Bundle"])
        #expect(
            verdict.ignored.contains(
                IgnoredEntry(path: "Bundle.entry[5]", reason: "Condition verificationStatus refuted")
            )
        )
    }
}

/// A small Bundle builder for tests: a Patient, a metastatic Condition, HER2 and ER positive, an LVEF, then the
/// resources added in order (entry indices: 0 Patient, 1 Condition, 2 HER2, 3 ER, 4 LVEF, then 5...).
struct FHIRBuilder {
    var entries: [[String: Any]] = []
    var id = "RX-FHIR-1"

    init(conditions: Bool = true, lvef: String = "2026-11-20") {
        let subject = ["reference": "Patient/p1"]
        entries.append(["resourceType": "Patient", "id": "p1", "name": [["family": "Secret"]]])
        entries.append(
            conditions
                ? [
                    "resourceType": "Condition", "id": "c1", "subject": subject,
                    "code": ["coding": [["system": "http://snomed.info/sct", "code": "128462008"]]],
                ]
                : ["resourceType": "Practitioner", "id": "x"]
        )
        for (code, rid) in [("48676-1", "her2"), ("16112-5", "er")] {
            entries.append([
                "resourceType": "Observation", "id": rid, "status": "final", "subject": subject,
                "code": ["coding": [["system": "http://loinc.org", "code": code]]], "effectiveDateTime": "2026-10-01",
                "valueCodeableConcept": ["coding": [["system": "http://loinc.org", "code": "LA6576-8"]]],
            ])
        }
        entries.append([
            "resourceType": "Observation", "id": "lvef", "status": "final", "subject": subject,
            "code": ["coding": [["system": "http://loinc.org", "code": "10230-1"]]], "effectiveDateTime": lvef,
            "valueQuantity": ["value": 60, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"],
        ])
    }

    func resource(_ resource: [String: Any]) -> FHIRBuilder {
        var copy = self
        copy.entries.append(resource)
        return copy
    }

    func request(
        _ id: String,
        rxnorm: String? = nil,
        concept: [String: Any]? = nil,
        status: String,
        start: String?,
        count: Int? = nil,
        period: Int? = nil,
        unit: String? = nil,
        proposed: Bool = false
    ) -> FHIRBuilder {
        var repeating: [String: Any] = [:]
        if let start { repeating["boundsPeriod"] = ["start": start] }
        if let count { repeating["count"] = count }
        if let period { repeating["period"] = period }
        if let unit { repeating["periodUnit"] = unit }
        var resource: [String: Any] = [
            "resourceType": "MedicationRequest", "id": id, "status": status, "intent": "order",
            "subject": ["reference": "Patient/p1"],
            "medicationCodeableConcept": concept ?? [
                "coding": [["system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": rxnorm ?? ""]]
            ],
            "dosageInstruction": [["timing": ["repeat": repeating]]],
        ]
        if proposed { resource["extension"] = [["url": "urn:regimen-guard:proposed", "valueBoolean": true]] }
        return self.resource(resource)
    }

    var bytes: [UInt8] {
        let bundle: [String: Any] = [
            "resourceType": "Bundle", "type": "collection", "identifier": ["value": id],
            "entry": entries.map { ["resource": $0] },
        ]
        return Array(try! JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys]))
    }

    func judge() -> Verdict { validator.validate(bytes: bytes, fileName: "order.json", at: fixedDate) }
}
