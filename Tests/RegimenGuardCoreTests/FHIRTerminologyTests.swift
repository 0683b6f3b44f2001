import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// The `fhir` section of the policy set (`Policies/fhir.yaml`): every stop-reason code is checked against mCODE's
/// TreatmentTerminationReasonVS, every reason against the native ones.
@Suite struct FHIRTerminologyTests {
    func issues(_ fhir: String, extra: [String: String] = [:]) -> [String] {
        do {
            _ = try PolicySet.load(PolicyLoadingTests.files(replacing: "fhir.yaml", with: fhir, adding: extra))
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func theRepositoryTableLoads() {
        let fhir = repositoryPolicy.vocabulary.fhir
        #expect(
            fhir.stopReasons == [
                "266721009": .progression, "407563006": .toxicity, "105480006": .patientChoice, "443729008": .completed,
            ]
        )
        #expect(fhir.metastaticConditions.isSuperset(of: ["128462008", "94225005"]))
        #expect(fhir.primaryConditions.isSuperset(of: ["254837009", "372137005"]))
    }

    @Test func aCodeOutsideMCODEsValueSetIsRefused() {
        let problems = issues("fhir:\n  stop_reasons:\n    \"182992009\": completed\n")
        #expect(problems.count == 1)
        #expect(
            problems.first?.contains(
                "fhir.stop_reasons.182992009: SNOMED CT 182992009 is not in mCODE's TreatmentTerminationReasonVS"
            ) == true
        )
    }

    @Test func anUnknownReasonOrCodeShapeOrASecondSectionIsRefused() {
        #expect(
            issues("fhir:\n  stop_reasons:\n    \"266721009\": stopped\n").first?.contains("unknown value 'stopped'")
                == true
        )
        #expect(
            issues("fhir:\n  stop_reasons: {}\n  metastatic_conditions: [bone]\n").first?.contains(
                "'bone' is not a SNOMED CT concept id"
            ) == true
        )
        let twice = issues("fhir:\n  stop_reasons: {}\n", extra: ["local.yaml": "fhir:\n  stop_reasons: {}\n"])
        #expect(twice.first?.contains("the fhir section is already given in fhir.yaml") == true)
    }

    @Test func aPolicySetWithoutTheSectionStillReadsTheAlwaysCountingCodes() throws {
        let files = PolicyLoadingTests.files().filter { $0.name != "fhir.yaml" }
        let policy = try PolicySet.load(files)
        #expect(policy.vocabulary.fhir.stopReasons.isEmpty)
        #expect(policy.vocabulary.fhir.metastaticConditions == ["128462008"])
    }
}
