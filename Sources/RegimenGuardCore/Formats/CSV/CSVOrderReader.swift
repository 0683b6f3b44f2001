import Synchronization

/// Reads a CSV order (ORDERS.md section 3) into the same JSON tree a JSON order gives, so both formats go through
/// one decoder and the same content gets the same verdict. Every value keeps its line and column.
enum CSVOrderReader {
    /// Columns that describe the order and the patient: repeated on every row, and equal across rows.
    static let orderColumns: [(column: String, path: [String])] = [
        ("order_id", ["order_id"]),
        ("submitted_at", ["submitted_at"]),
        ("patient_id", ["patient", "id"]),
        ("her2_status", ["patient", "her2_status"]),
        ("hr_status", ["patient", "hr_status"]),
        ("disease_setting", ["patient", "disease_setting"]),
        ("menopausal_status", ["patient", "menopausal_status"]),
        ("line_of_therapy", ["line_of_therapy"]),
    ]
    /// Per-record columns, by record kind, with the JSON field each fills. `code_system`/`code` and the
    /// `override` record are this project's additions so that everything a JSON order says can be said in CSV.
    static let medicationColumns: [(String, String)] = [
        ("drug", "drug"), ("start", "start"), ("end", "end"), ("cycles", "cycles"),
        ("cycle_length_days", "cycle_length_days"), ("phase", "phase"), ("stop_reason", "stop_reason"),
    ]
    static let observationColumns: [(String, String)] = [
        ("observation", "type"), ("loinc", "loinc"), ("value", "value"), ("unit", "unit"), ("date", "date"),
    ]
    static let overrideColumns: [(String, String)] = [("rule", "rule"), ("reason", "reason"), ("by", "by")]
    static let codeColumns = ["code_system", "code"]
    static let numericColumns: Set<String> = ["line_of_therapy", "cycles", "cycle_length_days", "value"]

    static let knownColumns: Set<String> = Set(
        orderColumns.map(\.column) + ["record"] + medicationColumns.map(\.0) + observationColumns.map(\.0)
            + overrideColumns.map(\.0) + codeColumns)
    static let perRecordColumns: [String] =
        (medicationColumns.map(\.0) + observationColumns.map(\.0) + overrideColumns.map(\.0) + codeColumns).sorted()
    static let medicationNames: Set<String> = Set(medicationColumns.map(\.0) + codeColumns)
    static let observationNames: Set<String> = Set(observationColumns.map(\.0))
    static let overrideNames: Set<String> = Set(overrideColumns.map(\.0))

    /// The CSV column that feeds a JSON path, for messages about a missing value.
    static func columnName(forPath path: String) -> String {
        let field = path.split(separator: ".").last.map { String($0) } ?? path
        let bare = field.split(separator: "[").first.map(String.init) ?? field
        if path == "patient.id" { return "patient_id" }
        if bare == "type" { return "observation" }
        return bare
    }

