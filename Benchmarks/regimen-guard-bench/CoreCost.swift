import CSimdjsonFloor
import Foundation
import RegimenGuardCore

/// The core's cost beside its floor, and how it grows with the size of an order.
///
/// The floor of judging an order is the work no checker can skip: parse the bytes (here with simdjson, the fastest
/// JSON parser on the machine), hash them (SHA-256, `source_sha256`) and encode the verdict. Measured in the same run
/// as the core, since this machine's speed varies by minute.
enum CoreCost {
    /// A first-line THP order (the typical example) with `items` medication and history items in all: the three
    /// proposed items, then weekly past administrations of trastuzumab, pertuzumab and paclitaxel (as a FHIR
    /// history lists them), each one day, in metastatic disease from 2024, the last stopped for progression.
    static func order(items: Int) -> [UInt8] {
        var history: [String] = []
        let drugs = ["trastuzumab", "pertuzumab", "paclitaxel"]
        let base = Calendar(identifier: .gregorian).date(from: DateComponents(year: 2024, month: 1, day: 1))!
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        for index in 0..<max(0, items - 3) {
            let day = formatter.string(from: base.addingTimeInterval(Double(index / 3 * 7) * 86_400))
            let stop = index >= items - 6 ? ", \"stop_reason\": \"progression\"" : ""
            history.append(
                #"{"drug": "\#(drugs[index % 3])", "start": "\#(day)", "end": "\#(day)", "setting": "metastatic"\#(stop)}"#
            )
        }
        let text = """
            {"order_id": "RX-BENCH-\(items)", "submitted_at": "2026-11-24T09:30:00Z",
             "patient": {"id": "MRN-0101", "menopausal_status": "postmenopausal", "her2_status": "positive",
                         "hr_status": "positive", "disease_setting": "metastatic"},
             "medications": [
               {"drug": "trastuzumab", "start": "2026-12-01", "phase": "induction"},
               {"drug": "Perjeta", "start": "2026-12-01", "phase": "induction"},
               {"drug": "docetaxel", "start": "2026-12-01", "cycles": 6, "cycle_length_days": 21, "phase": "induction"}
             ],
             "history": [\(history.joined(separator: ",\n"))],
             "observations": [{"type": "lvef", "loinc": "18043-0", "value": 62, "unit": "%", "date": "2026-11-20"}]}
            """
        return Array(text.utf8)
    }

    /// The floor's work on `bytes`: parse, hash, and encode `verdict`.
    static func floor(_ bytes: [UInt8], verdict: Verdict) -> Int {
        let members = bytes.withUnsafeBufferPointer { rg_simdjson_parse($0.baseAddress, $0.count) }
        return members + SHA256Hex.digest(bytes).utf8.count + verdict.jsonBytes().count
    }

    /// Microseconds per call of `body`, the median of `rounds` rounds of `count` calls.
    static func microseconds(rounds: Int, count: Int, _ body: () -> Int) -> Double {
        var sink = 0
        var times: [Double] = []
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<count { sink &+= body() }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000 / Double(count))
        }
        if sink == 42 { print("") }
        return times.sorted()[rounds / 2]
    }

    /// Rows: the core against the floor for the typical JSON order and for orders of 3 to 300 items, and the cost of
    /// each size relative to the smallest.
    static func rows(validator: Validator, typical: [UInt8], quick: Bool, row: (String, String, String) -> Void) {
        let rounds = quick ? 1 : 7
        let date = Date()
        func compare(_ bytes: [UInt8], count: Int) -> (core: Double, floor: Double) {
            let verdict = validator.validate(bytes: bytes, fileName: "o.json", at: date)
            let core = microseconds(rounds: rounds, count: count) {
                validator.validate(bytes: bytes, fileName: "o.json", at: date).findings.count
            }
            let floor = microseconds(rounds: rounds, count: count) { CoreCost.floor(bytes, verdict: verdict) }
            return (core, floor)
        }
        let typicalCost = compare(typical, count: quick ? 1_000 : 10_000)
        row(
            "core vs floor: typical JSON order",
            String(format: "%.1f µs (%.0f orders/s)", typicalCost.core, 1e6 / typicalCost.core),
            String(
                format: "floor (simdjson + SHA-256 + verdict encoding) %.1f µs: %.1fx the floor",
                typicalCost.floor,
                typicalCost.core / typicalCost.floor
            )
        )
        var smallest: Double?
        for items in [3, 10, 30, 100, 300] {
            let bytes = order(items: items)
            let cost = compare(bytes, count: max(20, (quick ? 200 : 2_000) / items))
            let base = smallest ?? cost.core
            smallest = base
            row(
                "core by order size: \(items) items (\(bytes.count / 1024 + 1) KiB)",
                String(format: "%.1f µs, %.1fx the 3-item order", cost.core, cost.core / base),
                String(format: "floor %.1f µs: %.1fx the floor", cost.floor, cost.core / cost.floor)
            )
        }
    }

    /// `--callgrind ITEMS ITERATIONS`: judges the ITEMS-item order ITERATIONS times and exits, for `Scripts/callgrind`,
    /// which runs it under valgrind with 0 and N iterations and prints the instructions per order.
    static func callgrindMode(validator: Validator) -> Bool {
        let arguments = CommandLine.arguments
        guard let at = arguments.firstIndex(of: "--callgrind"), at + 2 < arguments.count,
            let items = Int(arguments[at + 1]), let iterations = Int(arguments[at + 2])
        else { return false }
        let bytes = order(items: items)
        let date = Date()
        var sink = 0
        let floorMode = arguments.contains("--floor")
        let verdict = validator.validate(bytes: bytes, fileName: "o.json", at: date)
        for _ in 0..<iterations {
            sink &+=
                floorMode
                ? floor(bytes, verdict: verdict)
                : validator.validate(bytes: bytes, fileName: "o.json", at: date).findings.count
        }
        print("judged \(iterations) orders of \(items) items (\(sink))")
        return true
    }
}
