import ArgumentParser
import Foundation
import RegimenGuardCore

/// `regimen-guard validate FILE...`: one-off checks from the shell.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate order files (JSON, CSV or FHIR R4 Bundle) and print their verdicts.",
        discussion: "Exits 0 accept, 1 review, 2 reject, 65 invalid order, 78 broken policy; the worst over all files."
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case human, json, fhir
    }

    @Option(
        help:
            "human: a verdict line per file with its findings; json: the verdict document the service writes; fhir: the verdict as a FHIR R4 Bundle (DetectedIssue per finding, OperationOutcome when invalid)."
    )
    var format: OutputFormat = .human

    @OptionGroup var policies: PolicyOptions

    @Argument(
        help: ArgumentHelp(
            "Order files (*.json, *.csv; a *.json holding a FHIR Bundle is read as FHIR).",
            valueName: "file"
        )
    )
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one order file.") }
    }

    func run() throws {
        let validator = Validator(policy: try policies.load())
        var worst = Decision.accept
        var documents: [String] = []
        let style = HumanOutput(
            colour: StandardOutput.isTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        )
        for path in files {
            let name = (path as NSString).lastPathComponent
            let verdict: Verdict
            if let data = FileManager.default.contents(atPath: path) {
                verdict = validator.validate(bytes: Array(data), fileName: name, at: Date())
            } else {
                verdict = validator.invalid(
                    fileName: name,
                    bytes: nil,
                    errors: [OrderError(path: "", message: "cannot read \(path)")],
                    at: Date()
                )
            }
            worst = max(worst, verdict.decision)
            switch format {
            case .human: print(style.render(verdict, path: path), terminator: "")
            case .json: documents.append(String(decoding: verdict.jsonBytes(), as: UTF8.self))
            case .fhir: documents.append(String(decoding: verdict.fhirBundleBytes(), as: UTF8.self))
            }
        }
        if format != .human {
            // One file: the verdict document itself; several: a JSON array of them.
            print(
                documents.count == 1
                    ? documents[0]
                    : "[\n" + documents.map { $0.trimmingCharacters(in: .newlines) }.joined(separator: ",\n") + "\n]\n",
                terminator: ""
            )
        }
        if worst != .accept { throw ExitCodes.of(worst) }
    }
}
