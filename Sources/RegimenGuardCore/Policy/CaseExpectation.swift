import Yams

/// What an example order kept beside the policies must give (`<name>.expect.yaml`), for `policy test`.
///
/// ```yaml
/// decision: review
/// rules: [endocrine-during-chemo]      # the exact set of rules with a finding (overridden ones included)
/// errors: ["medications[0].drug"]      # invalid orders only: the exact set of error paths
/// ```
public struct CaseExpectation: Sendable, Equatable {
    public var decision: Decision
    public var rules: Set<String>
    public var errorPaths: Set<String>?

    /// Parses an expectation file.
    public static func parse(_ bytes: [UInt8], file: String) throws(PolicyError) -> CaseExpectation {
        var reader = YAMLReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw PolicyError(issues: [PolicyIssue(file: file, path: "", message: "is not valid YAML: \(error)")])
        }
        let fields = reader.mapping(
            root,
            "",
            allowed: ["decision", "rules", "errors"],
            required: ["decision", "rules"]
        )
        let decision: Decision? = fields.flatMap { reader.enumValue($0, "decision", "") }
        let rules = fields.flatMap { reader.strings($0, "rules", "") } ?? []
        let errors = fields.flatMap { reader.strings($0, "errors", "") }
        if root == nil { reader.fail(nil, "", "is empty") }
        guard reader.issues.isEmpty, let decision else { throw PolicyError(issues: reader.issues) }
        return CaseExpectation(decision: decision, rules: Set(rules), errorPaths: errors.map(Set.init))
    }

    /// Empty when `verdict` meets the expectation; otherwise one sentence per difference.
    public func differences(from verdict: Verdict) -> [String] {
        var out: [String] = []
        if verdict.decision != decision {
            out.append("decision is \(verdict.decision.rawValue), expected \(decision.rawValue)")
        }
        let found = Set(verdict.findings.map(\.rule))
        let missing = rules.subtracting(found), extra = found.subtracting(rules)
        if !missing.isEmpty { out.append("no finding for \(missing.sorted().joined(separator: ", "))") }
        if !extra.isEmpty {
            let details = verdict.findings.filter { extra.contains($0.rule) }.map { "\($0.rule): \($0.summary)" }
            out.append("unexpected finding: \(details.joined(separator: "; "))")
        }
        if let errorPaths {
            let paths = Set(verdict.errors.map(\.path))
            if paths != errorPaths {
                out.append(
                    "error paths are [\(paths.sorted().joined(separator: ", "))], expected [\(errorPaths.sorted().joined(separator: ", "))]; errors: \(verdict.errors.map(\.description).joined(separator: "; "))"
                )
            }
        } else if !verdict.errors.isEmpty && decision != .invalid {
            out.append("errors: \(verdict.errors.map(\.description).joined(separator: "; "))")
        }
        return out
    }
}
