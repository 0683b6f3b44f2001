import ArgumentParser
import RegimenGuardCore
import RegimenGuardPolicyStore

/// The contract's exit codes, in one place: 0 accept, 1 review, 2 reject, 65 invalid order, 64 usage error,
/// 78 broken policy; several files exit with the worst. `report`: 66 a journal directory cannot be read, 74 the
/// journal cannot be read or the report written (sysexits.h).
enum ExitCodes {
    static let usage = ExitCode(64)
    static let invalidInput = ExitCode(65)
    static let noInput = ExitCode(66)
    static let ioError = ExitCode(74)
    static let brokenPolicy = ExitCode(78)

    /// The exit code of `validate` for a decision.
    static func of(_ decision: Decision) -> ExitCode {
        switch decision {
        case .accept: .success
        case .review: ExitCode(1)
        case .reject: ExitCode(2)
        case .invalid: invalidInput
        }
    }
}

/// `--policies DIR` (repeatable), shared by the commands that load policies.
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .customLong("policies"),
        help: ArgumentHelp(
            "A policy folder; repeat to overlay (a file in a later folder replaces the same-named file).",
            discussion:
                "Default: /usr/share/regimen-guard/policies overlaid by /etc/regimen-guard/policies when installed, else ./Policies.",
            valueName: "dir"
        )
    )
    var directories: [String] = []

    var resolvedDirectories: [String] { PolicyOptions.resolve(directories) }

    func load() throws -> PolicySet { try PolicyOptions.load(directories) }

    static func resolve(_ directories: [String]) -> [String] {
        directories.isEmpty ? PolicyDirectories.defaultSearch() : directories
    }

    /// Loads the policy set of `directories` (the default search when empty), or prints every issue and exits 78.
    static func load(_ directories: [String]) throws -> PolicySet {
        let resolved = resolve(directories)
        do {
            return try PolicyDirectories.load(resolved)
        } catch {
            StandardError.write(
                "regimen-guard: the policy set in \(resolved.joined(separator: " + ")) is broken:\n\(error.description)\n"
            )
            throw ExitCodes.brokenPolicy
        }
    }
}
