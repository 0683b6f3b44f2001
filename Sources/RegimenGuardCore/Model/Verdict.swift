import Foundation

/// How serious a finding is. The raw values are the CDS Hooks card indicators.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info, warning, critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// The outcome of validating one order (ORDERS.md section 5).
public enum Decision: String, Sendable, Codable, CaseIterable, Comparable {
    case accept, review, reject, invalid

    /// Order used to pick the worst decision over several files.
    private var rank: Int {
        switch self {
        case .accept: 0
        case .review: 1
        case .reject: 2
        case .invalid: 3
        }
    }

    public static func < (lhs: Decision, rhs: Decision) -> Bool { lhs.rank < rhs.rank }
}

/// A pointer into the order that a finding rests on.
public struct Evidence: Sendable, Codable, Equatable {
    /// JSON path of the item, e.g. `medications[0]`; the same for a CSV order.
    public var path: String
    /// The drug as the order named it.
    public var drug: String?
    /// Start of the item's active window (ISO date).
    public var start: String?
    /// Last day of the item's active window (ISO date), absent when open-ended.
    public var end: String?
    /// A short note, e.g. the stop reason or the observation value.
    public var note: String?
    /// The resource the evidence rests on, for formats whose resources have ids (`MedicationRequest/mr-1`).
    public var reference: String?

    public init(
        path: String,
        drug: String? = nil,
        start: String? = nil,
        end: String? = nil,
        note: String? = nil,
        reference: String? = nil
    ) {
        self.path = path
        self.drug = drug
        self.start = start
        self.end = end
        self.note = note
        self.reference = reference
    }
}

/// Something an order file holds that its format did not read, and why (a FHIR resource of a type the mapping does
/// not read, a cancelled MedicationRequest, an NDC coding beside a known one).
public struct IgnoredEntry: Sendable, Codable, Equatable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// A documented clinical rationale that accepted a finding.
public struct OverrideNote: Sendable, Codable, Equatable {
    public var reason: String
    public var by: String?

    public init(reason: String, by: String? = nil) {
        self.reason = reason
        self.by = by
    }
}

/// One rule's finding on one order.
public struct Finding: Sendable, Codable, Equatable {
    /// Stable rule id, e.g. `her2-anthracycline-concurrent`.
    public var rule: String
    public var severity: Severity
    /// The rule's title from the policy.
    public var title: String
    /// What is wrong in this order, with drugs and dates.
    public var summary: String
    /// Why it matters clinically.
    public var detail: String
    /// What to do.
    public var recommendation: String
    public var evidence: [Evidence]
    public var references: [String]
    /// True when an override in the order accepted this finding; it then does not count towards the decision.
    public var overridden: Bool
    public var override: OverrideNote?

    public init(
        rule: String,
        severity: Severity,
        title: String,
        summary: String,
        detail: String,
        recommendation: String,
        evidence: [Evidence],
        references: [String],
        overridden: Bool = false,
        override: OverrideNote? = nil
    ) {
        self.rule = rule
        self.severity = severity
        self.title = title
        self.summary = summary
        self.detail = detail
        self.recommendation = recommendation
        self.evidence = evidence
        self.references = references
        self.overridden = overridden
        self.override = override
    }

    enum CodingKeys: String, CodingKey {
        case rule, severity, title, summary, detail, recommendation, evidence, references, overridden, override
    }
}

/// Why an order could not be read: a JSON path (or CSV `line N, column M`) and a sentence.
public struct OrderError: Sendable, Codable, Equatable, Error, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Which policy set judged an order.
public struct PolicyStamp: Sendable, Codable, Equatable {
    public var version: String
    /// `sha256:` followed by the hex digest of the policy files.
    public var digest: String

    public init(version: String, digest: String) {
        self.version = version
        self.digest = digest
    }
}

/// The verdict document written beside every order (ORDERS.md section 5).
public struct Verdict: Sendable, Codable, Equatable {
    public var orderID: String?
    public var source: String
    /// How the bytes were read: `json`, `csv` or `fhir`; absent when no format recognised the file.
    public var sourceFormat: String?
    public var sourceSHA256: String
    public var decision: Decision
    public var findings: [Finding]
    public var errors: [OrderError]
    /// What the format did not read (FHIR orders); written only for formats that report it.
    public var ignored: [IgnoredEntry]
    public var policy: PolicyStamp
    public var validator: String
    public var validatedAt: Date

    public init(
        orderID: String?,
        source: String,
        sourceFormat: String?,
        sourceSHA256: String,
        decision: Decision,
        findings: [Finding],
        errors: [OrderError],
        ignored: [IgnoredEntry] = [],
        policy: PolicyStamp,
        validator: String = Verdict.validatorName,
        validatedAt: Date
    ) {
        self.orderID = orderID
        self.source = source
        self.sourceFormat = sourceFormat
        self.sourceSHA256 = sourceSHA256
        self.decision = decision
        self.findings = findings
        self.errors = errors
        self.ignored = ignored
        self.policy = policy
        self.validator = validator
        self.validatedAt = validatedAt
    }

