/// The two CDS services and what discovery says about them (CDSHOOKS.md sections 1 and 2).
enum HookService: String, Sendable, CaseIterable {
    case orderSign = "regimen-guard-order-sign"
    case orderSelect = "regimen-guard-order-select"

    var id: String { rawValue }

    /// The CDS Hooks hook name a request to this service must carry.
    var hook: String {
        switch self {
        case .orderSign: "order-sign"
        case .orderSelect: "order-select"
        }
    }

    var title: String {
        switch self {
        case .orderSign: "regimen-guard: HR+/HER2+ breast cancer regimen check at signature"
        case .orderSelect: "regimen-guard: HR+/HER2+ breast cancer regimen check while ordering"
        }
    }

    var description: String {
        switch self {
        case .orderSign:
            "Checks the draft anti-cancer medication orders against the patient's history, observations and "
                + "adverse events before they are signed, with the same rules and policy as the pharmacy spool."
        case .orderSelect:
            "The same check while orders are chosen: cards only for findings about the selected orders, at most "
                + "a warning (nothing is signed yet)."
        }
    }

    static func find(id: Substring) -> HookService? { HookService(rawValue: String(id)) }
}

/// The prefetch keys and their templates (CDSHOOKS.md section 2).
enum PrefetchKey: String, Sendable, CaseIterable {
    case patient, observations, conditions, medicationHistory, medicationStatements, administrations, adverseEvents

    /// Needed keys make a request without them (or with an incomplete result) a 412.
    var isNeeded: Bool {
        switch self {
        case .patient, .observations, .conditions, .medicationHistory: true
        case .medicationStatements, .administrations, .adverseEvents: false
        }
    }

    /// The observation codes the rules read (FHIR.md section 3): LVEF (the policy's set), weight, height, BSA,
    /// HER2 status/IHC/ISH, ER, PR, the TNM M category, and menopausal status.
    static func observationCodes(lvefLOINC: Set<String>) -> [String] {
        let loinc = Set(lvefLOINC).union([
            "10230-1", "29463-7", "8302-2", "8277-6", "48676-1", "85319-2", "85318-4",
            "16112-5", "85337-4", "16113-3", "85339-0", "21907-1",
        ])
        return loinc.sorted().map { "http://loinc.org|\($0)" }
            + ["http://snomed.info/sct|399387003", "urn:regimen-guard:observation|menopausal-status"]
    }

    func template(lvefLOINC: Set<String>) -> String {
        switch self {
        case .patient: "Patient/{{context.patientId}}"
        case .observations:
            "Observation?patient={{context.patientId}}&code=\(PrefetchKey.observationCodes(lvefLOINC: lvefLOINC).joined(separator: ","))&_sort=-date&_count=500"
        case .conditions: "Condition?patient={{context.patientId}}"
        case .medicationHistory:
            "MedicationRequest?patient={{context.patientId}}&status=completed,stopped,active,on-hold&_include=MedicationRequest:medication"
        case .medicationStatements:
            "MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication"
        case .administrations:
            "MedicationAdministration?patient={{context.patientId}}&_include=MedicationAdministration:medication"
        case .adverseEvents: "AdverseEvent?subject={{context.patientId}}"
        }
    }
}

enum Discovery {
    static let usageRequirements =
        "Prefetch every key listed (patient, observations, conditions, medicationHistory are required: without "
        + "them the service answers 412). Sign requests with a JWT (ES384 or RS384 recommended) from an issuer "
        + "configured with its JWKS."

    /// The `GET /cds-services` document.
    static func document(lvefLOINC: Set<String>) -> JSONOutput {
        .object([
            (
                "services",
                .array(
                    HookService.allCases.map { service in
                        .object([
                            ("hook", .string(service.hook)),
                            ("id", .string(service.id)),
                            ("title", .string(service.title)),
                            ("description", .string(service.description)),
                            (
                                "prefetch",
                                .object(
                                    PrefetchKey.allCases.map {
                                        ($0.rawValue, .string($0.template(lvefLOINC: lvefLOINC)))
                                    }
                                )
                            ),
                            ("usageRequirements", .string(usageRequirements)),
                        ])
                    }
                )
            )
        ])
    }
}
