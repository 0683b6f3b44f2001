/// The native CSV order (ORDERS.md section 3): one row per record, read into the same tree a JSON order gives, and
/// errors reported by line and column with the column's name.
public struct CSVOrderFormat: OrderFormat {
    public init() {}

    public var name: String { "csv" }

    public func recognizes(fileName: String, content: ArraySlice<UInt8>) -> Bool {
        fileName.hasSuffixIgnoringCase(".csv")
    }

    public func read(_ bytes: ArraySlice<UInt8>) -> Result<any OrderDocument, OrderErrors> {
        CSVOrderReader.read(Array(bytes)).map { Document(tree: $0.tree, header: $0.header) }
    }

    /// A cell's location: its 1-based line and column.
    static func cell(line: Int, column: Int) -> SourceLocation {
        SourceLocation(rawValue: UInt64(UInt32(clamping: line)) << 32 | UInt64(UInt32(clamping: column)))
    }

    /// A whole record's location: its line.
    static func row(line: Int) -> SourceLocation { cell(line: line, column: 0) }

    struct Document: OrderDocument {
        var tree: JSONNode
        /// The header's column names, to name a cell's column in messages.
        var header: [String]

        func error(at location: SourceLocation, path: String, message: String) -> OrderError {
            guard location != .none else { return OrderError(path: path, message: message) }
            let line = Int(location.rawValue >> 32), column = Int(location.rawValue & 0xFFFF_FFFF)
            let named = CSVOrderReader.columnName(forPath: path)
            let name = column >= 1 && column <= header.count ? header[column - 1].trimmingSpaces : "column \(column)"
            // A missing part of a several-column value (`dose_unit` of a dose) is located at its namesake cell; the
            // message then names the missing column, on the line.
            if column == 0 || (name != named && CSVOrderReader.knownColumns.contains(named)) {
                return OrderError(path: "line \(line)", message: "\(named): \(message)")
            }
            return OrderError(path: "line \(line), column \(column)", message: "\(name): \(message)")
        }
    }
}
