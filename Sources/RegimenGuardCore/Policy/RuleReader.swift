import Yams

/// Reads one rule of the policy, checking its kind's parameters and every class, group and ingredient it names.
struct RuleReader {
    let classes: Set<String>
    let groups: [String: Set<String>]
    let groupIngredients: [String: Set<String>]
    let ingredients: Set<String>
    let vocabulary: Vocabulary

    static let common: Set<String> = [
        "kind", "severity", "enabled", "title", "detail", "recommendation", "references", "message_id", "when",
        "messages",
    ]
    mutating func read(_ id: String, _ node: Node, _ reader: inout YAMLReader) -> RuleDefinition? {
        let path = "rules.\(id)"
        if !RuleReader.isValidID(id) {
            reader.fail(node, path, "rule ids are lower-case letters, digits and '-'")
        }
        guard let kindNode = node.mapping?["kind"], let kindText = kindNode.string else {
            reader.fail(node, "\(path).kind", "is required: one of \(RuleKinds.names.joined(separator: ", "))")
            return nil
        }
        guard let kind = RuleKinds.named(kindText) else {
            reader.fail(
                kindNode,
                "\(path).kind",
                "unknown rule kind '\(kindText)'; the kinds are \(RuleKinds.names.joined(separator: ", "))"
            )
            return nil
        }
        let allowed = RuleReader.common.union(kind.parameterKeys)
        guard
            let f = reader.mapping(
                node,
                path,
                allowed: allowed,
                required: ["severity", "title", "detail", "recommendation", "message_id"]
            )
        else { return nil }
        let before = reader.issues.count
        let severity: Severity? = reader.enumValue(f, "severity", path)
        let enabled = reader.bool(f, "enabled", path) ?? true
        let messageID = reader.string(f, "message_id", path)
        if let messageID, !RuleReader.isMessageID(messageID) {
            reader.fail(
                f["message_id"],
                "\(path).message_id",
                "must be 32 lower-case hex digits (journalctl --new-id128)"
            )
        }
        let when = readCondition(f["when"], "\(path).when", &reader)
        var parameters = RuleParameters(fields: f, path: path, resolver: self, reader: reader)
        let parameterized = kind.read(&parameters)
        reader = parameters.reader
        guard reader.issues.count == before, let severity, let messageID, let parameterized else { return nil }
        return RuleDefinition(
            id: id,
            kindName: kindText,
            severity: severity,
            enabled: enabled,
            title: reader.string(f, "title", path) ?? id,
            detail: reader.string(f, "detail", path) ?? "",
            recommendation: reader.string(f, "recommendation", path) ?? "",
            references: reader.strings(f, "references", path) ?? [],
            messageID: messageID,
            when: when,
            kind: parameterized
        )
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    static func isMessageID(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    func selector(_ text: String) -> Selector? {
        var selector: Selector
        if text.hasPrefix("ingredient:") {
            let id = String(text.dropFirst("ingredient:".count))
            guard ingredients.contains(id) else { return nil }
            selector = Selector(text: text, classes: [], ingredients: [id])
        } else if let members = groups[text] {
            selector = Selector(text: text, classes: members, ingredients: groupIngredients[text] ?? [])
        } else if classes.contains(text) {
            selector = Selector(text: text, classes: [text], ingredients: [])
        } else {
            return nil
        }
        selector.classMask = vocabulary.classMask(selector.classes)
        return selector
    }

    func readCondition(_ node: Node?, _ path: String, _ reader: inout YAMLReader) -> PatientCondition {
        guard
            let f = reader.mapping(
                node,
                path,
                allowed: ["her2_status", "hr_status", "disease_setting", "menopausal_status"]
            )
        else {
            return PatientCondition()
        }
        func values<E: RawRepresentable & CaseIterable & Hashable>(_ key: String, _ type: E.Type) -> Set<E>?
        where E.RawValue == String {
            guard let texts = reader.strings(f, key, path) else { return nil }
            var set: Set<E> = []
            for text in texts {
                if let value = E(rawValue: text) {
                    set.insert(value)
                } else {
                    reader.fail(
                        f[key],
                        "\(path).\(key)",
                        "unknown value '\(text)'; expected one of \(E.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
            }
            return set
        }
        return PatientCondition(
            her2Status: values("her2_status", HER2Status.self),
            hrStatus: values("hr_status", HRStatus.self),
            diseaseSetting: values("disease_setting", DiseaseSetting.self),
            menopausalStatus: values("menopausal_status", MenopausalStatus.self)
        )
    }
}
