import Yams

/// One policy file as read from the policy folder.
public struct PolicySourceFile: Sendable, Equatable {
    /// File name relative to the policy folder, e.g. `rules.yaml`.
    public var name: String
    public var bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// A problem in the policy set: the file, where in it, and what is wrong.
public struct PolicyIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var path: String
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)" }
}

/// The policy set could not be loaded; every issue found is listed, not only the first.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [PolicyIssue]

    public init(issues: [PolicyIssue]) {
        self.issues = issues
    }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// A rule as the policy defines it: what journal filters and the catalog key on.
public struct RuleSummary: Sendable, Equatable {
    public var id: String
    public var severity: Severity
    public var title: String
    /// 128-bit lowercase hex journal `MESSAGE_ID` for this rule's findings.
    public var messageID: String
    public var enabled: Bool
}

/// A loaded, validated policy set: vocabulary, observation codes and rules.
public struct PolicySet: Sendable {
    public var name: String
    public var version: String
    /// `sha256:<hex>` over every policy file's name and bytes.
    public var digest: String
    public var vocabulary: Vocabulary
    var definitions: [RuleDefinition]

    public var rules: [RuleSummary] { definitions.map(\.summary) }
    public var stamp: PolicyStamp { PolicyStamp(version: version, digest: digest) }

    /// Loads and validates a policy set from its files.
    ///
    /// Each file is a YAML mapping with any of the sections `policy` (name and version; exactly once in the
    /// set), `classes`, `groups`, `agents`, `observations` and `rules`. Ids must be unique across files, so a
    /// local file can add drugs or rules, and a file of the same name in a later folder replaces a default one.
    /// - Throws: ``PolicyError`` listing every problem (unknown field, unknown class, duplicate id, bad window, ...).
    public static func load(_ files: [PolicySourceFile]) throws(PolicyError) -> PolicySet {
        var loader = PolicyLoader()
        for file in files.sorted(by: { $0.name < $1.name }) { loader.read(file) }
        return try loader.finish(digest: digest(of: files))
    }

    /// `sha256:` over each file's name and bytes, in name order, each length-prefixed.
    static func digest(of files: [PolicySourceFile]) -> String {
        var bytes: [UInt8] = []
        for file in files.sorted(by: { $0.name < $1.name }) {
            bytes += Array("\(file.name.utf8.count):\(file.name)\(file.bytes.count):".utf8)
            bytes += file.bytes
        }
        return "sha256:" + SHA256Hex.digest(bytes)
    }
}

/// Collects the sections of every policy file, then checks references between them.
struct PolicyLoader {
    private var issues: [PolicyIssue] = []
    private var metadata: (name: String, version: String, file: String)?
    private var classes: [String: DrugClass] = [:]
    private var classOrigin: [String: String] = [:]
    private var rawGroups: [(id: String, members: [String], file: String, node: Node)] = []
    private var agents: [Agent] = []
    private var agentOrigin: [String: String] = [:]
    private var observationTypes: [ObservationType] = []
    private var observationsSeen = false
    private var rawRules: [(id: String, node: Node, file: String)] = []
    private var fhir: (terminology: FHIRTerminology, file: String)?

    static let sections: Set<String> = ["policy", "classes", "groups", "agents", "observations", "rules", "fhir"]

    mutating func read(_ file: PolicySourceFile) {
        var reader = YAMLReader(file: file.name)
        defer { issues += reader.issues }
        guard let text = String(validating: file.bytes, as: UTF8.self) else {
            reader.fail(nil, "", "is not valid UTF-8")
            return
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            reader.fail(nil, "", "is not valid YAML: \(error)")
            return
        }
        guard let root else { return }  // an empty file adds nothing
        guard let top = reader.mapping(root, "", allowed: PolicyLoader.sections) else { return }

        if let node = top["policy"],
            let f = reader.mapping(
                node,
                "policy",
                allowed: ["name", "version", "description"],
                required: ["name", "version"]
            )
        {
            if let other = metadata {
                reader.fail(node, "policy", "the policy section is already given in \(other.file); give it once")
            } else if let name = reader.string(f, "name", "policy"), let version = reader.string(f, "version", "policy")
            {
                metadata = (name, version, file.name)
            }
        }
        for (id, node) in reader.entries(top["classes"], "classes") {
            let path = "classes.\(id)"
            guard let f = reader.mapping(node, path, allowed: ["title", "atc"], required: ["title"]) else { continue }
            if let other = classOrigin[id] {
                reader.fail(node, path, "class \(id) is already defined in \(other)")
                continue
            }
            _ = reader.strings(f, "atc", path)
            classes[id] = DrugClass(id: id, title: reader.string(f, "title", path) ?? id)
            classOrigin[id] = file.name
        }
        for (id, node) in reader.entries(top["groups"], "groups") {
            guard case .sequence = node, let members = reader.strings(["m": node], "m", "groups.\(id)") else {
                reader.fail(node, "groups.\(id)", "must be a list of classes or ingredient:<id>")
                continue
            }
            rawGroups.append((id, members, file.name, node))
        }
        for (id, node) in reader.entries(top["agents"], "agents") {
            let path = "agents.\(id)"
            guard
                let f = reader.mapping(
                    node,
                    path,
                    allowed: ["name", "class", "ingredients", "names", "atc", "rxnorm", "note"],
                    required: ["class"]
                )
            else { continue }
            if let other = agentOrigin[id] {
                reader.fail(node, path, "agent \(id) is already defined in \(other)")
                continue
            }
            guard let drugClass = reader.string(f, "class", path) else { continue }
            let agent = Agent(
                id: id,
                name: reader.string(f, "name", path) ?? id,
                drugClass: drugClass,
                ingredients: reader.strings(f, "ingredients", path) ?? [id],
                names: reader.strings(f, "names", path) ?? [],
                atc: reader.strings(f, "atc", path) ?? [],
                rxnorm: reader.strings(f, "rxnorm", path) ?? []
            )
            agents.append(agent)
            agentOrigin[id] = file.name
        }
        if let node = top["observations"] {
            if observationsSeen {
                reader.fail(node, "observations", "observations are already defined in another file")
            }
            observationsSeen = true
            observationTypes = Vocabulary.readObservationTypes(node, &reader)
        }
        for (id, node) in reader.entries(top["rules"], "rules") {
            rawRules.append((id, node, file.name))
        }
        if let node = top["fhir"] {
            if let other = fhir {
                reader.fail(node, "fhir", "the fhir section is already given in \(other.file); give it once")
            } else if let terminology = FHIRTerminology.read(node, &reader) {
                fhir = (terminology, file.name)
            }
        }
    }

