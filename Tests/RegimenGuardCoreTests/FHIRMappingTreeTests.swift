import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// The native order tree a Bundle maps to, field by field, order v2 fields included (they are judged once the
/// native decoder reads v2; the tree is checked now), and the verdicts of the same content in both formats.
@Suite struct FHIRMappingTreeTests {
    /// The tree as Foundation values, to compare with the native order it stands for.
    static func plain(_ node: JSONNode) -> Any {
        switch node.kind {
        case .null: return NSNull()
        case .bool(let b): return b
        case .number(let literal): return Double(literal) ?? .nan
        case .string(let s): return s
        case .array(let items): return items.map(plain)
        case .object(let members):
            return Dictionary(members.map { ($0.key, plain($0.value)) }, uniquingKeysWith: { a, _ in a })
        }
    }

    static func tree(_ builder: FHIRBuilder) throws -> [String: Any] {
        let document = try FHIRBundleFormat().read(builder.bytes[...], vocabulary: repositoryPolicy.vocabulary).get()
        #expect(document.errors.isEmpty, "\(document.errors)")
        return try #require(plain(document.tree) as? [String: Any])
    }

    static func same(_ a: Any, _ b: Any) -> Bool {
        NSDictionary(dictionary: ["v": a]).isEqual(to: ["v": b])
    }

    /// Whether the native decoder reads order v2 (doses, adverse events, ...).
    static let decoderReadsV2: Bool = {
        judge(
            #"{"order_id": "V2", "patient": {"id": "p", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic"}, "medications": [{"drug": "trastuzumab", "start": "2026-12-01", "doses_per_cycle": 1}]}"#
        ).decision != .invalid
    }()

