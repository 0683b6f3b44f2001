import Yams

/// A kind of rule: the Swift half of a rule. The policy entry gives the other half (which classes, windows,
/// thresholds, severities and the words of its findings); Swift knows only how to apply them.
///
/// A new kind is one file under `Rules/Kinds/` with a type conforming to this protocol (its parameters, their
/// reading and its evaluation together) and one line in ``RuleKinds/all``.
protocol RuleKind: Sendable {
    /// The policy's `kind:` value, e.g. `overlap`.
    static var name: String { get }

    /// The keys this kind reads from a rule entry, besides the keys every rule has (``RuleReader/common``).
    static var parameterKeys: Set<String> { get }

    /// Reads the kind's parameters from a rule entry. Returns nil after reporting every problem to `parameters`.
    static func read(_ parameters: inout RuleParameters) -> Self?

    /// The findings of a rule of this kind on one order. `rule` gives its default severity.
    func evaluate(_ context: RuleContext, rule: RuleDefinition) -> [RawFinding]

    /// The work units (``WorkBudget``) evaluating this rule costs on `context`, charged before it runs. The default
    /// is a comparison of every item of the order with every item of the order and the history.
    func cost(_ context: RuleContext) -> Int
}

extension RuleKind {
    func cost(_ context: RuleContext) -> Int {
        max(1, context.medications.count * (context.medications.count + context.history.count))
    }
}

/// Every rule kind this build knows, by policy name.
enum RuleKinds {
    static let all: [any RuleKind.Type] = [
        OverlapRule.self,
        MissingObservationRule.self,
        ContinuationRule.self,
        RequiredBackboneRule.self,
        CompanionActiveRule.self,
        DuplicateTherapyRule.self,
        NotIndicatedRule.self,
        BeyondProgressionRule.self,
        LinePreferenceRule.self,
        MaintenanceCompanionRule.self,
        ObservationIntervalRule.self,
        LVEFHoldRule.self,
        LVEFEntryRule.self,
        AdverseEventRule.self,
        DoseRangeRule.self,
        DoseBasisRule.self,
        CumulativeDoseRule.self,
    ]

    static func named(_ name: String) -> (any RuleKind.Type)? { all.first { $0.name == name } }

    static var names: [String] { all.map { $0.name } }
}

/// A finding before the policy's texts and the order's overrides are attached.
struct RawFinding {
    var severity: Severity
    var summary: String
    var evidence: [Evidence]
}

/// A rule entry's fields as a kind reads them: typed accessors that check every value and report problems with the
/// file, path and line.
struct RuleParameters {
    let fields: [String: Node]
    /// `rules.<id>`
    let path: String
    let resolver: RuleReader
    var reader: YAMLReader

    var vocabulary: Vocabulary { resolver.vocabulary }

    mutating func fail(_ key: String?, _ message: String) {
        reader.fail(key.flatMap { fields[$0] }, key.map { "\(path).\($0)" } ?? path, message)
    }

    mutating func require(_ key: String) {
        if fields[key] == nil { reader.fail(nil, "\(path).\(key)", "is required") }
    }

    func has(_ key: String) -> Bool { fields[key] != nil }

    mutating func string(_ key: String) -> String? { reader.string(fields, key, path) }

    /// A required observation type the vocabulary knows (`lvef`); an unknown one is an error listing the known.
    mutating func observationType(_ key: String) -> String? {
        let observation = string(key)
        if observation == nil { require(key) }
        if let observation, vocabulary.observationType(id: observation) == nil {
            let known = vocabulary.observationTypes.map(\.id).joined(separator: ", ")
            fail(key, "unknown observation type '\(observation)'; the vocabulary's types are \(known)")
        }
        return observation
    }

    mutating func strings(_ key: String) -> [String]? { reader.strings(fields, key, path) }

    mutating func integer(_ key: String, range: ClosedRange<Int>) -> Int? {
        reader.integer(fields, key, path, range: range)
    }

    mutating func number(_ key: String, range: ClosedRange<Double>) -> Double? {
        reader.number(fields, key, path, range: range)
    }

