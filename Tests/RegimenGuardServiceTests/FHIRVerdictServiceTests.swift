import Foundation
import RegimenGuardCore
import ServiceTestSupport
import TestSupport
import Testing

/// `watch --fhir-verdicts`: a FHIR order gets `<name>.verdict.fhir.json` beside its verdict; a native order does not.
@Suite struct FHIRVerdictServiceTests {
    @Test func fhirOrdersGetAFHIRVerdictBesideTheNativeOne() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        for name in ["RX-2026-000103.fhir.json", "RX-2026-000101.json"] {
            try FileManager.default.copyItem(atPath: examplesPath + "/" + name, toPath: spool.file("incoming/" + name))
        }
        let result = try ServiceProcess(arguments: [
            "watch", "--spool", spool.path, "--policies", policiesPath, "--exit-when-idle", "--settle-time", "0",
            "--log-target", "stderr", "--fhir-verdicts",
        ]).wait()
        #expect(result.status == 0)
        #expect(
            entries(spool.file("verdicts")).sorted() == [
                "RX-2026-000101.json.verdict.json", "RX-2026-000103.fhir.json.verdict.fhir.json",
                "RX-2026-000103.fhir.json.verdict.json",
            ]
        )
        let native = try #require(verdict(spool, "RX-2026-000103.fhir.json"))
        let data = try #require(
            FileManager.default.contents(atPath: spool.file("verdicts/RX-2026-000103.fhir.json.verdict.fhir.json"))
        )
        #expect(Array(data) == native.fhirBundleBytes())
    }

    @Test func withoutTheFlagNoFHIRVerdictIsWritten() throws {
        let spool = try makeSpool()
        defer { spool.remove() }
        try FileManager.default.copyItem(
            atPath: examplesPath + "/RX-2026-000103.fhir.json",
            toPath: spool.file("incoming/RX-2026-000103.fhir.json")
        )
        let result = try ServiceProcess(arguments: [
            "watch", "--spool", spool.path, "--policies", policiesPath, "--exit-when-idle", "--settle-time", "0",
            "--log-target", "stderr",
        ]).wait()
        #expect(result.status == 0)
        #expect(entries(spool.file("verdicts")) == ["RX-2026-000103.fhir.json.verdict.json"])
        #expect(verdict(spool, "RX-2026-000103.fhir.json")?.sourceFormat == "fhir")
    }
}