    static var v2Bundle: FHIRBuilder {
        FHIRBuilder(conditions: false)
            .resource([
                "resourceType": "Condition", "id": "met", "onsetDateTime": "2026-10-30T12:00:00Z",
                "meta": [
                    "profile": [
                        "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-secondary-cancer-condition|4.0.0"
                    ]
                ],
                "code": ["coding": [["system": "http://snomed.info/sct", "code": "94225005"]]],
            ])
            .resource([
                "resourceType": "Condition", "id": "met-bone", "onsetDateTime": "2026-11-02",
                "code": ["coding": [["system": "http://snomed.info/sct", "code": "94222008"]]],
            ])
            .resource([
                "resourceType": "Observation", "id": "meno", "status": "final", "effectiveDateTime": "2026-11-01",
                "code": ["coding": [["system": "urn:regimen-guard:observation", "code": "menopausal-status"]]],
                "valueCodeableConcept": [
                    "coding": [["system": "urn:regimen-guard:menopausal-status", "code": "perimenopausal"]]
                ],
            ])
            .resource([
                "resourceType": "Observation", "id": "wt", "status": "final", "effectiveDateTime": "2026-11-28",
                "code": ["coding": [["system": "http://loinc.org", "code": "29463-7"]]],
                "valueQuantity": [
                    "value": 151, "unit": "lb", "system": "http://unitsofmeasure.org", "code": "[lb_av]",
                ],
            ])
            .resource([
                "resourceType": "MedicationRequest", "id": "mr-t", "status": "draft",
                "subject": ["reference": "Patient/p1"],
                "medicationCodeableConcept": [
                    "coding": [["system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "224905"]]
                ],
                "dosageInstruction": [
                    [
                        "timing": [
                            "repeat": [
                                "boundsPeriod": ["start": "2026-12-01"], "count": 6, "period": 3, "periodUnit": "wk",
                            ]
                        ],
                        "doseAndRate": [
                            [
                                "doseQuantity": [
                                    "value": 6, "unit": "mg/kg", "system": "http://unitsofmeasure.org", "code": "mg/kg",
                                ]
                            ],
                            [
                                "type": ["coding": [["system": "urn:regimen-guard:dose-type", "code": "loading"]]],
                                "doseQuantity": [
                                    "value": 8, "unit": "mg/kg", "system": "http://unitsofmeasure.org", "code": "mg/kg",
                                ],
                            ],
                        ],
                    ]
                ],
            ])
            .resource([
                "resourceType": "MedicationRequest", "id": "mr-p", "status": "draft",
                "subject": ["reference": "Patient/p1"],
                "medicationCodeableConcept": ["text": "paclitaxel"],
                "dosageInstruction": [
                    [
                        "timing": [
                            "repeat": [
                                "boundsPeriod": ["start": "2026-12-01"], "count": 18, "frequency": 3, "period": 28,
                                "periodUnit": "d",
                            ]
                        ]
                    ]
                ],
            ])
            .resource([
                "resourceType": "MedicationStatement", "id": "ms-dox", "status": "completed",
                "medicationCodeableConcept": ["text": "doxorubicin"],
                "extension": [
                    [
                        "url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-procedure-intent",
                        "valueCodeableConcept": [
                            "coding": [["system": "http://snomed.info/sct", "code": "373808002"]]
                        ],
                    ],
                    [
                        "url": "urn:regimen-guard:cumulative-dose",
                        "valueQuantity": [
                            "value": 240, "unit": "mg/m2", "system": "http://unitsofmeasure.org", "code": "mg/m2",
                        ],
                    ],
                ],
                "effectivePeriod": ["start": "2019-01-10", "end": "2019-03-14"],
                "statusReason": [["coding": [["system": "http://snomed.info/sct", "code": "443729008"]]]],
            ])
            .resource([
                "resourceType": "AdverseEvent", "id": "ae", "actuality": "actual", "date": "2025-06-02T08:00:00Z",
                "event": ["coding": [["system": "http://snomed.info/sct", "code": "205237003"]]],
                "severity": [
                    "coding": [
                        ["system": "http://terminology.hl7.org/CodeSystem/adverse-event-severity", "code": "mild"]
                    ]
                ],
                "suspectEntity": [["instance": ["reference": "#m"]]],
                "contained": [
                    [
                        "resourceType": "Medication", "id": "m",
                        "code": ["coding": [["system": "http://www.whocc.no/atc", "code": "L01FD04"]]],
                    ]
                ],
            ])
            .resource([
                "resourceType": "AdverseEvent", "id": "ae-potential", "actuality": "potential",
                "event": ["coding": [["system": "http://snomed.info/sct", "code": "84114007"]]],
            ])
    }

    static let v2Native = """
        {"order_id": "RX-FHIR-1",
         "patient": {"id": "p1", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic",
                     "metastatic_since": "2026-10-30", "menopausal_status": "perimenopausal"},
         "medications": [
           {"code": {"system": "rxnorm", "code": "224905"}, "start": "2026-12-01", "cycles": 6, "cycle_length_days": 21,
            "dose": {"value": 6, "unit": "mg/kg"}, "loading_dose": {"value": 8, "unit": "mg/kg"}},
           {"drug": "paclitaxel", "start": "2026-12-01", "cycles": 6, "cycle_length_days": 28, "doses_per_cycle": 3}],
         "history": [
           {"drug": "doxorubicin", "start": "2019-01-10", "end": "2019-03-14", "stop_reason": "completed",
            "setting": "early", "cumulative_dose": {"value": 240, "unit": "mg/m2"}}],
         "observations": [
           {"type": "lvef", "loinc": "10230-1", "value": 60, "unit": "%", "date": "2026-11-20"},
           {"type": "weight", "loinc": "29463-7", "value": 151, "unit": "lb", "date": "2026-11-28"}],
         "adverse_events": [{"event": "ild", "grade": 1, "date": "2025-06-02", "drug": "t-dxd"}]}
        """

    @Test func theV2FieldsAreMappedAsORDERSSpellsThem() throws {
        let tree = try Self.tree(Self.v2Bundle)
        let native = try #require(try JSONSerialization.jsonObject(with: Data(Self.v2Native.utf8)) as? [String: Any])
        for key in native.keys.sorted() {
            #expect(
                Self.same(tree[key] as Any, native[key] as Any),
                "\(key): \(String(describing: tree[key])) vs \(String(describing: native[key]))"
            )
        }
        #expect(Set(tree.keys) == Set(native.keys))
    }

    @Test(.enabled(if: decoderReadsV2, "the native decoder does not read order v2"))
    func theV2BundleJudgesLikeTheNativeOrder() {
        let fhir = Self.v2Bundle.judge(), native = judge(Self.v2Native)
        #expect(fhir.decision == native.decision)
        #expect(fhir.findings.map(\.rule) == native.findings.map(\.rule))
        #expect(fhir.findings.map(\.severity) == native.findings.map(\.severity))
        // The potential adverse event is listed, not read.
        #expect(fhir.ignored.contains { $0.path == "Bundle.entry[13]" }, "\(fhir.ignored)")
    }

    @Test func aTwinsTreeIsItsNativeOrder() throws {
        let folder = FHIRBundleTests.directory
        for name in [
            "a01-clean-thp-first-line", "a02-thp-coded-rxnorm-atc", "p12-fec-hp-trial-with-override",
            "n13-lvef-muga-under-generic-loinc",
        ] {
            let document = try FHIRBundleFormat().read(
                FHIRBundleTests.bytes("\(folder)/\(name).fhir.json")[...],
                vocabulary: repositoryPolicy.vocabulary
            ).get()
            let tree = try #require(Self.plain(document.tree) as? [String: Any])
            var native = try #require(
                try JSONSerialization.jsonObject(with: Data(FHIRBundleTests.bytes("\(folder)/\(name).json")))
                    as? [String: Any]
            )
            // Not mapped: submitted_at, extensions, phase; an observation's type is always given.
            for key in ["submitted_at", "extensions"] { native[key] = nil }
            for list in ["medications", "history"] {
                native[list] = (native[list] as? [[String: Any]])?.map { item in
                    var item = item
                    item["phase"] = nil
                    if var code = item["code"] as? [String: Any] {
                        code["system"] = (code["system"] as? String).map {
                            $0.contains("rxnorm") ? "rxnorm" : $0.contains("atc") ? "atc" : $0
                        }
                        item["code"] = code
                    }
                    return item
                }
            }
            native["observations"] = (native["observations"] as? [[String: Any]])?.map { item in
                var item = item
                item["type"] = item["type"] ?? "lvef"
                item["loinc"] = item["loinc"] ?? "10230-1"
                return item
            }
            for key in native.keys.sorted() {
                #expect(
                    Self.same(tree[key] as Any, native[key] as Any),
                    "\(name) \(key): \(String(describing: tree[key])) vs \(String(describing: native[key]))"
                )
            }
        }
    }

    @Test func aMissingStartIsNamedAtTheFHIRElementsOfEachResourceType() {
        let verdict = FHIRBuilder()
            .request("mr-1", rxnorm: "224905", status: "draft", start: nil)
            .resource([
                "resourceType": "MedicationAdministration", "id": "ma", "status": "completed",
                "medicationCodeableConcept": ["text": "docetaxel"],
            ])
            .resource([
                "resourceType": "MedicationStatement", "id": "ms", "status": "completed",
                "medicationCodeableConcept": ["text": "docetaxel"],
            ])
            .judge()
        #expect(
            verdict.errors.map(\.path) == [
                "Bundle.entry[5].resource.dosageInstruction[0].timing.repeat.boundsPeriod.start",
                "Bundle.entry[6].resource.effectiveDateTime",
                "Bundle.entry[7].resource.effectivePeriod.start",
            ]
        )
        #expect(verdict.errors.first?.message.contains("authoredOn is not a start date") == true)
    }
}
