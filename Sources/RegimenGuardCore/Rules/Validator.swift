import Foundation

/// Judges orders against one loaded policy set. Pure: bytes and a date in, a verdict out; safe to share between
/// threads.
public struct Validator: Sendable {
    public let policy: PolicySet
    private let ruleIDs: Set<String>

    /// The formats this validator reads, asked in order.
    public let formats: [any OrderFormat]

    public init(policy: PolicySet, formats: [any OrderFormat] = OrderFormats.standard) {
        self.policy = policy
        self.formats = formats
        self.ruleIDs = Set(policy.definitions.map(\.id))
    }

    /// The format that reads a file with this name and content, if any.
    public func format(for fileName: String, content: [UInt8]) -> (any OrderFormat)? {
        OrderFormats.format(for: fileName, content: content[...], in: formats)
    }

    /// Validates one order file's bytes. `fileName` picks the format by extension (`.json`, `.csv`).
    public func validate(bytes: [UInt8], fileName: String, at date: Date) -> Verdict {
        let sha = SHA256Hex.digest(bytes)
        switch judge(bytes: bytes, fileName: fileName) {
        case .failure(let failure):
            return Verdict(
                orderID: failure.orderID,
                source: fileName,
                sourceFormat: failure.format,
                sourceSHA256: sha,
                decision: .invalid,
                findings: [],
                errors: failure.errors,
                ignored: failure.ignored,
                policy: policy.stamp,
                validatedAt: date
            )
        case .success(let judged):
            return Verdict(
                orderID: judged.order.orderID,
                source: fileName,
                sourceFormat: judged.format,
                sourceSHA256: sha,
                decision: Validator.decision(for: judged.findings),
                findings: judged.findings,
                errors: [],
                ignored: judged.ignored,
                policy: policy.stamp,
                validatedAt: date
            )
        }
    }

    /// A verdict for an entry that could not be judged (unreadable, too large, not a regular file, ...).
    public func invalid(fileName: String, bytes: [UInt8]?, errors: [OrderError], at date: Date) -> Verdict {
        Verdict(
            orderID: nil,
            source: fileName,
            sourceFormat: nil,
            sourceSHA256: bytes.map(SHA256Hex.digest) ?? "",
            decision: .invalid,
            findings: [],
            errors: errors,
            policy: policy.stamp,
            validatedAt: date
        )
    }

    /// `reject` if any critical finding is not overridden, else `review` if any such warning, else `accept`.
    public static func decision(for findings: [Finding]) -> Decision {
        let counted = findings.filter { !$0.overridden }.map(\.severity)
        if counted.contains(.critical) { return .reject }
        if counted.contains(.warning) { return .review }
        return .accept
    }

    struct Failure: Error {
        var orderID: String?
        /// The format that read the file, when one recognised it.
        var format: String?
        var errors: [OrderError]
        var ignored: [IgnoredEntry] = []
    }

    /// An order read by a format and decoded.
    struct Read {
        var decoded: OrderDecoder.Result
        var document: any OrderDocument
        var format: String
    }

    /// A judged order: its findings, with evidence placed in the document's own terms.
    struct Judged {
        var order: Order
        var format: String
        var findings: [Finding]
        var ignored: [IgnoredEntry]
    }

    /// Reads, resolves and evaluates an order.
    func judge(bytes: [UInt8], fileName: String) -> Result<Judged, Failure> {
        read(bytes: bytes, fileName: fileName).flatMap { read in
            let result = read.decoded
            let context = RuleContext(
                order: result.order,
                medications: result.medications.map { ResolvedItem(item: $0.item, agent: $0.agent) },
                history: result.history.map { ResolvedItem(item: $0.item, agent: $0.agent) }
            )
            var budget = result.budget
            guard var findings = self.findings(for: context, budget: &budget) else {
                return .failure(
                    Failure(
                        orderID: result.order.orderID,
                        format: read.format,
                        errors: [OrderError(path: "", message: budget.exhaustedMessage)],
                        ignored: read.document.ignored
                    )
                )
            }
            Validator.place(&findings, in: read.document)
            return .success(
                Judged(order: result.order, format: read.format, findings: findings, ignored: read.document.ignored)
            )
        }
    }

