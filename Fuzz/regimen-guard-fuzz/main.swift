// Coverage-guided fuzzing of the core with libFuzzer: `Scripts/fuzz` builds this with `-sanitize=fuzzer,address`.
// Each input is judged as a JSON order (a FHIR Bundle when its content is one), as a FHIR file name and as a CSV
// order; any crash, or any broken invariant below, is a finding.
import CFuzzer
import Foundation
import RegimenGuardCore
import RegimenGuardPolicyStore

enum Harness {
    static let validator: Validator = {
        let directory = ProcessInfo.processInfo.environment["REGIMEN_GUARD_POLICIES"] ?? "Policies"
        do {
            return Validator(policy: try PolicyDirectories.load([directory]))
        } catch {
            fatalError("the policies in \(directory) do not load: \(error)")
        }
    }()
    static let date = Date(timeIntervalSince1970: 1_795_000_000)

    /// Unlike `precondition`, keeps its message in a release build, so a finding says what broke.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("broken invariant: \(message())") }
    }

    static func check(_ bytes: [UInt8]) {
        for name in ["order.json", "order.fhir.json", "order.csv"] {
            let verdict = validator.validate(bytes: bytes, fileName: name, at: date)
            if verdict.decision == .invalid {
                require(
                    !verdict.errors.isEmpty && verdict.findings.isEmpty,
                    "an invalid verdict without errors, or with findings"
                )
            } else {
                require(verdict.errors.isEmpty, "a judged verdict with errors")
            }
            // The verdict document reads back to itself: what the daemon writes, pharmacy systems can parse.
            let document = verdict.jsonBytes()
            guard let decoded = try? Verdict.decode(document) else {
                fatalError("broken invariant: the verdict document does not decode")
            }
            require(decoded.jsonBytes() == document, "the verdict document does not round-trip")
            // Judging is deterministic: the same bytes at the same date give the same document.
            require(
                validator.validate(bytes: bytes, fileName: name, at: date).jsonBytes() == document,
                "not deterministic"
            )
            // The verdict as FHIR is JSON, one resource per finding or one OperationOutcome, the same every time.
            let fhir = verdict.fhirBundleBytes()
            guard let bundle = (try? JSONSerialization.jsonObject(with: Data(fhir))) as? [String: Any] else {
                fatalError("broken invariant: the FHIR verdict is not a JSON object")
            }
            let entries = (bundle["entry"] as? [Any])?.count ?? -1
            require(
                entries == (verdict.decision == .invalid ? 1 : verdict.findings.count),
                "the FHIR verdict holds \(entries) resources"
            )
            require(decoded.fhirBundleBytes() == fhir, "the FHIR verdict does not follow from the verdict document")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Harness.check(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

_ = Harness.validator
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
let status = regimen_guard_run_fuzzer(&argc, &argv) { data, size in fuzzOneInput(data, size) }
if status == -1 {
    FileHandle.standardError.write(Data("regimen-guard-fuzz: not built with libFuzzer; run Scripts/fuzz\n".utf8))
    exit(2)
}
exit(status)
