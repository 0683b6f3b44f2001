import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// A mutation corpus derived from the valid example and test orders (the seeds kept in the repository): every
/// mutant is either a real verdict or an `invalid` verdict with errors; nothing crashes, hangs or is skipped.
/// `REGIMEN_GUARD_FUZZ_COUNT` raises the count (default 12,000 in CI).
@Suite struct MutationFuzzTests {
    static let seeds: [(name: String, bytes: [UInt8])] = {
        var seeds: [(String, [UInt8])] = []
        for folder in ["Policies/tests", "Examples/spool/incoming"] {
            let path = repositoryRoot.appendingPathComponent(folder).path
            for name in entries(path) where name.hasSuffix(".json") || name.hasSuffix(".csv") {
                seeds.append((name, Array(FileManager.default.contents(atPath: path + "/" + name)!)))
            }
        }
        return seeds
    }()

    /// Seeded, so a failing mutant can be reproduced from its index.
    typealias Generator = SeededGenerator

    static let tokens: [[UInt8]] =
        [
            "\"", ",", "{", "}", "[", "]", ":", "\\", "\\u", "\\ud800", "null", "true", "1e999", "-0", "\r\n", "\n",
            "\u{0}",
            "\"\"", ",,", "\"order_id\": \"X\"", "\"medications\": []", "NaN", "9999-99-99", "2026-02-29", "\u{FEFF}",
            "trastuzumab", "epirubicin", "medication", "history", "override", "\u{1F600}",
        ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]

    static func mutate(_ input: [UInt8], _ rng: inout Generator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { return bytes }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...40, using: &rng)))
            case 2: bytes.insert(contentsOf: tokens.randomElement(using: &rng)!, at: at)
            case 3: bytes = Array(bytes.prefix(at))
            case 4:
                let length = min(bytes.count - at, Int.random(in: 1...200, using: &rng))
                bytes.insert(contentsOf: bytes[at..<(at + length)], at: Int.random(in: 0..<bytes.count, using: &rng))
            case 5: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            default:
                let other = seeds.randomElement(using: &rng)!.bytes
                let cut = Int.random(in: 0..<max(1, other.count), using: &rng)
                bytes = Array(bytes.prefix(at)) + Array(other.suffix(from: min(cut, other.count)))
            }
        }
        return bytes
    }

    @Test func everyMutantGetsAConsistentVerdict() {
        let count = Int(ProcessInfo.processInfo.environment["REGIMEN_GUARD_FUZZ_COUNT"] ?? "") ?? 12_000
        #expect(Self.seeds.count >= 50)
        var rng = Generator(state: 20261125)
        var invalid = 0
        for index in 0..<count {
            let seed = Self.seeds[index % Self.seeds.count]
            let mutant = Self.mutate(seed.bytes, &rng)
            let verdict = validator.validate(bytes: mutant, fileName: seed.name, at: fixedDate)
            if verdict.decision == .invalid {
                invalid += 1
                #expect(!verdict.errors.isEmpty && verdict.findings.isEmpty, "mutant \(index) of \(seed.name)")
            } else {
                #expect(verdict.errors.isEmpty, "mutant \(index) of \(seed.name)")
            }
            // The verdict document is always well-formed JSON.
            #expect((try? JSONSerialization.jsonObject(with: Data(verdict.jsonBytes()))) != nil, "mutant \(index)")
        }
        // Most mutants are malformed; the rest still parse (a changed date or drug) and get real verdicts.
        #expect(invalid > count / 2)
    }

    @Test func pathologicalInputsAreInvalidQuickly() {
        let cases: [(String, [UInt8])] = [
            ("deep.json", Array(String(repeating: "[", count: 100_000).utf8)),
            ("deep-objects.json", Array(String(repeating: "{\"a\":", count: 50_000).utf8)),
            ("long-string.json", Array(("{\"order_id\": \"" + String(repeating: "x", count: 1_000_000) + "\"}").utf8)),
            ("many-rows.csv", Array(("order_id,record\n" + String(repeating: "A,medication\n", count: 50_000)).utf8)),
            ("quotes.csv", Array(String(repeating: "\"", count: 100_001).utf8)),
            ("nul.json", [0, 0, 0]),
        ]
        for (name, bytes) in cases {
            let verdict = validator.validate(bytes: bytes, fileName: name, at: fixedDate)
            #expect(verdict.decision == .invalid, "\(name)")
        }
    }
}
