import Foundation
import RegimenGuardCore
import Testing

/// Malformed orders are `invalid` verdicts with precise errors, never crashes or silence.
@Suite struct OrderReadingTests {
    let valid = order([.open("letrozole", "2026-12-01")], her2: "negative")

    func errors(_ text: String, as name: String = "order.json") -> [OrderError] {
        let verdict = judge(text, as: name)
        #expect(verdict.decision == .invalid)
        #expect(verdict.findings.isEmpty)
        return verdict.errors
    }

    /// The error paths; empty for an order that is not invalid.
    func paths(_ text: String, as name: String = "order.json") -> Set<String> {
        Set(judge(text, as: name).errors.map(\.path))
    }

    @Test func aValidOrderIsNotInvalid() {
        #expect(judge(valid).decision == .accept)
    }

    @Test func fileLevelProblems() {
        #expect(errors("", as: "a.json").first?.message == "the file is empty")
        #expect(errors(valid, as: "order.txt").first?.message.contains("ends in .json or .csv") == true)
        let bad = validator.validate(
            bytes: Array("{\"order_id\": \"A\u{e9}\"".utf8.dropLast(2)) + [0xFF, 0x22, 0x7D],
            fileName: "x.json",
            at: fixedDate
        )
        #expect(bad.errors.first?.message == "the file is not valid UTF-8")
        #expect(bad.errors.first?.path == "line 1, column 16")
        #expect(errors("[\(valid)]").first?.message.contains("not an array") == true)
    }

    @Test func jsonSyntaxErrorsHaveALineAndColumn() {
        let error = errors("{\n  \"order_id\": \"RX-1\",\n  \"patient\": tru\n}").first
        #expect(error?.path == "line 3, column 14")
        #expect(error?.message.hasPrefix("invalid JSON") == true)
        #expect(errors("{\"a\": 1,}").first?.path == "line 1, column 9")
        #expect(errors(String(repeating: "[", count: 100)).first?.message.contains("nesting deeper") == true)
    }

    @Test func aDuplicatedFieldIsAnErrorNotASilentChoice() {
        let text = valid.replacingOccurrences(of: "\"medications\":", with: "\"medications\": [], \"medications\":")
        #expect(errors(text).contains { $0.path == "medications" && $0.message.contains("appears twice") })
    }

    @Test func unknownFieldsAtAnyLevelAreErrors() {
        let text =
            valid
            .replacingOccurrences(of: "\"order_id\"", with: "\"observatons\": [], \"order_id\"")
            .replacingOccurrences(of: "\"her2_status\"", with: "\"dob\": \"1960-01-01\", \"her2_status\"")
            .replacingOccurrences(of: "\"start\"", with: "\"dose_mg\": 2.5, \"start\"")
        let found = errors(text)
        #expect(Set(found.map(\.path)) == ["observatons", "patient.dob", "medications[0].dose_mg"])
        #expect(found.first { $0.path == "observatons" }?.message.contains("did you mean 'observations'") == true)
    }

