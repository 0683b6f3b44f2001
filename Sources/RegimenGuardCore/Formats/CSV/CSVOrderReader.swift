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
        ("metastatic_since", ["patient", "metastatic_since"]),
        ("line_of_therapy", ["line_of_therapy"]),
    ]

    /// What a record kind's columns fill: plain fields (column, JSON field), and objects made of several columns
    /// (`code` from `code_system` and `code`; `dose` from `dose` and `dose_unit`).
    struct RecordShape: Sendable {
        var kinds: [String]
        var plain: [(column: String, field: String)]
        var objects: [(field: String, parts: [(column: String, field: String)])] = []

        var columnNames: [String] { plain.map(\.column) + objects.flatMap { $0.parts.map(\.column) } }
    }

    /// Per-record columns by record kind. `cumulative_dose` and `setting` are read on medication rows too, so that the
    /// decoder's "history items only" error points at the cell (as the JSON order's error names the field).
    static let shapes: [RecordShape] = [
        RecordShape(
            kinds: ["medication", "history"],
            plain: [
                ("drug", "drug"), ("start", "start"), ("end", "end"), ("cycles", "cycles"),
                ("cycle_length_days", "cycle_length_days"), ("doses_per_cycle", "doses_per_cycle"),
                ("setting", "setting"), ("phase", "phase"), ("stop_reason", "stop_reason"),
            ],
            objects: [
                ("code", [("code_system", "system"), ("code", "code")]),
                ("dose", [("dose", "value"), ("dose_unit", "unit")]),
                ("loading_dose", [("loading_dose", "value"), ("loading_dose_unit", "unit")]),
                ("cumulative_dose", [("cumulative_dose", "value"), ("cumulative_dose_unit", "unit")]),
            ]
        ),
        RecordShape(
            kinds: ["observation"],
            plain: [
                ("observation", "type"), ("loinc", "loinc"), ("value", "value"), ("unit", "unit"), ("date", "date"),
            ]
        ),
        RecordShape(
            kinds: ["adverse_event"],
            plain: [("event", "event"), ("grade", "grade"), ("date", "date"), ("drug", "drug")]
        ),
        RecordShape(kinds: ["override"], plain: [("rule", "rule"), ("reason", "reason"), ("by", "by")]),
    ]
    static let recordKinds = ["medication", "history", "observation", "adverse_event", "override"]
    static let recordKindList = "medication, history, observation, adverse_event or override"
    static let numericColumns: Set<String> = [
        "line_of_therapy", "cycles", "cycle_length_days", "doses_per_cycle", "value", "dose", "loading_dose",
        "cumulative_dose", "grade",
    ]

    static let perRecordColumns: [String] = Array(Set(shapes.flatMap(\.columnNames))).sorted()
    static let knownColumns: Set<String> = Set(orderColumns.map(\.column) + ["record"] + perRecordColumns)

    /// The CSV column that feeds a JSON path, for messages about a missing value (`medications[0].dose.unit` is
    /// `dose_unit`, `observations[0].type` is `observation`).
    static func columnName(forPath path: String) -> String {
        if path == "patient.id" { return "patient_id" }
        let parts = path.split(separator: ".").map { String($0.split(separator: "[").first ?? $0) }
        guard let last = parts.last else { return path }
        if parts.count >= 2 {
            let parent = parts[parts.count - 2]
            for shape in shapes {
                for object in shape.objects where object.field == parent {
                    if let part = object.parts.first(where: { $0.field == last }) { return part.column }
                }
            }
        }
        if last == "type" { return "observation" }
        return last
    }

    static func read(_ bytes: [UInt8]) -> Result<(tree: JSONNode, header: [String]), OrderErrors> {
        let records: [CSVReader.Record]
        do {
            records = try CSVReader.parse(
                bytes,
                maximumFields: OrderLimits.maximumCSVColumns,
                maximumRecords: OrderLimits.maximumCSVRows + 1
            )
        } catch {
            return .failure(
                OrderErrors([OrderError(path: "line \(error.line), column \(error.column)", message: error.message)])
            )
        }
        guard let header = records.first else {
            return .failure(OrderErrors([OrderError(path: "line 1", message: "the CSV file has no header row")]))
        }
        let rows = records.dropFirst()
        var errors = ErrorList()
        var found: Layout?
        switch Layout.of(header) {
        case .success(let layout): found = layout
        case .failure(let failure): errors.append(contentsOf: failure.errors)
        }
        if rows.isEmpty {
            errors.append(
                OrderError(path: "line \(header.line + 1)", message: "the CSV order has a header but no records")
            )
        }
        guard let layout = found, errors.isEmpty else { return .failure(OrderErrors(errors.result)) }

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
        var items: [[JSONNode]] = Array(repeating: [], count: recordKinds.count)
        var topMembers: [JSONNode.Member] = []
        var patientMembers: [JSONNode.Member] = []
        let firstLine = rows.first!.line

        for row in rows {
            if row.fields.count != header.fields.count {
                errors.append(
                    OrderError(
                        path: "line \(row.line)",
                        message: "the row has \(row.fields.count) fields but the header has \(header.fields.count)"
                    )
                )
                continue
            }
            for (position, column) in layout.orderCells.enumerated() {
                let value = cell(row, column.index)
                let text = value?.text.trimmingSpaces ?? ""
                if let first = firstRowValues[position] {
                    if first.text != text {
                        let what =
                            column.name == "order_id"
                            ? "a CSV file holds one order, but this row has another order_id than"
                            : "\(column.name) differs from"
                        // The values are not echoed: patient_id is protected health information.
                        errors.append(
                            OrderError(
                                path: "line \(row.line), column \((column.index ?? 0) + 1)",
                                message: "\(what) line \(first.line)"
                            )
                        )
                    }
                    continue
                }
                firstRowValues[position] = (text, row.line)
                guard let value else { continue }
                let member = JSONNode.Member(key: column.path.last!, value: node(value, column.name))
                if column.path.count == 2 { patientMembers.append(member) } else { topMembers.append(member) }
            }
            guard let recordField = cell(row, layout.recordIndex) else {
                errors.append(
                    OrderError(
                        path: "line \(row.line), column \(layout.recordIndex + 1)",
                        message: "record: is required (\(recordKindList))"
                    )
                )
                continue
            }
            let kind = recordField.text.trimmingSpaces.lowercased()
            guard let kindIndex = recordKinds.firstIndex(of: kind) else {
                errors.append(
                    OrderError(
                        path: "line \(recordField.line), column \(recordField.column)",
                        message:
                            "record: unknown value '\(OrderDecoder.quoted(recordField.text))'; expected \(recordKindList)"
                    )
                )
                continue
            }
            let shape = layout.shapes[layout.shapeOfKind[kindIndex]]
            var members: [JSONNode.Member] = []
            for column in shape.plain {
                if let value = cell(row, column.index) {
                    members.append(JSONNode.Member(key: column.field, value: node(value, column.name)))
                }
            }
            for object in shape.objects {
                var parts: [JSONNode.Member] = []
                // The object is placed at the cell of its namesake column (`dose`, `code`) when given, so an error
                // about the whole object points there; else at the row.
                var location = CSVOrderFormat.row(line: row.line)
                for part in object.parts {
                    guard let value = cell(row, part.index) else { continue }
                    parts.append(JSONNode.Member(key: part.field, value: node(value, part.name)))
                    if part.name == object.field {
                        location = CSVOrderFormat.cell(line: value.line, column: value.column)
                    }
                }
                if !parts.isEmpty {
                    members.append(JSONNode.Member(key: object.field, value: JSONNode(.object(parts), at: location)))
                }
            }
            for (column, index) in shape.strays {
                if let stray = cell(row, index) {
                    errors.append(
                        OrderError(
                            path: "line \(stray.line), column \(stray.column)",
                            message:
                                "\(column): must be empty on a\(kind.first == "a" || kind.first == "o" ? "n" : "") \(kind) row"
                        )
                    )
                }
            }
            items[kindIndex].append(JSONNode(.object(members), at: CSVOrderFormat.row(line: row.line)))
        }
        guard errors.isEmpty else { return .failure(OrderErrors(errors.result)) }

        topMembers.append(
            JSONNode.Member(
                key: "patient",
                value: JSONNode(.object(patientMembers), at: CSVOrderFormat.row(line: firstLine))
            )
        )
        topMembers.append(
            JSONNode.Member(
                key: "medications",
                value: JSONNode(.array(items[0]), at: CSVOrderFormat.row(line: firstLine))
            )
        )
        let arrays = ["history", "observations", "adverse_events", "overrides"]
        for (offset, key) in arrays.enumerated() where !items[offset + 1].isEmpty {
            topMembers.append(JSONNode.Member(key: key, value: JSONNode(.array(items[offset + 1]))))
        }
        return .success((JSONNode(.object(topMembers), at: CSVOrderFormat.row(line: firstLine)), layout.names))
    }

    /// Where each column of a header is, resolved once: the row loop does no hashing. Pharmacy systems send the
    /// same header with every order, so the last good layout is kept and reused when the header is the same.
    struct Layout: Sendable {
        typealias Column = (name: String, field: String, index: Int?)
        struct Shape: Sendable {
            var plain: [Column]
            var objects: [(field: String, parts: [Column])]
            /// Per-record columns of the header that this kind must leave empty.
            var strays: [(String, Int)]
        }
        var names: [String]
        var orderCells: [(name: String, path: [String], index: Int?)]
        var recordIndex: Int
        var shapes: [Shape]
        /// For each of ``CSVOrderReader/recordKinds``, its shape's index.
        var shapeOfKind: [Int]

        private static let last = Mutex<Layout?>(nil)

        static func of(_ header: CSVReader.Record) -> Result<Layout, OrderErrors> {
            let names = header.fields.map(\.text)
            if let cached = last.withLock({ $0 }), cached.names == names { return .success(cached) }
            // Not capped here (a header has at most ``OrderLimits/maximumCSVColumns`` columns): the caller caps.
            var errors: [OrderError] = []
            var columnIndex: [String: Int] = [:]
            var listed = false
            for field in header.fields {
                let name = field.text.trimmingSpaces
                let at = "line \(field.line), column \(field.column)"
                if name.isEmpty {
                    errors.append(OrderError(path: at, message: "empty column name in the header"))
                } else if !knownColumns.contains(name) {
                    // The known names are listed once, on the first unknown column.
                    let known = listed ? "" : "; known columns are \(knownColumns.sorted().joined(separator: ", "))"
                    listed = true
                    errors.append(
                        OrderError(path: at, message: "unknown column '\(OrderDecoder.quoted(name))'\(known)")
                    )
                } else if columnIndex[name] != nil {
                    errors.append(OrderError(path: at, message: "column '\(name)' appears twice in the header"))
                } else {
                    columnIndex[name] = field.column - 1
                }
            }
            for required in ["order_id", "record"] where columnIndex[required] == nil {
                errors.append(
                    OrderError(path: "line \(header.line)", message: "the header has no '\(required)' column")
                )
            }
            guard errors.isEmpty, let recordIndex = columnIndex["record"] else { return .failure(OrderErrors(errors)) }
            func columns(_ list: [(column: String, field: String)]) -> [Column] {
                list.map { ($0.column, $0.field, columnIndex[$0.column]) }
            }
            let shapes = CSVOrderReader.shapes.map { shape in
                let allowed = Set(shape.columnNames)
                return Shape(
                    plain: columns(shape.plain),
                    objects: shape.objects.map { ($0.field, columns($0.parts)) },
                    strays: perRecordColumns.compactMap { name in
                        allowed.contains(name) ? nil : columnIndex[name].map { (name, $0) }
                    }
                )
            }
            let shapeOfKind = recordKinds.map { kind in CSVOrderReader.shapes.firstIndex { $0.kinds.contains(kind) }! }
            let layout = Layout(
                names: names,
                orderCells: orderColumns.map { (name: $0.column, path: $0.path, index: columnIndex[$0.column]) },
                recordIndex: recordIndex,
                shapes: shapes,
                shapeOfKind: shapeOfKind
            )
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
