import Foundation
import RegimenGuardCore
import Testing

/// What one hostile order may cost is bounded (issue 10 item 7): linear key checks, capped errors, a maximum of items
/// and of CSV columns and rows, and a deterministic work budget.
@Suite struct CostBoundTests {
    static let patient =
        "\"patient\": {\"id\": \"M\", \"her2_status\": \"negative\", \"hr_status\": \"positive\", \"disease_setting\": \"metastatic\"}"

    /// Judges `text`, returning the verdict and its encoded size. Times are measured in the benchmark, not here;
    /// the bounds these tests check (errors, items, verdict size) are the ones that keep an order's cost bounded.
    func measure(_ text: String, as name: String = "o.json") -> (verdict: Verdict, bytes: Int) {
        let verdict = judge(text, as: name)
        return (verdict, verdict.jsonBytes().count)
    }

    func expectCapped(_ verdict: Verdict, more: Int? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(verdict.decision == .invalid, sourceLocation: sourceLocation)
        #expect(verdict.errors.count == OrderLimits.maximumErrors + 1, sourceLocation: sourceLocation)
        let last = verdict.errors.last?.message ?? ""
        #expect(last.hasPrefix("and ") && last.contains("more error"), "\(last)", sourceLocation: sourceLocation)
        if let more { #expect(last.hasPrefix("and \(more) more errors"), "\(last)", sourceLocation: sourceLocation) }
    }

    @Test func manyDistinctUnknownKeysAreLinearAndTheVerdictIsSmall() {
        let keys = (0..<60_000).map { "\"k\($0)\": 0" }.joined(separator: ",")
        let (verdict, bytes) = measure(
            "{\"order_id\": \"RX-B\", \(Self.patient), \"medications\": [{\"drug\": \"letrozole\", \"start\": \"2026-12-01\"}], \(keys)}"
        )
        expectCapped(verdict, more: 60_000 - OrderLimits.maximumErrors)
        #expect(bytes < 16_000, "\(bytes) bytes")
        // The valid names are listed once, then unknown fields are said briefly.
        #expect(verdict.errors.filter { $0.message.contains("order fields are") }.count == 1)
        #expect(verdict.errors.first?.path == "k0")
    }

    @Test func manyDuplicateKeysAreLinear() {
        let duplicates = Array(repeating: "\"order_id\": \"RX-B\"", count: 60_000).joined(separator: ",")
        let (verdict, bytes) = measure(
            "{\(duplicates), \(Self.patient), \"medications\": [{\"drug\": \"letrozole\", \"start\": \"2026-12-01\"}]}"
        )
        expectCapped(verdict, more: 60_000 - 1 - OrderLimits.maximumErrors)
        #expect(verdict.errors.first?.message.contains("appears twice") == true)
        #expect(verdict.orderID == "RX-B")
        #expect(bytes < 16_000)
    }

    @Test func errorsAreCappedAcrossItems() {
        let items = Array(
            repeating: "{\"drug\": \"trastuzumabx\", \"start\": \"2026-12-01\", \"dose_mg\": 1}",
            count: 1_000
        ).joined(separator: ",")
        let (verdict, bytes) = measure("{\"order_id\": \"RX-B\", \(Self.patient), \"medications\": [\(items)]}")
        expectCapped(verdict, more: 2_000 - OrderLimits.maximumErrors)
        #expect(verdict.errors.filter { $0.message.contains("medication item fields are") }.count == 1)
        #expect(bytes < 24_000)
    }

    @Test func anOrderOverTheItemLimitIsInvalidSayingSo() {
        let observation = "{\"type\": \"lvef\", \"value\": 60, \"date\": \"2026-11-01\"}"
        func text(_ observations: Int) -> String {
            "{\"order_id\": \"RX-B\", \(Self.patient), \"medications\": [{\"drug\": \"letrozole\", \"start\": \"2026-12-01\"}], \"observations\": [\(Array(repeating: observation, count: observations).joined(separator: ","))]}"
        }
        let at = judge(text(OrderLimits.maximumItems - 1))
        #expect(at.decision == .accept, "\(at.errors)")
        let over = judge(text(OrderLimits.maximumItems))
        #expect(over.decision == .invalid)
        #expect(over.errors.count == 1)
        #expect(over.errors.first?.message.contains("at most \(OrderLimits.maximumItems)") == true)
        #expect(over.orderID == "RX-B")
    }

    @Test func csvColumnsAndRowsAreBounded() {
        let wide = (0...OrderLimits.maximumCSVColumns).map { "c\($0)" }.joined(separator: ",") + "\nx\n"
        let columns = judge(wide, as: "o.csv")
        #expect(columns.decision == .invalid)
        #expect(
            columns.errors.map(\.message) == [
                "a row has more than \(OrderLimits.maximumCSVColumns) fields; an order has at most \(OrderLimits.maximumCSVColumns) columns"
            ]
        )
        #expect(columns.errors.first?.path == "line 1, column \(OrderLimits.maximumCSVColumns + 1)")

        let header =
            "order_id,patient_id,her2_status,hr_status,disease_setting,record,drug,start,observation,value,date\n"
        let medication = "RX-B,M,negative,positive,metastatic,medication,letrozole,2026-12-01,,,\n"
        let row = "RX-B,M,negative,positive,metastatic,observation,,,lvef,60,2026-11-01\n"
        let atLimit = judge(
            header + medication + String(repeating: row, count: OrderLimits.maximumCSVRows - 1),
            as: "o.csv"
        )
        #expect(atLimit.decision == .accept, "\(atLimit.errors.prefix(3))")
        let over = judge(header + medication + String(repeating: row, count: OrderLimits.maximumCSVRows), as: "o.csv")
        #expect(over.decision == .invalid)
        #expect(over.errors.map(\.path) == ["line \(OrderLimits.maximumCSVRows + 2), column 1"])
        #expect(over.errors.first?.message.contains("at most \(OrderLimits.maximumCSVRows) items") == true)
    }

