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

/// A loaded, validated policy set.
public struct PolicySet: Sendable {
    public var version: String
    /// `sha256:<hex>` over every policy file's name and bytes.
    public var digest: String
    public var rules: [RuleSummary]

    public var stamp: PolicyStamp { PolicyStamp(version: version, digest: digest) }

    /// Loads and validates a policy set from its files.
    public static func load(_ files: [PolicySourceFile]) throws(PolicyError) -> PolicySet {
        throw PolicyError(issues: [PolicyIssue(file: "", path: "", message: "not implemented yet")])
    }
}
