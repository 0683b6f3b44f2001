import Foundation
import RegimenGuardCore
import Testing

/// CSV orders: RFC 4180, header required, line/column errors, and the same verdict as the same JSON order.
@Suite struct CSVOrderTests {
    static let header =
        "order_id,patient_id,her2_status,hr_status,disease_setting,menopausal_status,line_of_therapy,record,drug,start,end,cycles,cycle_length_days,phase,stop_reason,observation,value,unit,date"
    static let rows = [
        "RX-7,MRN-9,positive,positive,metastatic,postmenopausal,1,medication,trastuzumab,2026-12-01,,,,induction,,,,,",
        "RX-7,MRN-9,positive,positive,metastatic,postmenopausal,1,medication,epirubicin,2026-12-01,,6,21,induction,,,,,",
        "RX-7,MRN-9,positive,positive,metastatic,postmenopausal,1,observation,,,,,,,,lvef,61,%,2026-11-18",
    ]
    static var csv: String { ([header] + rows).joined(separator: "\r\n") + "\r\n" }

    func csvErrors(_ text: String) -> [OrderError] {
        let verdict = judge(text, as: "RX-7.csv")
        #expect(verdict.decision == .invalid)
        return verdict.errors
    }

    @Test func theContractExampleIsRead() {
        let verdict = judge(CSVOrderTests.csv, as: "RX-7.csv")
        #expect(verdict.orderID == "RX-7")
        #expect(verdict.v1Rules == [Rule.anthracycline])
        #expect(verdict.findings.first?.evidence.map(\.path) == ["medications[0]", "medications[1]"])
        // The epirubicin has no dose: the cumulative rule says (info) its lifetime dose cannot be computed.
        #expect(verdict.rules.contains(Rule.cumulative))
    }

    @Test func theSameOrderAsJSONGetsTheSameVerdict() {
        let json = """
            {"order_id": "RX-7", "patient": {"id": "MRN-9", "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic", "menopausal_status": "postmenopausal"},
             "line_of_therapy": 1,
             "medications": [{"drug": "trastuzumab", "start": "2026-12-01", "phase": "induction"}, {"drug": "epirubicin", "start": "2026-12-01", "cycles": 6, "cycle_length_days": 21, "phase": "induction"}],
             "observations": [{"type": "lvef", "value": 61, "unit": "%", "date": "2026-11-18"}]}
            """
        let fromJSON = judge(json, as: "RX-7.json"), fromCSV = judge(CSVOrderTests.csv, as: "RX-7.csv")
        #expect(fromJSON.decision == fromCSV.decision)
        #expect(fromJSON.findings == fromCSV.findings)
    }

    @Test func columnOrderIsFreeAndQuotedFieldsWork() {
        let text =
            "record,drug,start,order_id,patient_id,her2_status,hr_status,disease_setting,phase\n"
            + "medication,letrozole,2026-12-01,RX-8,MRN-1,negative,positive,metastatic,\"maintenance, \"\"oral\"\"\"\n"
        #expect(judge(text, as: "RX-8.csv").decision == .accept)
    }

    @Test func twoOrderIDsInOneFileAreInvalid() {
        let second = CSVOrderTests.rows[2].replacingOccurrences(of: "RX-7", with: "RX-8")
        let errors = csvErrors(
            ([CSVOrderTests.header] + CSVOrderTests.rows.prefix(2) + [second]).joined(separator: "\n")
        )
        #expect(errors.map(\.path) == ["line 4, column 1"])
        #expect(errors.first?.message.contains("holds one order") == true)
    }

    @Test func rowsMustAgreeOnThePatientWithoutEchoingTheIdentifier() {
        let other = CSVOrderTests.rows[1].replacingOccurrences(of: "MRN-9", with: "MRN-SECRET-77")
        let verdict = judge(
            ([CSVOrderTests.header, CSVOrderTests.rows[0], other]).joined(separator: "\n"),
            as: "RX-7.csv"
        )
        #expect(verdict.errors.map(\.path) == ["line 3, column 2"])
        #expect(!String(decoding: verdict.jsonBytes(), as: UTF8.self).contains("MRN-SECRET-77"))
    }