    @Test func csvErrorsAreCappedAndUnknownColumnsListTheNamesOnce() {
        let header =
            "order_id,patient_id,her2_status,hr_status,disease_setting,record,drug,start,"
            + (0..<56).map { "x\($0)" }.joined(separator: ",")
        let verdict = judge(header + "\nRX-B\n", as: "o.csv")
        expectCapped(verdict, more: 6)
        #expect(verdict.errors.filter { $0.message.contains("known columns are") }.count == 1)
        let rows = String(
            repeating: "RX-B,M,negative,positive,metastatic,medication,letrozolx,2026-12-01\n",
            count: 200
        )
        let drugs = judge(
            "order_id,patient_id,her2_status,hr_status,disease_setting,record,drug,start\n" + rows,
            as: "o.csv"
        )
        expectCapped(drugs, more: 150)
    }

    @Test func aLongUnknownDrugNameIsCheapAndNotEchoedWhole() {
        let name = String(repeating: "a", count: 1 << 20)
        let (verdict, bytes) = measure(
            "{\"order_id\": \"RX-B\", \(Self.patient), \"medications\": [{\"drug\": \"\(name)\", \"start\": \"2026-12-01\"}]}"
        )
        #expect(verdict.errors.map(\.path) == ["medications[0].drug"])
        #expect(bytes < 4_000)
    }
}

/// The deterministic work budget's contract, which the rules rely on.
@Suite struct WorkBudgetTests {
    @Test func chargesUntilTheLimitThenRefuses() {
        var budget = WorkBudget(units: 10)
        let charged1 = budget.charge(4)
        #expect(charged1)
        let charged2 = budget.charge(6)
        #expect(charged2)
        #expect(budget.remaining == 0 && !budget.isExhausted)
        let charged3 = budget.charge(1)
        #expect(!charged3)
        #expect(budget.isExhausted)
        let charged4 = budget.charge(0)
        #expect(!charged4)  // stays exhausted
        #expect(budget.spent == 11)
    }

    @Test func negativeChargesAndOverflowCannotRefillIt() {
        var budget = WorkBudget(units: 5)
        let charged5 = budget.charge(-100)
        #expect(charged5)
        #expect(budget.spent == 0)
        let charged6 = budget.charge(Int.max)
        #expect(!charged6)
        let charged7 = budget.charge(Int.max)
        #expect(!charged7)
        #expect(budget.spent == Int.max && budget.isExhausted)
    }

    @Test func theStandardBudgetAndItsMessage() {
        let budget = WorkBudget()
        #expect(budget.limit == WorkBudget.standardUnits)
        #expect(budget.remaining == WorkBudget.standardUnits)
        #expect(budget.exhaustedMessage.contains("\(WorkBudget.standardUnits) units of work"))
    }
}