    mutating func bool(_ key: String) -> Bool? { reader.bool(fields, key, path) }

    mutating func severity(_ key: String) -> Severity? { reader.enumValue(fields, key, path) }

    /// A list of stop reasons.
    mutating func stopReasons(_ key: String) -> Set<StopReason> {
        var reasons: Set<StopReason> = []
        for (index, text) in (strings(key) ?? []).enumerated() {
            if let reason = StopReason(rawValue: text) {
                reasons.insert(reason)
            } else {
                reader.fail(
                    fields[key],
                    "\(path).\(key)[\(index)]",
                    "unknown stop reason '\(text)'; expected one of \(StopReason.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        return reasons
    }

    /// A list of classes, groups or `ingredient:<id>`.
    mutating func selectors(_ key: String, required: Bool) -> [Selector]? {
        guard let texts = strings(key) else {
            if required { require(key) }
            return nil
        }
        var result: [Selector] = []
        for (index, text) in texts.enumerated() {
            if let selector = resolver.selector(text) {
                result.append(selector)
            } else {
                reader.fail(fields[key], "\(path).\(key)[\(index)]", "unknown class, group or ingredient '\(text)'")
            }
        }
        if result.isEmpty && required { reader.fail(fields[key], "\(path).\(key)", "must name at least one class") }
        return result
    }

    /// `[group, {select: CLASS, severity: warning}, ...]`: selectors that may lower or raise the severity.
    mutating func gradedSelectors(_ key: String, required: Bool) -> [GradedSelector]? {
        guard let node = fields[key] else {
            if required { require(key) }
            return nil
        }
        let elements: [Node]
        if case .sequence(let sequence) = node { elements = Array(sequence) } else { elements = [node] }
        var result: [GradedSelector] = []
        for (index, element) in elements.enumerated() {
            let elementPath = "\(path).\(key)[\(index)]"
            var text: String?
            var severity: Severity?
            if let scalar = element.string, element.mapping == nil {
                text = scalar
            } else if let f = reader.mapping(
                element,
                elementPath,
                allowed: ["select", "severity"],
                required: ["select"]
            ) {
                text = reader.string(f, "select", elementPath)
                severity = reader.enumValue(f, "severity", elementPath)
            }
            guard let text else { continue }
            if let selector = resolver.selector(text) {
                result.append(GradedSelector(selector: selector, severity: severity))
            } else {
                reader.fail(element, elementPath, "unknown class, group or ingredient '\(text)'")
            }
        }
        return result.isEmpty ? nil : result
    }

    /// `{months: 7}`, `{days: 210}` or `{weeks: 13}`.
    mutating func duration(_ key: String) -> PolicyDuration? {
        guard let node = fields[key] else { return nil }
        let at = "\(path).\(key)"
        guard let f = reader.mapping(node, at, allowed: ["days", "weeks", "months"]) else { return nil }
        guard f.count == 1, let (unit, _) = f.first else {
            reader.fail(node, at, "give exactly one of days, weeks or months")
            return nil
        }
        guard let n = reader.integer(f, unit, at, range: 0...3650) else { return nil }
        switch unit {
        case "days": return .days(n)
        case "weeks": return .weeks(n)
        default: return .months(n)
        }
    }

    /// One of a fixed set of words (`first_day`, `every_day`).
    mutating func choice(_ key: String, _ choices: [String]) -> String? {
        guard let text = string(key) else { return nil }
        guard choices.contains(text) else {
            fail(key, "unknown value '\(text)'; expected one of \(choices.joined(separator: ", "))")
            return nil
        }
        return text
    }

    /// Patient facts (`{her2_status: [...], hr_status: [...], ...}`), checked like a rule's `when:`.
    mutating func condition(_ key: String) -> PatientCondition? {
        guard let node = fields[key] else { return nil }
        return resolver.readCondition(node, "\(path).\(key)", &reader)
    }

    /// A mapping of fields, read by `body` with its own fields (paths `rules.<id>.<key>.<field>`).
    mutating func nested<T>(
        _ key: String,
        allowed: Set<String>,
        required: Set<String> = [],
        _ body: (inout RuleParameters) -> T?
    ) -> T? {
        guard let node = fields[key] else { return nil }
        return read(node, "\(path).\(key)", allowed: allowed, required: required, body)
    }

    private mutating func read<T>(
        _ node: Node,
        _ at: String,
        allowed: Set<String>,
        required: Set<String>,
        _ body: (inout RuleParameters) -> T?
    ) -> T? {
        let before = reader.issues.count
        guard let f = reader.mapping(node, at, allowed: allowed, required: required) else { return nil }
        var nested = RuleParameters(fields: f, path: at, resolver: resolver, reader: reader)
        let value = body(&nested)
        reader = nested.reader
        return reader.issues.count == before ? value : nil
    }

    /// A list of mappings, each read by `body` with its own fields (paths `rules.<id>.<key>[<n>].<field>`).
    mutating func list<T>(
        _ key: String,
        allowed: Set<String>,
        required: Set<String> = [],
        _ body: (inout RuleParameters) -> T?
    ) -> [T]? {
        guard let node = fields[key] else { return nil }
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            fail(key, "must be a non-empty list of mappings")
            return nil
        }
        var result: [T] = []
        var complete = true
        for (index, element) in sequence.enumerated() {
            if let value = read(element, "\(path).\(key)[\(index)]", allowed: allowed, required: required, body) {
                result.append(value)
            } else {
                complete = false
            }
        }
        return complete ? result : nil
    }

    /// The rule's message templates (`messages:`), each required and using only the slots its kind fills.
    mutating func messages(_ templates: [String: [String]]) -> [String: MessageTemplate]? {
        let at = "\(path).messages"
        guard let node = fields["messages"] else {
            reader.fail(
                nil,
                at,
                "is required: the texts of this rule's findings (\(templates.keys.sorted().joined(separator: ", ")))"
            )
            return nil
        }
        guard let f = reader.mapping(node, at, allowed: Set(templates.keys), required: Set(templates.keys)) else {
            return nil
        }
        var result: [String: MessageTemplate] = [:]
        for (name, slots) in templates {
            guard let text = reader.string(f, name, at) else { continue }
            switch MessageTemplate.parse(text, slots: slots) {
            case .success(let template): result[name] = template
            case .failure(let problem): reader.fail(f[name], "\(at).\(name)", problem.message)
            }
        }
        return result.count == templates.count ? result : nil
    }
}

/// A finding's text with named slots, `"{first} overlaps {second}"`, parsed once when the policy loads.
struct MessageTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case text(String)
        case slot(String)
    }

