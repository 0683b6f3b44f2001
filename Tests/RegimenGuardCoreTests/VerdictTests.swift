import Foundation
import RegimenGuardCore
import Testing

/// The verdict document: contract shape, stable bytes, no patient identifier.
@Suite struct VerdictTests {
    let text = order(
        [.open("trastuzumab", "2026-12-01"), .cycles("doxorubicin", "2026-12-01", 4)],
        lvef: ["2026-11-20"]
    )

    @Test func theSameBytesAndPolicyGiveTheSameVerdictBytes() {
        let a = validator.validate(bytes: Array(text.utf8), fileName: "RX.json", at: fixedDate).jsonBytes()
        let b = validator.validate(bytes: Array(text.utf8), fileName: "RX.json", at: fixedDate).jsonBytes()
        #expect(a == b)
    }

    @Test func theDocumentHasTheContractFieldsInOrder() throws {
        let verdict = validator.validate(bytes: Array(text.utf8), fileName: "RX.json", at: fixedDate)
        let json = String(decoding: verdict.jsonBytes(), as: UTF8.self)
        let keys = [
            "\"order_id\"", "\"source\"", "\"source_format\"", "\"source_sha256\"", "\"decision\"", "\"findings\"",
            "\"errors\"", "\"policy\"", "\"validator\"", "\"validated_at\"",
        ]
        let positions = keys.map { json.range(of: "\n  \($0)")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        let object = try JSONSerialization.jsonObject(with: Data(verdict.jsonBytes())) as? [String: Any]
        #expect(object?["decision"] as? String == "reject")
        #expect(object?["source_format"] as? String == "json")
        #expect(object?["ignored"] == nil)
        let sha = object?["source_sha256"] as? String ?? ""
        #expect(sha.count == 64 && sha.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect((object?["policy"] as? [String: Any])?["digest"] as? String == repositoryPolicy.digest)
        #expect(object?["validated_at"] as? String == "2026-11-18T11:06:40Z")
        #expect(try Verdict.decode(verdict.jsonBytes()) == verdict)
    }

    /// A FIPS 180-2 test vector: `text` repeated `times`, and its SHA-256.
    struct Vector: Sendable, CustomTestStringConvertible {
        let text: String, times: Int, sha256: String
        var testDescription: String { "\"\(text)\" x \(times)" }
    }

    /// `source_sha256` is SHA-256 of the exact bytes judged: empty, "abc", a million "a" (many blocks).
    @Test(arguments: [
        Vector(text: "", times: 1, sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        Vector(text: "abc", times: 1, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        Vector(text: "a", times: 1_000_000, sha256: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ])
    func sourceSHA256IsTheDigestOfTheExactBytes(vector: Vector) {
        let bytes = Array(String(repeating: vector.text, count: vector.times).utf8)
        let verdict = validator.validate(bytes: bytes, fileName: "RX.json", at: fixedDate)
        #expect(verdict.decision == .invalid)
        #expect(verdict.sourceSHA256 == vector.sha256)
    }

    /// The identifier is in every order below, judged or invalid in several ways, and in none of their verdicts.
    @Test func thePatientIdentifierIsNeverInTheVerdict() {
        let invalidOrders = [
            text.replacingOccurrences(of: "doxorubicin", with: "doxorubicine"),  // unknown drug
            text.replacingOccurrences(of: "\"hr_status\"", with: "\"hr_statu\""),  // unknown field
            text.replacingOccurrences(of: "2026-12-01", with: "2026-13-01"),  // bad date
            text.replacingOccurrences(
                of: "\"id\": \"MRN-SECRET-0042\"",
                with: "\"id\": \"MRN-SECRET-0042\", \"id\": \"MRN-SECRET-0042\""
            ),
        ]
        for (index, body) in ([text] + invalidOrders).enumerated() {
            #expect(body.contains("MRN-SECRET-0042"))
            let verdict = validator.validate(bytes: Array(body.utf8), fileName: "RX.json", at: fixedDate)
            #expect(verdict.decision == (index == 0 ? .reject : .invalid), "order \(index)")
            #expect(!String(decoding: verdict.jsonBytes(), as: UTF8.self).contains("MRN-SECRET-0042"), "order \(index)")
        }
        // An identifier misplaced into an enum field is echoed only as that field's bad value, inside the verdict
        // file beside the order (ORDERS.md section 6); the journal never carries error messages.
    }

    @Test func decisionsFollowTheContract() {
        func finding(_ severity: Severity, overridden: Bool = false) -> Finding {
            Finding(
                rule: "r",
                severity: severity,
                title: "",
                summary: "",
                detail: "",
                recommendation: "",
                evidence: [],
                references: [],
                overridden: overridden
            )
        }
        #expect(Validator.decision(for: []) == .accept)
        #expect(Validator.decision(for: [finding(.info)]) == .accept)
        #expect(Validator.decision(for: [finding(.warning), finding(.info)]) == .review)
        #expect(Validator.decision(for: [finding(.warning), finding(.critical)]) == .reject)
        #expect(Validator.decision(for: [finding(.critical, overridden: true), finding(.warning)]) == .review)
    }
}
