/// A verdict as FHIR R4 resources (FHIR.md section 4): a `collection` Bundle with one DetectedIssue per finding, or,
/// for an `invalid` verdict, one OperationOutcome with an issue per error.
///
/// A Bundle is a Resource, not a DomainResource, so it carries no extensions: the decision is a `meta.tag` in
/// `urn:regimen-guard:decision`, the order id the Bundle's `identifier`, and each resource carries the policy in
/// the `urn:regimen-guard:policy` extension (sub-extensions `version` and `digest`).
extension Verdict {
    /// The FHIR verdict as the bytes of a `*.verdict.fhir.json` file: two-space JSON, a final newline. The same
    /// verdict always gives the same bytes (ids and `fullUrl`s derive from the judged bytes' digest).
    public func fhirBundleBytes() -> [UInt8] {
        JSONWriter.render(fhirBundle)
    }

    /// `high` (critical), `moderate` (warning), `low` (info).
    static func detectedIssueSeverity(_ severity: Severity) -> String {
        switch severity {
        case .critical: "high"
        case .warning: "moderate"
        case .info: "low"
        }
    }

    var fhirBundle: JSONWriter.Value {
        let time = Verdict.timestamp(validatedAt)
        let policyExtension: JSONWriter.Value = .array([
            .object([
                ("url", .string("urn:regimen-guard:policy")),
                (
                    "extension",
                    .array([
                        .object([("url", .string("version")), ("valueString", .string(policy.version))]),
                        .object([("url", .string("digest")), ("valueString", .string(policy.digest))]),
                    ])
                ),
            ])
        ])
        let seed = sourceSHA256.isEmpty ? SHA256Hex.digest(Array(source.utf8)) : sourceSHA256
        func uuid(_ n: Int) -> String {
            let hex = Array(SHA256Hex.digest(Array("\(seed)/\(n)".utf8)).prefix(32))
            let s =
                String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-4" + String(hex[13..<16]) + "-8"
                + String(hex[17..<20]) + "-" + String(hex[20..<32])
            return "urn:uuid:" + s
        }
        var resources: [JSONWriter.Value] = []
        if decision == .invalid {
            let issues: [JSONWriter.Value] =
                (errors.isEmpty ? [OrderError(path: "", message: "the order could not be read")] : errors).map {
                    error in
                    var members: [(String, JSONWriter.Value)] = [
                        ("severity", .string("error")),
                        (
                            "code",
                            .string(error.message.hasPrefix("unsupported file type") ? "not-supported" : "invalid")
                        ),
                        ("diagnostics", .string(error.message)),
                    ]
                    if !error.path.isEmpty { members.append(("expression", .array([.string(error.path)]))) }
                    return .object(members)
                }
            resources.append(
                .object([
                    ("resourceType", .string("OperationOutcome")),
                    ("id", .string("errors")),
                    ("extension", policyExtension),
                    ("issue", .array(issues)),
                ])
            )
        } else {
            for (index, finding) in findings.enumerated() {
                var text = finding.summary
                if !finding.detail.isEmpty { text += "\n\n" + finding.detail }
                if !finding.recommendation.isEmpty { text += "\n\nRecommendation: " + finding.recommendation }
                if !finding.references.isEmpty {
                    text += "\n\nReferences: " + finding.references.joined(separator: "; ")
                }
                let references = finding.evidence.compactMap(\.reference).reduce(into: [String]()) { list, reference in
                    if !list.contains(reference) { list.append(reference) }
                }
                var members: [(String, JSONWriter.Value)] = [
                    ("resourceType", .string("DetectedIssue")),
                    ("id", .string("finding-\(index + 1)")),
                    ("extension", policyExtension),
                    ("status", .string("final")),
                    (
                        "code",
                        .object([
                            (
                                "coding",
                                .array([
                                    .object([
                                        ("system", .string("urn:regimen-guard:rule")), ("code", .string(finding.rule)),
                                        ("display", .string(finding.title)),
                                    ])
                                ])
                            ),
                            ("text", .string(finding.title)),
                        ])
                    ),
                    ("severity", .string(Verdict.detectedIssueSeverity(finding.severity))),
                    ("identifiedDateTime", .string(time)),
                ]
                if !references.isEmpty {
                    members.append(("implicated", .array(references.map { .object([("reference", .string($0))]) })))
                    members.append(
                        (
                            "evidence",
                            .array([
                                .object([
                                    ("detail", .array(references.map { .object([("reference", .string($0))]) }))
                                ])
                            ])
                        )
                    )
                }
                members.append(("detail", .string(text)))
                if finding.overridden, let note = finding.override {
                    var mitigation: [(String, JSONWriter.Value)] = [
                        ("action", .object([("text", .string(note.reason))]))
                    ]
                    if let by = note.by { mitigation.append(("author", .object([("display", .string(by))]))) }
                    members.append(("mitigation", .array([.object(mitigation)])))
                }
                resources.append(.object(members))
            }
        }
        var bundle: [(String, JSONWriter.Value)] = [
            ("resourceType", .string("Bundle")),
            ("id", .string("verdict-" + String(seed.prefix(32)))),
            (
                "meta",
                .object([
                    (
                        "tag",
                        .array([
                            .object([
                                ("system", .string("urn:regimen-guard:decision")), ("code", .string(decision.rawValue)),
                            ])
                        ])
                    )
                ])
            ),
        ]
        if let orderID {
            bundle.append(
                (
                    "identifier",
                    .object([("system", .string("urn:regimen-guard:order-id")), ("value", .string(orderID))])
                )
            )
        }
        bundle += [
            ("type", .string("collection")),
            ("timestamp", .string(time)),
            (
                "entry",
                .array(
                    resources.enumerated().map {
                        .object([("fullUrl", .string(uuid($0.offset))), ("resource", $0.element)])
                    }
                )
            ),
        ]
        return .object(bundle)
    }
}