    mutating func finish(digest: String) throws(PolicyError) -> PolicySet {
        var check = YAMLReader(file: "policy set")
        if metadata == nil { check.fail(nil, "policy", "no file gives the policy section (name and version)") }
        if agents.isEmpty { check.fail(nil, "agents", "the policy set defines no drugs") }
        if classes.count > Vocabulary.maximumClasses {
            check.fail(
                nil,
                "classes",
                "the policy set defines \(classes.count) classes; at most \(Vocabulary.maximumClasses) are supported"
            )
        }
        for agent in agents where classes[agent.drugClass] == nil {
            check.fail(
                nil,
                "agents.\(agent.id).class",
                "unknown class '\(agent.drugClass)' (file \(agentOrigin[agent.id] ?? "?"))"
            )
        }
        for conflict in Vocabulary.conflicts(in: agents) { check.fail(nil, "agents", conflict) }
        issues += check.issues

        let ingredientIDs = Set(agents.flatMap(\.ingredients))
        var groups: [String: Set<String>] = [:]
        var groupIngredients: [String: Set<String>] = [:]
        for group in rawGroups {
            var reader = YAMLReader(file: group.file)
            if groups[group.id] != nil || classes[group.id] != nil {
                reader.fail(group.node, "groups.\(group.id)", "duplicate id: \(group.id) is already a group or class")
            }
            var members: Set<String> = [], ingredients: Set<String> = []
            for member in group.members {
                if member.hasPrefix("ingredient:") {
                    let id = String(member.dropFirst("ingredient:".count))
                    if ingredientIDs.contains(id) {
                        ingredients.insert(id)
                    } else {
                        reader.fail(group.node, "groups.\(group.id)", "unknown ingredient '\(id)'")
                    }
                } else if classes[member] != nil {
                    members.insert(member)
                } else {
                    reader.fail(group.node, "groups.\(group.id)", "unknown class '\(member)'")
                }
            }
            groups[group.id] = members
            groupIngredients[group.id] = ingredients
            issues += reader.issues
        }

        let vocabulary = Vocabulary(
            classes: classes,
            groups: groups,
            agents: agents,
            observationTypes: observationTypes,
            fhir: fhir?.terminology ?? FHIRTerminology()
        )
        var resolver = RuleReader(
            classes: Set(classes.keys),
            groups: groups,
            groupIngredients: groupIngredients,
            ingredients: ingredientIDs,
            vocabulary: vocabulary
        )
        var definitions: [RuleDefinition] = []
        var seenIDs: [String: String] = [:], seenMessageIDs: [String: String] = [:]
        for raw in rawRules {
            var reader = YAMLReader(file: raw.file)
            if let other = seenIDs[raw.id] {
                reader.fail(raw.node, "rules.\(raw.id)", "rule id \(raw.id) is already defined in \(other)")
            } else if let rule = resolver.read(raw.id, raw.node, &reader) {
                if let other = seenMessageIDs[rule.messageID] {
                    reader.fail(raw.node, "rules.\(raw.id).message_id", "message_id is already used by rule \(other)")
                }
                seenMessageIDs[rule.messageID] = rule.id
                definitions.append(rule)
            }
            seenIDs[raw.id] = raw.file
            issues += reader.issues
        }
        if rawRules.isEmpty {
            issues.append(PolicyIssue(file: "policy set", path: "rules", message: "the policy set defines no rules"))
        }
        guard issues.isEmpty, let metadata else { throw PolicyError(issues: issues) }
        return PolicySet(
            name: metadata.name,
            version: metadata.version,
            digest: digest,
            vocabulary: vocabulary,
            definitions: definitions
        )
    }
}