    @Test func unknownColumnsAndStrayCellsAreErrors() {
        #expect(
            csvErrors(CSVOrderTests.csv.replacingOccurrences(of: ",date\r\n", with: ",dates\r\n")).first?.path
                == "line 1, column 19"
        )
        let stray = CSVOrderTests.rows[2].replacingOccurrences(of: "observation,,,", with: "observation,docetaxel,,")
        let errors = csvErrors(([CSVOrderTests.header, stray]).joined(separator: "\n"))
        #expect(
            errors.contains {
                $0.path == "line 2, column 9" && $0.message == "drug: must be empty on an observation row"
            }
        )
    }

    /// The column layout of the last header is reused when the next order has the same header; orders whose
    /// headers differ, interleaved and judged at once, are each read by their own columns.
    @Test func ordersWithDifferentHeadersAreEachReadByTheirOwnColumns() async {
        func reversed(_ line: String) -> String {
            line.split(separator: ",", omittingEmptySubsequences: false).reversed().joined(separator: ",")
        }
        let standard = CSVOrderTests.csv
        let backwards = ([CSVOrderTests.header] + CSVOrderTests.rows).map(reversed).joined(separator: "\n")
        let expected = judge(standard, as: "RX-7.csv")
        #expect(expected.v1Rules == [Rule.anthracycline])
        let verdicts = await withTaskGroup(of: Verdict.self) { group in
            for index in 0..<200 {
                group.addTask { judge(index % 3 == 0 ? backwards : standard, as: "RX-7.csv") }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(verdicts.count == 200)
        for verdict in verdicts {
            #expect(verdict.decision == expected.decision)
            #expect(verdict.findings.map(\.rule) == expected.findings.map(\.rule))
            #expect(verdict.orderID == "RX-7")
        }
        // The evidence points at the cells of each file's own layout.
        #expect(
            judge(backwards, as: "RX-7.csv").findings(Rule.anthracycline).first?.evidence.map(\.path) == [
                "medications[0]", "medications[1]",
            ]
        )
    }

    @Test func everyHeaderProblemIsReportedTogether() {
        let errors = csvErrors("order_id,record,drug,drug,dosage,\n")
        #expect(errors.map(\.path) == ["line 1, column 4", "line 1, column 5", "line 1, column 6", "line 2"])
        #expect(errors.map(\.message).last?.contains("no records") == true)
    }

    @Test func malformedQuotingIsRejectedWithItsPosition() {
        #expect(csvErrors(CSVOrderTests.header + "\nRX-7,MRN\"9,positive").first?.path == "line 2, column 2")
        #expect(csvErrors(CSVOrderTests.header + "\nRX-7,\"MRN-9\"x,positive").first?.path == "line 2, column 2")
        #expect(
            csvErrors(CSVOrderTests.header + "\nRX-7,\"MRN-9,positive").first?.message
                == "a quoted field is never closed"
        )
    }

    @Test func valueErrorsPointAtTheirCell() {
        let bad = CSVOrderTests.rows[1].replacingOccurrences(
            of: "epirubicin,2026-12-01,,6,21",
            with: "epirubicine,2026-12-01,,six,21"
        )
        let errors = csvErrors(([CSVOrderTests.header, CSVOrderTests.rows[0], bad]).joined(separator: "\n"))
        #expect(Set(errors.map(\.path)) == ["line 3, column 9", "line 3, column 12"])
        #expect(errors.contains { $0.message.hasPrefix("drug: unknown drug 'epirubicine'; did you mean 'epirubicin'") })
        #expect(
            csvErrors(CSVOrderTests.header + "\nRX-7,MRN-9,positive,positive,metastatic").first?.message.contains(
                "has 5 fields but the header has 19"
            ) == true
        )
        #expect(csvErrors(CSVOrderTests.header + "\n").first?.message.contains("no records") == true)
    }
}
