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
    var files: [String] = []

    @Option(
        name: .customLong("files-from"),
        help: ArgumentHelp(
            "Also check the files listed in this file, one path per line ('-': standard input).",
            discussion: "For thousands of files (re-checking an archive after a policy change): a list is read in "
                + "linear time, while very long argument lists are not.",
            valueName: "list"
        )
    )
    var filesFrom: String?

    func validate() throws {
        if files.isEmpty && filesFrom == nil { throw ValidationError("Give at least one order file.") }
    }

    func run() throws {
        let validator = Validator(policy: try policies.load())
        let style = HumanOutput(
            colour: StandardOutput.isTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        )
        // Verdicts are written as they are made: one file gives the verdict document itself, several a JSON array.
        var out = StandardOutputBuffer()
        let files = try self.files + listedFiles()
        let array = format != .human && (files.count > 1 || filesFrom != nil)
        if array { out.append("[\n") }
        var worst = Decision.accept
        for (index, path) in files.enumerated() {
            let name = (path as NSString).lastPathComponent
            let verdict: Verdict
            if let bytes = FileBytes.read(path) {
                verdict = validator.validate(bytes: bytes, fileName: name, at: Date())
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
            case .human: out.append(style.render(verdict, path: path))
            case .json, .fhir:
                var document = format == .json ? verdict.jsonBytes() : verdict.fhirBundleBytes()
                if array {
                    while document.last == UInt8(ascii: "\n") { document.removeLast() }
                    document += Array((index + 1 < files.count ? ",\n" : "\n]\n").utf8)
                }
                out.append(contentsOf: document)
            }
        }
        if array && files.isEmpty { out.append("]\n") }
        out.flush()
        if worst != .accept { throw ExitCodes.of(worst) }
    }

    /// The paths of `--files-from`, one per line; empty lines are skipped.
    private func listedFiles() throws -> [String] {
        guard let filesFrom else { return [] }
        guard let bytes = FileBytes.read(filesFrom == "-" ? "/dev/stdin" : filesFrom) else {
            throw ValidationError("Cannot read the list of files \(filesFrom).")
        }
        return bytes.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }.filter {
            !$0.isEmpty
        }
    }
}
