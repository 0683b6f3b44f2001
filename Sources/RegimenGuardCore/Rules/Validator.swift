import Foundation

/// Judges orders against one loaded policy set. Pure: bytes and a date in, a verdict out; safe to share between
/// threads.
public struct Validator: Sendable {
    public let policy: PolicySet
    private let ruleIDs: Set<String>

    public init(policy: PolicySet) {
        self.policy = policy
        self.ruleIDs = Set(policy.definitions.map(\.id))
    }

    /// The formats an order file may have, chosen by extension.
    public enum Format: String, Sendable {
        case json, csv

        public init?(fileName: String) {
            let lower = fileName.lowercased()
            if lower.hasSuffix(".json") {
                self = .json
            } else if lower.hasSuffix(".csv") {
                self = .csv
            } else {
                return nil
            }
        }
    }

    /// Validates one order file's bytes. `fileName` picks the format by extension (`.json`, `.csv`).
    public func validate(bytes: [UInt8], fileName: String, at date: Date) -> Verdict {
        let sha = SHA256Hex.digest(bytes)
        switch judge(bytes: bytes, fileName: fileName) {
        case .failure(let failure):
            return Verdict(
                orderID: failure.orderID, source: fileName, sourceSHA256: sha, decision: .invalid, findings: [],
                errors: failure.errors, policy: policy.stamp, validatedAt: date)
        case .success(let (order, findings)):
            return Verdict(
                orderID: order.orderID, source: fileName, sourceSHA256: sha, decision: Validator.decision(for: findings),
                findings: findings, errors: [], policy: policy.stamp, validatedAt: date)
        }
    }

    /// A verdict for an entry that could not be judged (unreadable, too large, not a regular file, ...).
    public func invalid(fileName: String, bytes: [UInt8]?, errors: [OrderError], at date: Date) -> Verdict {
        Verdict(
            orderID: nil, source: fileName, sourceSHA256: bytes.map(SHA256Hex.digest) ?? "",
            decision: .invalid, findings: [], errors: errors, policy: policy.stamp, validatedAt: date)
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
        var errors: [OrderError]
    }

    /// Reads, resolves and evaluates an order.
    func judge(bytes: [UInt8], fileName: String) -> Result<(Order, [Finding]), Failure> {
        switch read(bytes: bytes, fileName: fileName) {
        case .failure(let failure): return .failure(failure)
        case .success(let result):
            let context = RuleContext(
                order: result.order,
                medications: result.medications.map { ResolvedItem(item: $0.item, agent: $0.agent) },
                history: result.history.map { ResolvedItem(item: $0.item, agent: $0.agent) })
            return .success((result.order, findings(for: context)))
        }
    }

    /// Parses and decodes an order, without evaluating rules.
    func read(bytes: [UInt8], fileName: String) -> Result<OrderDecoder.Result, Failure> {
        guard let format = Format(fileName: fileName) else {
            return .failure(Failure(errors: [OrderError(path: "", message: "unsupported file type: an order file ends in .json or .csv")]))
        }
        if bytes.isEmpty { return .failure(Failure(errors: [OrderError(path: "", message: "the file is empty")])) }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }  // a UTF-8 byte order mark
        // The standard library's validation is fast; the slow scan runs only to say where a bad byte is.
        if String(validating: body, as: UTF8.self) == nil, let bad = UTF8Check.validate(Array(body)) {
            return .failure(Failure(errors: [OrderError(path: "line \(bad.line), column \(bad.column)", message: "the file is not valid UTF-8")]))
        }
        let tree: JSONNode
        switch format {
        case .json:
            do {
                tree = try JSONReader.parse(Array(body))
            } catch {
                return .failure(Failure(errors: [OrderError(path: "line \(error.line), column \(error.column)", message: "invalid JSON: \(error.message)")]))
            }
        case .csv:
            switch CSVOrderReader.read(Array(body)) {
            case .success(let node): tree = node
            case .failure(let errors): return .failure(Failure(errors: errors.errors))
            }
        }
        var decoder = OrderDecoder(vocabulary: policy.vocabulary, ruleIDs: ruleIDs)
        guard let result = decoder.decode(tree) else {
            return .failure(Failure(orderID: Validator.orderID(in: tree), errors: decoder.errors))
        }
        return .success(result)
    }

    /// The order id of an order that failed, when it is there and well formed, so the verdict still names it.
    static func orderID(in tree: JSONNode) -> String? {
        guard case .object(let members) = tree.kind else { return nil }
        guard let node = members.first(where: { $0.key == "order_id" })?.value, case .string(let id) = node.kind,
            OrderDecoder.isValidOrderID(id)
        else { return nil }
        return id
    }

    /// Runs every rule and attaches the policy's texts and the order's overrides.
    func findings(for context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        for rule in policy.definitions {
            let override = context.order.overrides.first { $0.rule == rule.id }
            for raw in rule.evaluate(context) {
                findings.append(Finding(
                    rule: rule.id, severity: raw.severity, title: rule.title, summary: raw.summary, detail: rule.detail,
                    recommendation: rule.recommendation, evidence: raw.evidence, references: rule.references,
                    overridden: override != nil, override: override.map { OverrideNote(reason: $0.reason, by: $0.by) }))
            }
        }
        return findings
    }
}
