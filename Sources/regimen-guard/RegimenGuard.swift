import ArgumentParser
import RegimenGuardCore

@main
struct RegimenGuard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regimen-guard",
        abstract: "Stops unsafe HR+/HER2+ advanced breast cancer regimen orders before they reach a patient.",
        discussion: """
            Exit codes of validate: 0 accept, 1 review, 2 reject, 65 invalid order, 64 usage error, \
            78 broken policy; several files exit with the worst.
            """,
        version: Verdict.version,
        subcommands: [
            ValidateCommand.self, RulesCommand.self, PolicyCommand.self, WatchCommand.self, ServeCommand.self,
            ReportCommand.self,
        ]
    )
}
