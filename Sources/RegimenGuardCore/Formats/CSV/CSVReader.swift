/// A strict RFC 4180 reader that keeps the line and column of every field.
///
/// Written here rather than taken from a package because the order contract needs what the CSV packages on
/// this platform do not give: the line and column of every field for error messages, and rejection (not silent
/// repair) of malformed quoting, which could otherwise shift a value into the wrong column.
struct CSVReader {
    struct Field: Sendable {
        var text: String
        var line: Int
        var column: Int
    }

    struct Record: Sendable {
        var line: Int
        var fields: [Field]
    }

    struct SyntaxError: Error {
        var line: Int
        var column: Int
        var message: String
    }

    /// Parses all records; blank lines are skipped. Accepts LF and CRLF line ends. A record with more than
    /// `maximumFields` fields, or more than `maximumRecords` records, stops the parse with an error saying so (the
    /// bound on what one order may cost).
    static func parse(
        _ bytes: [UInt8],
        maximumFields: Int = .max,
        maximumRecords: Int = .max
    ) throws(SyntaxError) -> [Record] {
        var records: [Record] = []
        var fields: [Field] = []
        var index = 0
        var line = 1
        let count = bytes.count
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

        func endRecord(_ fields: inout [Field], _ records: inout [Record]) {
            let width = fields.count
            if !(width == 1 && fields[0].text.isEmpty) {
                records.append(Record(line: fields[0].line, fields: fields))
            }
            // The next row most likely has as many fields as this one.
            fields = []
            fields.reserveCapacity(width)
        }

        while index < count {
            let fieldLine = line
            let column = fields.count + 1
            if column > maximumFields {
                throw SyntaxError(
                    line: line,
                    column: column,
                    message:
                        "a row has more than \(maximumFields) fields; an order has at most \(maximumFields) columns"
                )
            }
            if records.count >= maximumRecords {
                throw SyntaxError(
                    line: line,
                    column: column,
                    message:
                        "more than \(maximumRecords - 1) records after the header; an order has at most \(maximumRecords - 1) items"
                )
            }
            var text: [UInt8] = []
            var unquoted: Range<Int>?
            if bytes[index] == quote {
                index += 1
                var closed = false
                while index < count {
                    let byte = bytes[index]
                    if byte == quote {
                        if index + 1 < count, bytes[index + 1] == quote {
                            text.append(quote)
                            index += 2
                            continue
                        }
                        index += 1
                        closed = true
                        break
                    }
                    if byte == lf { line += 1 }
                    text.append(byte)
                    index += 1
                }
                if !closed {
                    throw SyntaxError(line: fieldLine, column: column, message: "a quoted field is never closed")
                }
                if index < count, bytes[index] != comma, bytes[index] != lf,
                    !(bytes[index] == cr && index + 1 < count && bytes[index + 1] == lf)
                {
                    throw SyntaxError(
                        line: line,
                        column: column,
                        message: "unexpected character after a closing quote (a quote inside a field is written \"\")"
                    )
                }
            } else {
                let start = index
                defer { unquoted = start..<index }
                while index < count {
                    let byte = bytes[index]
                    if byte == comma || byte == lf { break }
                    if byte == cr {
                        if index + 1 < count, bytes[index + 1] == lf { break }
                        throw SyntaxError(line: line, column: column, message: "a carriage return outside quotes")
                    }
                    if byte == quote {
                        throw SyntaxError(
                            line: line,
                            column: column,
                            message:
                                "a quote inside an unquoted field (quote the whole field and write the quote as \"\")"
                        )
                    }
                    index += 1
                }
            }
            // An unquoted field is decoded straight from the input; a quoted one from its unescaped bytes.
            let fieldText =
                unquoted.map { String(decoding: bytes[$0], as: UTF8.self) } ?? String(decoding: text, as: UTF8.self)
            fields.append(Field(text: fieldText, line: fieldLine, column: column))
            if index >= count { break }
            switch bytes[index] {
            case comma:
                index += 1
                if index >= count {
                    fields.append(Field(text: "", line: line, column: fields.count + 1))
                }
            case cr:
                index += 2
                line += 1
                endRecord(&fields, &records)
            default:  // lf
                index += 1
                line += 1
                endRecord(&fields, &records)
            }
        }
        if !fields.isEmpty { endRecord(&fields, &records) }
        return records
    }
}
