import Yams

/// Strict reading of policy YAML: every field is known, every type is checked, every problem is collected with
/// its file, path and line, so a pharmacist who edits a policy is told exactly what is wrong.
struct YAMLReader {
    let file: String
    private(set) var issues: [PolicyIssue] = []

    init(file: String) {
        self.file = file
    }

    mutating func fail(_ node: Node?, _ path: String, _ message: String) {
        let line = node?.mark.map { " (line \($0.line))" } ?? ""
        issues.append(PolicyIssue(file: file, path: path, message: message + line))
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The fields of a mapping, reporting keys outside `allowed` and missing `required` ones.
    mutating func mapping(
        _ node: Node?,
        _ path: String,
        allowed: Set<String>,
        required: Set<String> = []
    ) -> [String: Node]? {
        guard let node else { return nil }
        guard let mapping = node.mapping else {
            fail(node, path, "must be a mapping of fields")
            return nil
        }
        var fields: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                fail(keyNode, path, "field names must be text")
                continue
            }
            guard allowed.contains(key) else {
                fail(
                    keyNode,
                    YAMLReader.join(path, key),
                    "unknown field; allowed here: \(allowed.sorted().joined(separator: ", "))"
                )
                continue
            }
            fields[key] = value
        }
        for key in required.sorted() where fields[key] == nil {
            fail(node, YAMLReader.join(path, key), "is required")
        }
        return fields
    }

    /// The entries of a mapping keyed by id, in file order.
    mutating func entries(_ node: Node?, _ path: String) -> [(key: String, node: Node)] {
        guard let node else { return [] }
        guard let mapping = node.mapping else {
            fail(node, path, "must be a mapping from id to definition")
            return []
        }
        var result: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string, !key.isEmpty else {
                fail(keyNode, path, "ids must be non-empty text")
                continue
            }
            result.append((key, value))
        }
        return result
    }

    mutating func string(_ fields: [String: Node], _ key: String, _ path: String) -> String? {
        guard let node = fields[key] else { return nil }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            fail(node, YAMLReader.join(path, key), "must be non-empty text")
            return nil
        }
        return scalar.string
    }

    mutating func strings(_ fields: [String: Node], _ key: String, _ path: String) -> [String]? {
        guard let node = fields[key] else { return nil }
        if case .scalar(let scalar) = node, !scalar.string.isEmpty { return [scalar.string] }
        guard case .sequence(let sequence) = node else {
            fail(node, YAMLReader.join(path, key), "must be a list of text")
            return nil
        }
        var result: [String] = []
        for (index, element) in sequence.enumerated() {
            guard case .scalar(let scalar) = element, !scalar.string.isEmpty else {
                fail(element, "\(YAMLReader.join(path, key))[\(index)]", "must be non-empty text")
                continue
            }
            result.append(scalar.string)
        }
        return result
    }

    mutating func integer(_ fields: [String: Node], _ key: String, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let node = fields[key] else { return nil }
        guard let value = node.int, node.tag == Tag(.int) else {
            fail(node, YAMLReader.join(path, key), "must be a whole number")
            return nil
        }
        guard range.contains(value) else {
            fail(node, YAMLReader.join(path, key), "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return value
    }

    /// A node's value when it is a finite number (an int or a float scalar, not a string that looks like one).
    static func finiteNumber(_ node: Node) -> Double? {
        guard let value = node.float, node.tag == Tag(.int) || node.tag == Tag(.float), value.isFinite else {
            return nil
        }
        return value
    }

    mutating func number(
        _ fields: [String: Node],
        _ key: String,
        _ path: String,
        range: ClosedRange<Double>
    ) -> Double? {
        guard let node = fields[key] else { return nil }
        guard let value = YAMLReader.finiteNumber(node) else {
            fail(node, YAMLReader.join(path, key), "must be a number")
            return nil
        }
        guard range.contains(value) else {
            fail(node, YAMLReader.join(path, key), "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func bool(_ fields: [String: Node], _ key: String, _ path: String) -> Bool? {
        guard let node = fields[key] else { return nil }
        guard let value = node.bool, node.tag == Tag(.bool) else {
            fail(node, YAMLReader.join(path, key), "must be true or false")
            return nil
        }
        return value
    }

    mutating func enumValue<E: RawRepresentable & CaseIterable>(
        _ fields: [String: Node],
        _ key: String,
        _ path: String
    ) -> E? where E.RawValue == String {
        guard let text = string(fields, key, path) else { return nil }
        guard let value = E(rawValue: text) else {
            fail(
                fields[key],
                YAMLReader.join(path, key),
                "unknown value '\(text)'; expected one of \(E.allCases.map(\.rawValue).joined(separator: ", "))"
            )
            return nil
        }
        return value
    }
}
