import ArgumentParser

@main
struct RegimenGuard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regimen-guard",
        abstract: "Stops unsafe HR+/HER2+ advanced breast cancer regimen orders before they reach a patient.")
}
