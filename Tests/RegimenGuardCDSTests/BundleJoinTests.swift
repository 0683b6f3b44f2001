import Foundation
import Testing

@testable import RegimenGuardCDS

struct BundleJoinTests {
    static let drafts = """
        {"resourceType":"Bundle","entry":[
          {"resource":{"resourceType":"ServiceRequest","id":"sr1"}},
          {"fullUrl":"urn:uuid:1","resource":{"resourceType":"MedicationRequest","id":"d1","status":"active","extension":[{"url":"urn:x","valueString":"kept"}]}},
          {"resource":{"resourceType":"MedicationRequest","id":"d2","status":"draft","dose":1.50}}]}
        """

    func join(_ prefetch: String?) throws -> BundleJoin.Outcome {
        let body = "{\"d\":\(Self.drafts),\"p\":\(prefetch ?? "null")}"
        let root = try Fixtures.parse(body)
        return BundleJoin.join(
            body: Array(body.utf8),
            orderID: "hook-1",
            draftOrders: root["d"]!,
            prefetch: prefetch == nil ? nil : root["p"]
        )
    }

    static let complete = """
        {"patient":{"resourceType":"Patient","id":"p"},"observations":null,
         "conditions":{"resourceType":"Bundle","type":"searchset","entry":[{"fullUrl":"https://e/Condition/c","resource":{"resourceType":"Condition","id":"c"}}]},
         "medicationHistory":{"resourceType":"Bundle","type":"searchset","entry":[
           {"resource":{"resourceType":"MedicationRequest","id":"d1","status":"active"}},
           {"resource":{"resourceType":"MedicationRequest","id":"h1","status":"completed"}},
           {"resource":{"resourceType":"Medication","id":"m1"}}]},
         "adverseEvents":{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Medication","id":"m1"}}]}}
        """

    @Test func draftsComeFirstMarkedAsProposedThenThePrefetch() throws {
        guard case .joined(let bytes, let entries) = try join(Self.complete) else {
            Issue.record("a complete request was refused")
            return
        }
        #expect(
            entries.map { $0.reference ?? "" } == [
                "MedicationRequest/d1", "MedicationRequest/d2", "ServiceRequest/sr1", "Patient/p",
                "Condition/c", "MedicationRequest/h1", "Medication/m1",
            ]
        )
        #expect(entries.map(\.draftIndex) == [1, 2, nil, nil, nil, nil, nil])
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(bundle["resourceType"] as? String == "Bundle")
        #expect((bundle["identifier"] as? [String: Any])?["value"] as? String == "hook-1")
        let resources = try #require(bundle["entry"] as? [[String: Any]]).map { $0["resource"] as! [String: Any] }
        let text = String(decoding: bytes, as: UTF8.self)
        let marker = #"{"url":"urn:regimen-guard:proposed","valueBoolean":true}"#
        #expect(
            text.contains(#""id":"d1","status":"active","extension":[{"url":"urn:x","valueString":"kept"},\#(marker)]"#)
        )
        #expect(text.contains(#""id":"d2","status":"draft","dose":1.50,"extension":[\#(marker)]"#))
        #expect((resources[0]["extension"] as? [Any])?.count == 2)
        #expect(resources[2]["extension"] == nil)  // not a MedicationRequest: not proposed
        #expect(resources.dropFirst(3).allSatisfy { $0["extension"] == nil })
        // Byte for byte: the number keeps its spelling.
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""dose":1.50"#))
        #expect(try #require(bundle["entry"] as? [[String: Any]])[4]["fullUrl"] as? String == "https://e/Condition/c")
    }

    @Test func neededKeysAbsentOrIncompleteAre412() throws {
        func missing(_ prefetch: String?) throws -> [String] {
            let node = try prefetch.map { try Fixtures.parse($0) }
            return BundleJoin.incompleteKeys(prefetch: node).map(\.key)
        }
        #expect(try missing(nil) == ["patient", "observations", "conditions", "medicationHistory"])
        #expect(try missing(Self.complete).isEmpty)
        #expect(
            try missing(#"{"patient":null,"observations":null,"conditions":null,"medicationHistory":null}"#).isEmpty
        )
        #expect(try missing(#"{"patient":null,"observations":null,"conditions":null}"#) == ["medicationHistory"])
        let next = #"{"resourceType":"Bundle","link":[{"relation":"self","url":"a"},{"relation":"next","url":"b"}]}"#
        #expect(
            try missing(#"{"patient":null,"observations":\#(next),"conditions":null,"medicationHistory":null}"#) == [
                "observations"
            ]
        )
        let outcome = #"{"resourceType":"OperationOutcome","issue":[]}"#
        #expect(
            try missing(#"{"patient":\#(outcome),"observations":null,"conditions":null,"medicationHistory":null}"#) == [
                "patient"
            ]
        )
        // An optional key that is incomplete is a missing page too.
        #expect(
            try missing(
                #"{"patient":null,"observations":null,"conditions":null,"medicationHistory":null,"adverseEvents":\#(next)}"#
            ) == ["adverseEvents"]
        )
        #expect(
            try missing(
                #"{"patient":null,"observations":null,"conditions":null,"medicationHistory":null,"administrations":[1]}"#
            ) == ["administrations"]
        )
        guard case .incomplete(let keys) = try join(nil) else {
            Issue.record("no prefetch was joined")
            return
        }
        #expect(keys.count == 4)
    }

    @Test func theParserIsStrict() {
        for bad in [
            "{\"a\":1,\"a\":2}", "{\"a\":01}", "[1,]", "{\"a\":\"\u{01}\"}", "\"\\ud800\"", "1 2", "{", "nul", "-",
            "1.", "1e",
        ] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try Fixtures.parse(bad) }
        }
        #expect(throws: JSONSyntaxError.self) { try RegimenGuardCDS.JSONParser.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONSyntaxError.self) {
            try Fixtures.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100))
        }
        #expect(
            (try? Fixtures.parse(#"{"a":"\u00e9\ud83d\ude00\n","b":[-0.5e+3,true,false,null]}"#))?["a"]?.string
                == "é😀\n"
        )
    }
}
