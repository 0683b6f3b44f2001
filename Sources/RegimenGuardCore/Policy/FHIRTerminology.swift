import Yams

/// The code tables the FHIR mapping reads from the policy set (the `fhir` section, `Policies/fhir.yaml`): mCODE
/// treatment-termination reasons as native stop reasons, and the SNOMED CT Condition codes counted as metastatic or
/// primary breast cancer besides 128462008 and 254837009 (FHIR.md sections 2 and 3).
public struct FHIRTerminology: Sendable, Equatable {
    /// SNOMED CT code → stop reason. A SNOMED code not in the table is `other`.
    public var stopReasons: [String: StopReason]
    /// SNOMED CT codes of a metastatic (secondary) cancer Condition, 128462008 included.
    public var metastaticConditions: Set<String>
    /// SNOMED CT codes of a primary breast cancer Condition, 254837009 included.
    public var primaryConditions: Set<String>

    public init(
        stopReasons: [String: StopReason] = [:],
        metastaticConditions: Set<String> = [],
        primaryConditions: Set<String> = []
    ) {
        self.stopReasons = stopReasons
        self.metastaticConditions = metastaticConditions.union(["128462008"])
        self.primaryConditions = primaryConditions.union(["254837009"])
    }

    /// mCODE 4.0.0 TreatmentTerminationReasonVS (HL7/fhir-mCODE-ig `input/fsh/VS_Other.fsh`): the SNOMED CT codes a
    /// stop-reason table entry may name. 182992009 "treatment completed" was in earlier mCODE releases only.
    public static let mCODETerminationReasons: [String: String] = [
        "266721009": "No response to treatment",
        "407563006": "Treatment not tolerated",
        "160932005": "Financial problem",
        "105480006": "Refusal of treatment by patient",
        "184081006": "Patient has moved away",
        "309846006": "Treatment not available",
        "399307001": "Lost to follow-up",
        "419620001": "Death",
        "7058009": "Noncompliance with treatment",
        "443729008": "Completion of clinical trial",
        "77386006": "Pregnancy",
    ]
}

extension FHIRTerminology {
    /// Reads the `fhir` section of one policy file.
    static func read(_ node: Node, _ reader: inout YAMLReader) -> FHIRTerminology? {
        let allowed: Set<String> = ["stop_reasons", "metastatic_conditions", "primary_conditions"]
        guard let f = reader.mapping(node, "fhir", allowed: allowed, required: ["stop_reasons"]) else { return nil }
        var reasons: [String: StopReason] = [:]
        for (code, value) in reader.entries(f["stop_reasons"], "fhir.stop_reasons") {
            let path = "fhir.stop_reasons.\(code)"
            guard FHIRTerminology.mCODETerminationReasons[code] != nil else {
                reader.fail(
                    value,
                    path,
                    "SNOMED CT \(code) is not in mCODE's TreatmentTerminationReasonVS; its codes are \(FHIRTerminology.mCODETerminationReasons.keys.sorted().joined(separator: ", "))"
                )
                continue
            }
            guard let reason: StopReason = reader.enumValue(["v": value], "v", path) else { continue }
            reasons[code] = reason
        }
        func codes(_ key: String) -> Set<String> {
            let list = reader.strings(f, key, "fhir") ?? []
            for code in list where !code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) || code.utf8.count < 6 {
                reader.fail(f[key], "fhir.\(key)", "'\(code)' is not a SNOMED CT concept id (6 to 18 digits)")
            }
            return Set(list)
        }
        return FHIRTerminology(
            stopReasons: reasons,
            metastaticConditions: codes("metastatic_conditions"),
            primaryConditions: codes("primary_conditions")
        )
    }
}