    let parts: [Part]

    struct Problem: Error {
        var message: String
    }

    /// Parses `text`, allowing only the named `slots`; `{{` and `}}` stand for braces.
    static func parse(_ text: String, slots: [String]) -> Result<MessageTemplate, Problem> {
        var parts: [Part] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "{" || character == "}", next < text.endIndex, text[next] == character {
                literal.append(character)
                index = text.index(after: next)
                continue
            }
            if character == "}" { return .failure(Problem(message: "unbalanced '}' in the message template")) }
            guard character == "{" else {
                literal.append(character)
                index = next
                continue
            }
            guard let close = text[next...].firstIndex(of: "}") else {
                return .failure(Problem(message: "unclosed '{' in the message template"))
            }
            let name = String(text[next..<close])
            guard slots.contains(name) else {
                let known = slots.isEmpty ? "none" : slots.map { "{\($0)}" }.joined(separator: ", ")
                return .failure(Problem(message: "unknown slot {\(name)}; this template's slots are \(known)"))
            }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            parts.append(.slot(name))
            index = text.index(after: close)
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return .success(MessageTemplate(parts: parts))
    }

    /// The text with each slot filled; a slot without a value stays empty.
    func render(_ values: KeyValuePairs<String, String>) -> String {
        var result = ""
        for part in parts {
            switch part {
            case .text(let text): result += text
            case .slot(let name): result += values.first { $0.key == name }?.value ?? ""
            }
        }
        return result
    }
}