    @Test func severalProblemsAreReportedTogether() {
        let text = """
            {"order_id": "RX/1", "patient": {"id": "MRN-1", "her2_status": "pos", "hr_status": "positive", "disease_setting": "advanced"},
             "line_of_therapy": 0,
             "medications": [{"drug": "trastuzamab", "start": "2026-12-01"},
                             {"drug": "docetaxel", "start": "2026-12-01", "end": "2026-11-01", "cycles": 3},
                             {"drug": "letrozole", "start": "2026-02-30"},
                             {"drug": "letrozole", "start": "2026-12-01", "stop_reason": "finished"}]}
            """
        #expect(
            paths(text) == [
                "order_id", "patient.her2_status", "line_of_therapy", "medications[0].drug", "medications[1].end",
                "medications[1].cycle_length_days", "medications[2].start", "medications[3].stop_reason",
            ]
        )
    }

    @Test func anUnknownDrugIsInvalidWithSuggestions() {
        let error = errors(order([.open("trastuzamab", "2026-12-01")], lvef: ["2026-11-20"])).first
        #expect(error?.path == "medications[0].drug")
        #expect(error?.message.contains("unknown drug 'trastuzamab'; did you mean 'trastuzumab'") == true)
        #expect(errors(order([.open("zzzz", "2026-12-01")])).first?.message.contains("did you mean") == false)
    }

    @Test func namesMatchWhateverTheirCaseAndSpacing() {
        for name in [
            "  HERCEPTIN ", "herceptin", "T-DM1", "tdm1", "Ado-Trastuzumab Emtansine",
            "fam-trastuzumab deruxtecan-nxki", "nab-paclitaxel",
        ] {
            #expect(
                judge(order([.open(name, "2026-12-01")], lvef: ["2026-11-20"], line: 2)).decision != .invalid,
                "\(name)"
            )
        }
    }

    @Test func codesResolveToIngredientsAndMustAgreeWithTheName() {
        func coded(_ system: String, _ code: String, drug: String? = nil) -> String {
            let drugField = drug.map { "\"drug\": \"\($0)\", " } ?? ""
            return valid.replacingOccurrences(
                of: "{\"drug\": \"letrozole\", ",
                with: "{\(drugField)\"code\": {\"system\": \"\(system)\", \"code\": \"\(code)\"}, "
            )
        }
        #expect(judge(coded("atc", "L02BG04")).decision == .accept)
        #expect(judge(coded("http://www.whocc.no/atc", "L02BG04", drug: "Femara")).decision == .accept)
        #expect(judge(coded("rxnorm", "72965")).decision == .accept)
        #expect(errors(coded("atc", "L02BG99")).first?.message == "unknown ATC code 'L02BG99'")
        #expect(errors(coded("snomed", "123")).first?.path == "medications[0].code.system")
        #expect(
            errors(coded("atc", "L01DB01", drug: "letrozole")).first?.message.contains(
                "is doxorubicin, but the drug is letrozole"
            ) == true
        )
        // Phesgo's ATC code is trastuzumab and pertuzumab at once.
        let phesgo = order([.open("letrozole", "2026-12-01")], lvef: ["2026-11-20"], line: 2)
            .replacingOccurrences(
                of: "{\"drug\": \"letrozole\", ",
                with: "{\"code\": {\"system\": \"atc\", \"code\": \"L01FY01\"}, "
            )
        #expect(judge(phesgo).decision == .accept)
    }

    @Test func observationsMustBeLVEFInPercent() {
        func observation(_ fields: String) -> String {
            valid.replacingOccurrences(of: "\"medications\"", with: "\"observations\": [{\(fields)}], \"medications\"")
        }
        #expect(judge(observation("\"type\": \"lvef\", \"value\": 61, \"date\": \"2026-11-01\"")).decision == .accept)
        #expect(
            paths(observation("\"loinc\": \"10834-0\", \"value\": 61, \"date\": \"2026-11-01\"")) == [
                "observations[0].loinc"
            ]
        )
        #expect(
            paths(observation("\"type\": \"bnp\", \"value\": 61, \"date\": \"2026-11-01\"")) == ["observations[0].type"]
        )
        #expect(
            paths(observation("\"type\": \"lvef\", \"value\": \"61\", \"unit\": \"mmHg\", \"date\": \"2026-11-01\""))
                == ["observations[0].value", "observations[0].unit"]
        )
        // v2 (ORDERS.md section 9): an LVEF of 1 or less is an error that says it looks like a fraction.
        let fraction = judge(observation("\"type\": \"lvef\", \"value\": 0.61, \"date\": \"2026-11-01\""))
        #expect(fraction.errors.map(\.path) == ["observations[0].value"])
        #expect(fraction.errors.first?.message.contains("looks like a fraction") == true)
        #expect(
            paths(observation("\"type\": \"lvef\", \"value\": 1, \"date\": \"2026-11-01\"")) == [
                "observations[0].value"
            ]
        )
        #expect(paths(observation("\"type\": \"lvef\", \"value\": 1.5, \"date\": \"2026-11-01\"")) == [])
        #expect(paths(observation("\"type\": \"lvef\", \"value\": 100, \"date\": \"2026-11-01\"")) == [])
        #expect(
            paths(observation("\"type\": \"lvef\", \"value\": 161, \"date\": \"2026-11-01\"")) == [
                "observations[0].value"
            ]
        )
    }

    @Test func overridesNeedAKnownRuleAndAReason() {
        let base = order([.open("letrozole", "2026-12-01")], her2: "negative", overrides: [("cdk46-replaces-thp", "x")])
        #expect(judge(base).decision == .accept)
        #expect(
            paths(base.replacingOccurrences(of: "\"reason\": \"x\"", with: "\"reason\": \"  \"")) == [
                "overrides[0].reason"
            ]
        )
        #expect(
            paths(base.replacingOccurrences(of: "cdk46-replaces-thp", with: "no-such-rule")) == ["overrides[0].rule"]
        )
    }

    @Test func requiredFieldsAndTypes() {
        #expect(paths("{}") == ["order_id", "patient", "medications"])
        #expect(
            paths(valid.replacingOccurrences(of: "\"medications\": [", with: "\"medications\": [], \"x\": [")) == [
                "medications", "x",
            ]
        )
        #expect(
            paths(valid.replacingOccurrences(of: "\"order_id\": \"RX-TEST-1\"", with: "\"order_id\": 42")) == [
                "order_id"
            ]
        )
        #expect(
            paths(valid.replacingOccurrences(of: "\"order_id\"", with: "\"submitted_at\": \"yesterday\", \"order_id\""))
                == ["submitted_at"]
        )
        #expect(
            paths(
                valid.replacingOccurrences(
                    of: "\"order_id\"",
                    with: "\"extensions\": {\"ward\": 7, \"any\": [1, {\"x\": null}]}, \"order_id\""
                )
            ) == []
        )
        #expect(
            paths(valid.replacingOccurrences(of: "\"order_id\"", with: "\"extensions\": [], \"order_id\"")) == [
                "extensions"
            ]
        )
        #expect(
            paths(
                valid.replacingOccurrences(
                    of: "\"start\": \"2026-12-01\"",
                    with: "\"start\": \"2026-12-01\", \"cycles\": 2.5, \"cycle_length_days\": 21"
                )
            ) == ["medications[0].cycles"]
        )
    }

    @Test func theOrderIDIsKeptWhenTheRestIsInvalid() {
        let verdict = judge(valid.replacingOccurrences(of: "letrozole", with: "nonsense-drug"))
        #expect(verdict.orderID == "RX-TEST-1")
    }
}