    /// Rewrites evidence paths into the document's terms (a FHIR order's evidence names its Bundle entries).
    static func place(_ findings: inout [Finding], in document: any OrderDocument) {
        for f in findings.indices {
            for e in findings[f].evidence.indices {
                let place = document.evidencePlace(forItemAt: findings[f].evidence[e].path)
                findings[f].evidence[e].path = place.path
                findings[f].evidence[e].reference = place.reference
            }
        }
    }

    /// Parses and decodes an order, without evaluating rules.
    func read(bytes: [UInt8], fileName: String) -> Result<Read, Failure> {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }  // a UTF-8 byte order mark
        guard let format = OrderFormats.format(for: fileName, content: body, in: formats) else {
            return .failure(
                Failure(errors: [
                    OrderError(
                        path: "",
                        message: "unsupported file type: an order file ends in \(OrderFormats.expectedNames)"
                    )
                ])
            )
        }
        if bytes.isEmpty {
            return .failure(Failure(format: format.name, errors: [OrderError(path: "", message: "the file is empty")]))
        }
        // The standard library's validation is fast; the slow scan runs only to say where a bad byte is.
        if String(validating: body, as: UTF8.self) == nil, let bad = UTF8Check.validate(Array(body)) {
            return .failure(
                Failure(
                    format: format.name,
                    errors: [
                        OrderError(
                            path: "line \(bad.line), column \(bad.column)",
                            message: "the file is not valid UTF-8"
                        )
                    ]
                )
            )
        }
        let document: any OrderDocument
        switch format.read(body, vocabulary: policy.vocabulary) {
        case .success(let read): document = read
        case .failure(let failure): return .failure(Failure(format: format.name, errors: failure.errors))
        }
        var decoder = OrderDecoder(vocabulary: policy.vocabulary, ruleIDs: ruleIDs, document: document)
        let decoded = decoder.decode()
        let formatErrors = document.errors
        guard let result = decoded, formatErrors.isEmpty else {
            // One error per place: the format's own comes first and stands for the decoder's at the same place or
            // at an element that contains it (a null `text` leaves its CodeableConcept without a drug).
            let reported = formatErrors.map(\.path)
            func covered(_ path: String) -> Bool {
                reported.contains { $0 == path || $0.hasPrefix(path + ".") || $0.hasPrefix(path + "[") }
            }
            return .failure(
                Failure(
                    orderID: Validator.orderID(in: document.tree),
                    format: format.name,
                    errors: formatErrors + decoder.errors.filter { !covered($0.path) },
                    ignored: document.ignored
                )
            )
        }
        return .success(Read(decoded: result, document: document, format: format.name))
    }

    /// The order id of an order that failed, when it is there and well formed, so the verdict still names it.
    static func orderID(in tree: JSONNode) -> String? {
        guard case .object(let members) = tree.kind else { return nil }
        guard let node = members.first(where: { $0.key == "order_id" })?.value, case .string(let id) = node.kind,
            OrderDecoder.isValidOrderID(id)
        else { return nil }
        return id
    }

    /// Runs every rule and attaches the policy's texts and the order's overrides; nil when the rules' work would
    /// exceed the order's budget (each rule is charged what its kind says it costs on this order before it runs).
    func findings(for context: RuleContext, budget: inout WorkBudget) -> [Finding]? {
        var findings: [Finding] = []
        for rule in policy.definitions {
            guard budget.charge(rule.kind.cost(context)) else { return nil }
            let override = context.order.overrides.first { $0.rule == rule.id }
            for raw in rule.evaluate(context) {
                findings.append(
                    Finding(
                        rule: rule.id,
                        severity: raw.severity,
                        title: rule.title,
                        summary: raw.summary,
                        detail: rule.detail,
                        recommendation: rule.recommendation,
                        evidence: raw.evidence,
                        references: rule.references,
                        overridden: override != nil,
                        override: override.map { OverrideNote(reason: $0.reason, by: $0.by) }
                    )
                )
            }
        }
        return findings
    }
}