    static func read(_ bytes: [UInt8]) -> Result<(tree: JSONNode, header: [String]), OrderErrors> {
        let records: [CSVReader.Record]
        do {
            records = try CSVReader.parse(bytes)
        } catch {
            return .failure(OrderErrors([OrderError(path: "line \(error.line), column \(error.column)", message: error.message)]))
        }
        guard let header = records.first else {
            return .failure(OrderErrors([OrderError(path: "line 1", message: "the CSV file has no header row")]))
        }
        let rows = records.dropFirst()
        var errors: [OrderError] = []
        var found: Layout?
        switch Layout.of(header) {
        case .success(let layout): found = layout
        case .failure(let failure): errors = failure.errors
        }
        if rows.isEmpty {
            errors.append(OrderError(path: "line \(header.line + 1)", message: "the CSV order has a header but no records"))
        }
        guard let layout = found, errors.isEmpty else { return .failure(OrderErrors(errors)) }

        func cell(_ row: CSVReader.Record, _ index: Int?) -> CSVReader.Field? {
            guard let index, index < row.fields.count else { return nil }
            let field = row.fields[index]
            return field.text.trimmingSpaces.isEmpty ? nil : field
        }
        func node(_ field: CSVReader.Field, _ column: String) -> JSONNode {
            let location = CSVOrderFormat.cell(line: field.line, column: field.column)
            let text = field.text.trimmingSpaces
            if numericColumns.contains(column), isJSONNumber(text) { return JSONNode(.number(text), at: location) }
            return JSONNode(.string(field.text), at: location)
        }
        var firstRowValues: [(text: String, line: Int)?] = Array(repeating: nil, count: layout.orderCells.count)
        var medications: [JSONNode] = [], history: [JSONNode] = [], observations: [JSONNode] = [], overrides: [JSONNode] = []
        var topMembers: [JSONNode.Member] = []
        var patientMembers: [JSONNode.Member] = []
        let firstLine = rows.first!.line

        for row in rows {
            if row.fields.count != header.fields.count {
                errors.append(OrderError(path: "line \(row.line)", message: "the row has \(row.fields.count) fields but the header has \(header.fields.count)"))
                continue
            }
            for (position, column) in layout.orderCells.enumerated() {
                let value = cell(row, column.index)
                let text = value?.text.trimmingSpaces ?? ""
                if let first = firstRowValues[position] {
                    if first.text != text {
                        let what = column.name == "order_id" ? "a CSV file holds one order, but this row has another order_id than" : "\(column.name) differs from"
                        // The values are not echoed: patient_id is protected health information.
                        errors.append(OrderError(path: "line \(row.line), column \((column.index ?? 0) + 1)", message: "\(what) line \(first.line)"))
                    }
                    continue
                }
                firstRowValues[position] = (text, row.line)
                guard let value else { continue }
                let member = JSONNode.Member(key: column.path.last!, value: node(value, column.name))
                if column.path.count == 2 { patientMembers.append(member) } else { topMembers.append(member) }
            }
            guard let recordField = cell(row, layout.recordIndex) else {
                errors.append(OrderError(path: "line \(row.line), column \(layout.recordIndex + 1)", message: "record: is required (medication, history, observation or override)"))
                continue
            }
            let kind = recordField.text.trimmingSpaces.lowercased()
            let cells: [Layout.Column]
            let strayCells: [(String, Int)]
            switch kind {
            case "medication", "history": (cells, strayCells) = (layout.medicationCells, layout.medicationStrays)
            case "observation": (cells, strayCells) = (layout.observationCells, layout.observationStrays)
            case "override": (cells, strayCells) = (layout.overrideCells, layout.overrideStrays)
            default:
                errors.append(OrderError(path: "line \(recordField.line), column \(recordField.column)", message: "record: unknown value '\(recordField.text)'; expected medication, history, observation or override"))
                continue
            }
            var members: [JSONNode.Member] = []
            for column in cells {
                if let value = cell(row, column.index) { members.append(JSONNode.Member(key: column.field, value: node(value, column.name))) }
            }
            if cells.first?.name == "drug" {
                let system = cell(row, layout.codeSystemIndex), code = cell(row, layout.codeIndex)
                if system != nil || code != nil {
                    var codeMembers: [JSONNode.Member] = []
                    if let system { codeMembers.append(JSONNode.Member(key: "system", value: node(system, "code_system"))) }
                    if let code { codeMembers.append(JSONNode.Member(key: "code", value: node(code, "code"))) }
                    members.append(JSONNode.Member(key: "code", value: JSONNode(.object(codeMembers), at: CSVOrderFormat.row(line: row.line))))
                }
            }
            for (column, index) in strayCells {
                if let stray = cell(row, index) {
                    errors.append(OrderError(path: "line \(stray.line), column \(stray.column)", message: "\(column): must be empty on a \(kind) row"))
                }
            }
            let item = JSONNode(.object(members), at: CSVOrderFormat.row(line: row.line))
            switch kind {
            case "medication": medications.append(item)
            case "history": history.append(item)
            case "observation": observations.append(item)
            default: overrides.append(item)
            }
        }
        guard errors.isEmpty else { return .failure(OrderErrors(errors)) }

        topMembers.append(JSONNode.Member(key: "patient", value: JSONNode(.object(patientMembers), at: CSVOrderFormat.row(line: firstLine))))
        topMembers.append(JSONNode.Member(key: "medications", value: JSONNode(.array(medications), at: CSVOrderFormat.row(line: firstLine))))
        if !history.isEmpty { topMembers.append(JSONNode.Member(key: "history", value: JSONNode(.array(history)))) }
        if !observations.isEmpty { topMembers.append(JSONNode.Member(key: "observations", value: JSONNode(.array(observations)))) }
        if !overrides.isEmpty { topMembers.append(JSONNode.Member(key: "overrides", value: JSONNode(.array(overrides)))) }
        return .success((JSONNode(.object(topMembers), at: CSVOrderFormat.row(line: firstLine)), layout.names))
    }

