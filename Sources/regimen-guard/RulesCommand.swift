import ArgumentParser
import RegimenGuardCore

/// `regimen-guard rules`: the rules of the policy set.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the rules of the policy set: id, severity, title."
    )

    @OptionGroup var policies: PolicyOptions

    func run() throws {
        let policy = try policies.load()
        let width = policy.rules.map(\.id.count).max() ?? 0
        print("policy \(policy.name) \(policy.version) (\(policy.digest))")
        for rule in policy.rules {
            let id = rule.id + String(repeating: " ", count: width - rule.id.count)
            let severity = rule.severity.rawValue + String(repeating: " ", count: 8 - rule.severity.rawValue.count)
            print("\(id)  \(severity)  \(rule.enabled ? "" : "(disabled) ")\(rule.title)")
        }
    }
}
