/// Where a value came from in the order file, as the format that read it encodes it: the decoder passes it back to
/// the format's ``OrderDocument`` to describe a place in an error, and never looks inside. CSV keeps a line and a
/// column here; a format that reports by path (JSON) leaves it ``none``.
public struct SourceLocation: Sendable, Equatable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Synthesised by the decoder or the format (a missing field), or a format that reports by path.
    public static let none = SourceLocation(rawValue: 0)
}

/// Checks that bytes are valid UTF-8, reporting the line and column of the first bad byte.
enum UTF8Check {
    struct Failure: Error {
        var line: Int
        var column: Int
    }

    static func validate(_ bytes: [UInt8]) -> Failure? {
        var line = 1
        var column = 1
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            let length: Int
            var minimum: UInt32 = 0
            var scalar: UInt32
            switch byte {
            case 0x00...0x7F:
                length = 1
                scalar = UInt32(byte)
            case 0xC2...0xDF:
                length = 2
                scalar = UInt32(byte & 0x1F)
                minimum = 0x80
            case 0xE0...0xEF:
                length = 3
                scalar = UInt32(byte & 0x0F)
                minimum = 0x800
            case 0xF0...0xF4:
                length = 4
                scalar = UInt32(byte & 0x07)
                minimum = 0x10000
            default:
                return Failure(line: line, column: column)
            }
            guard index + length <= count else { return Failure(line: line, column: column) }
            for offset in 1..<length {
                let next = bytes[index + offset]
                guard next & 0xC0 == 0x80 else { return Failure(line: line, column: column) }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) {
                return Failure(line: line, column: column)
            }
            if byte == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += length
        }
        return nil
    }
}