    /// Where each column of a header is, resolved once: the row loop does no hashing. Pharmacy systems send the
    /// same header with every order, so the last good layout is kept and reused when the header is the same.
    struct Layout: Sendable {
        typealias Column = (name: String, field: String, index: Int?)
        var names: [String]
        var orderCells: [(name: String, path: [String], index: Int?)]
        var recordIndex: Int
        var medicationCells: [Column], observationCells: [Column], overrideCells: [Column]
        var codeSystemIndex: Int?, codeIndex: Int?
        var medicationStrays: [(String, Int)], observationStrays: [(String, Int)], overrideStrays: [(String, Int)]

        private static let last = Mutex<Layout?>(nil)

        static func of(_ header: CSVReader.Record) -> Result<Layout, OrderErrors> {
            let names = header.fields.map(\.text)
            if let cached = last.withLock({ $0 }), cached.names == names { return .success(cached) }
            var errors: [OrderError] = []
            var columnIndex: [String: Int] = [:]
            for field in header.fields {
                let name = field.text.trimmingSpaces
                let at = "line \(field.line), column \(field.column)"
                if name.isEmpty {
                    errors.append(OrderError(path: at, message: "empty column name in the header"))
                } else if !knownColumns.contains(name) {
                    errors.append(OrderError(path: at, message: "unknown column '\(name)'; known columns are \(knownColumns.sorted().joined(separator: ", "))"))
                } else if columnIndex[name] != nil {
                    errors.append(OrderError(path: at, message: "column '\(name)' appears twice in the header"))
                } else {
                    columnIndex[name] = field.column - 1
                }
            }
            for required in ["order_id", "record"] where columnIndex[required] == nil {
                errors.append(OrderError(path: "line \(header.line)", message: "the header has no '\(required)' column"))
            }
            guard errors.isEmpty, let recordIndex = columnIndex["record"] else { return .failure(OrderErrors(errors)) }
            func columns(_ list: [(String, String)]) -> [Column] { list.map { ($0.0, $0.1, columnIndex[$0.0]) } }
            func strays(_ allowed: Set<String>) -> [(String, Int)] {
                perRecordColumns.compactMap { name in allowed.contains(name) ? nil : columnIndex[name].map { (name, $0) } }
            }
            let layout = Layout(
                names: names,
                orderCells: orderColumns.map { (name: $0.column, path: $0.path, index: columnIndex[$0.column]) },
                recordIndex: recordIndex,
                medicationCells: columns(medicationColumns), observationCells: columns(observationColumns),
                overrideCells: columns(overrideColumns),
                codeSystemIndex: columnIndex["code_system"], codeIndex: columnIndex["code"],
                medicationStrays: strays(medicationNames), observationStrays: strays(observationNames),
                overrideStrays: strays(overrideNames))
            last.withLock { $0 = layout }
            return .success(layout)
        }
    }

    /// True when `text` is a JSON number literal.
    static func isJSONNumber(_ text: String) -> Bool {
        var bytes = text.utf8.makeIterator()
        var byte = bytes.next()
        func digits() -> Int {
            var count = 0
            while let b = byte, b >= 0x30, b <= 0x39 {
                count += 1
                byte = bytes.next()
            }
            return count
        }
        if byte == UInt8(ascii: "-") { byte = bytes.next() }
        if byte == UInt8(ascii: "0") {
            byte = bytes.next()
        } else if digits() == 0 {
            return false
        }
        if byte == UInt8(ascii: ".") {
            byte = bytes.next()
            if digits() == 0 { return false }
        }
        if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            byte = bytes.next()
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { byte = bytes.next() }
            if digits() == 0 { return false }
        }
        return byte == nil
    }
}