    /// The format whose verdicts always carry `ignored` (empty or not).
    static let formatsReportingIgnored = "fhir"

    /// The version of regimen-guard: the one place it is written (the CLI's `--version`, the verdict's `validator`
    /// and the package, which `Packaging/build-deb` checks against `Packaging/VERSION`).
    public static let version = "2.0.0"
    public static let validatorName = "regimen-guard \(version)"

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case source
        case sourceFormat = "source_format"
        case sourceSHA256 = "source_sha256"
        case decision, findings, errors, ignored, policy, validator
        case validatedAt = "validated_at"
    }

    /// The verdict as the bytes of a verdict file: two-space JSON, keys in contract order, a final newline.
    /// The same verdict always gives the same bytes.
    public func jsonBytes() -> [UInt8] {
        JSONWriter.render(jsonValue)
    }

    var jsonValue: JSONWriter.Value {
        func optional(_ text: String?) -> JSONWriter.Value { text.map { .string($0) } ?? .null }
        let findings: [JSONWriter.Value] = findings.map { finding in
            var members: [(String, JSONWriter.Value)] = [
                ("rule", .string(finding.rule)),
                ("severity", .string(finding.severity.rawValue)),
                ("title", .string(finding.title)),
                ("summary", .string(finding.summary)),
                ("detail", .string(finding.detail)),
                ("recommendation", .string(finding.recommendation)),
                (
                    "evidence",
                    .array(
                        finding.evidence.map { evidence in
                            var fields: [(String, JSONWriter.Value)] = [("path", .string(evidence.path))]
                            if let drug = evidence.drug { fields.append(("drug", .string(drug))) }
                            if let start = evidence.start { fields.append(("start", .string(start))) }
                            if let end = evidence.end { fields.append(("end", .string(end))) }
                            if let note = evidence.note { fields.append(("note", .string(note))) }
                            if let reference = evidence.reference { fields.append(("reference", .string(reference))) }
                            return .object(fields)
                        }
                    )
                ),
                ("references", .array(finding.references.map { .string($0) })),
                ("overridden", .bool(finding.overridden)),
            ]
            if let override = finding.override {
                var fields: [(String, JSONWriter.Value)] = [("reason", .string(override.reason))]
                if let by = override.by { fields.append(("by", .string(by))) }
                members.append(("override", .object(fields)))
            }
            return .object(members)
        }
        var members: [(String, JSONWriter.Value)] = [
            ("order_id", optional(orderID)),
            ("source", .string(source)),
            ("source_format", optional(sourceFormat)),
            ("source_sha256", .string(sourceSHA256)),
            ("decision", .string(decision.rawValue)),
            ("findings", .array(findings)),
            ("errors", .array(errors.map { .object([("path", .string($0.path)), ("message", .string($0.message))]) })),
        ]
        if sourceFormat == Verdict.formatsReportingIgnored || !ignored.isEmpty {
            members.append(
                (
                    "ignored",
                    .array(ignored.map { .object([("path", .string($0.path)), ("reason", .string($0.reason))]) })
                )
            )
        }
        members += [
            ("policy", .object([("version", .string(policy.version)), ("digest", .string(policy.digest))])),
            ("validator", .string(validator)),
            ("validated_at", .string(Verdict.timestamp(validatedAt))),
        ]
        return .object(members)
    }

    /// RFC 3339 UTC timestamp with whole seconds, e.g. `2026-11-25T10:00:00Z`.
    static func timestamp(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let day = Day(daysSinceEpoch: seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
        let rest = seconds - day.daysSinceEpoch * 86400
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(day)T\(pad(rest / 3600)):\(pad(rest / 60 % 60)):\(pad(rest % 60))Z"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        orderID = try c.decodeIfPresent(String.self, forKey: .orderID)
        source = try c.decode(String.self, forKey: .source)
        sourceFormat = try c.decodeIfPresent(String.self, forKey: .sourceFormat)
        sourceSHA256 = try c.decode(String.self, forKey: .sourceSHA256)
        decision = try c.decode(Decision.self, forKey: .decision)
        findings = try c.decode([Finding].self, forKey: .findings)
        errors = try c.decode([OrderError].self, forKey: .errors)
        ignored = try c.decodeIfPresent([IgnoredEntry].self, forKey: .ignored) ?? []
        policy = try c.decode(PolicyStamp.self, forKey: .policy)
        validator = try c.decode(String.self, forKey: .validator)
        validatedAt = try c.decode(Date.self, forKey: .validatedAt)
    }

    /// Parses a verdict file written by ``jsonBytes()``.
    public static func decode(_ bytes: [UInt8]) throws -> Verdict {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Verdict.self, from: Data(bytes))
    }
}
