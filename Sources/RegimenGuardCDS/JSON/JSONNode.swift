// Why the CDS Hooks service keeps this JSON reader beside the core's (`RegimenGuardCore/Parsing/JSONReader.swift`,
// also a `JSONNode`; issue 11, D1). They are two readers for two jobs, and either one serving both would cost the
// other something it must not lose:
// - Byte ranges. Every value here remembers its bytes, so `BundleJoin` copies each prefetched resource into the
//   joined Bundle byte for byte (numbers keep their spelling; the core judges exactly what the EHR sent). The core's
//   nodes carry no position at all (order errors are reported by JSON path, syntax errors by line and column computed
//   when thrown): a range on every core node is memory and time on the judge's hot path, per order.
// - Duplicate member names. Here they are a syntax error (a request, JWT header or claim set with two `hook` or two
//   `alg` members must not mean different things to different readers). The core keeps duplicates visible so the
//   order decoder reports them as findings with their path (`medications` twice is an invalid order with a message,
//   not a parse failure): refusing them in the core would change verdicts.
// - Errors. Here a byte offset and a short reason, never content (a 400 to an HTTP client, a line in the decision log);
//   the core's are line and column for the person who wrote the order file.
// - Bytes. Here invalid UTF-8 is refused (a request body is untrusted input from the network); the core decodes
//   strings with repair (U+FFFD), as it always has: refusing would change verdicts.
// Sharing only the scanner (literals, numbers, escapes: about 100 lines) would need a generic builder in the core's
// hot loop; not worth it for two small, separately tested readers. Numbers are not materialised here (`number(in:)`
// reads them on demand).

/// A parsed JSON value that remembers where it came from, so a resource can be copied into the joined Bundle byte
/// for byte (numbers keep their exact spelling) while the service reads the few members it needs.
struct JSONNode: Sendable {
    enum Kind: Sendable {
        case object([(key: String, value: JSONNode)])
        case array([JSONNode])
        case string(String)
        case number
        case bool(Bool)
        case null
    }

    var kind: Kind
    /// The value's bytes in the parsed document.
    var range: Range<Int>

    subscript(key: String) -> JSONNode? {
        guard case .object(let members) = kind else { return nil }
        return members.first { $0.key == key }?.value
    }

    var string: String? {
        if case .string(let value) = kind { return value }
        return nil
    }

    var array: [JSONNode]? {
        if case .array(let items) = kind { return items }
        return nil
    }

    var members: [(key: String, value: JSONNode)]? {
        if case .object(let members) = kind { return members }
        return nil
    }

    var isObject: Bool { members != nil }

    var isNull: Bool {
        if case .null = kind { return true }
        return false
    }

    /// The value as a Double, for numeric claims; nil when it is not a number.
    func number(in bytes: [UInt8]) -> Double? {
        guard case .number = kind else { return nil }
        return Double(String(decoding: bytes[range], as: UTF8.self))
    }
}

/// Why a document is not JSON (RFC 8259): the byte offset and a short reason, never the content.
struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    var offset: Int
    var reason: String
    var description: String { "\(reason) at byte \(offset)" }
}

/// A strict RFC 8259 parser over bytes: UTF-8 checked, no trailing content, duplicate keys refused (two `hook`
/// members must not mean different things to different readers), nesting bounded.
struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    static let maximumDepth = 64

    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONNode {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw JSONSyntaxError(offset: parser.index, reason: "trailing content")
        }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func fail(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, reason: reason) }

    private mutating func value() throws(JSONSyntaxError) -> JSONNode {
        guard index < bytes.count else { throw fail("unexpected end") }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""):
            let text = try string()
            return JSONNode(kind: .string(text), range: start..<index)
        case UInt8(ascii: "t"):
            try literal("true")
            return JSONNode(kind: .bool(true), range: start..<index)
        case UInt8(ascii: "f"):
            try literal("false")
            return JSONNode(kind: .bool(false), range: start..<index)
        case UInt8(ascii: "n"):
            try literal("null")
            return JSONNode(kind: .null, range: start..<index)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
            return JSONNode(kind: .number, range: start..<index)
        default:
            throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: String) throws(JSONSyntaxError) {
        let expected = Array(word.utf8)
        let count = expected.count
        guard index + count <= bytes.count else { throw fail("unexpected end") }
        guard (0..<count).allSatisfy({ bytes[index + $0] == expected[$0] }) else { throw fail("unexpected character") }
        index += count
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func number() throws(JSONSyntaxError) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw fail("unexpected end") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw fail("bad number")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("bad number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { throw fail("bad number") }
        }
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("unexpected end") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("bad escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                guard let text = String(validating: bytes[start..<index], as: UTF8.self) else {
                    throw JSONSyntaxError(offset: start, reason: "invalid UTF-8")
                }
                index += 1
                return text
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in string") }
            index += 1
        }
        var scalars: [UInt8] = Array(bytes[start..<index])
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                guard let text = String(validating: scalars, as: UTF8.self) else {
                    throw JSONSyntaxError(offset: start, reason: "invalid UTF-8")
                }
                index += 1
                return text
            }
            if c < 0x20 { throw fail("control character in string") }
            if c != UInt8(ascii: "\\") {
                scalars.append(c)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { throw fail("unexpected end") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    else { throw fail("lone surrogate") }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("lone surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw fail("lone surrogate")
                }
                guard let scalar = Unicode.Scalar(code) else { throw fail("bad escape") }
                scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw fail("bad escape")
            }
        }
        throw fail("unterminated string")
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONNode {
        let start = index
        depth += 1
        guard depth <= JSONParser.maximumDepth else { throw fail("nested too deeply") }
        defer { depth -= 1 }
        index += 1
        var members: [(key: String, value: JSONNode)] = []
        var keys = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return JSONNode(kind: .object(members), range: start..<index)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let keyOffset = index
            let key = try string()
            guard keys.insert(key).inserted else {
                throw JSONSyntaxError(offset: keyOffset, reason: "duplicate member name")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
            members.append((key, try value()))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
            index += 1
            return JSONNode(kind: .object(members), range: start..<index)
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONNode {
        let start = index
        depth += 1
        guard depth <= JSONParser.maximumDepth else { throw fail("nested too deeply") }
        defer { depth -= 1 }
        index += 1
        var items: [JSONNode] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return JSONNode(kind: .array(items), range: start..<index)
        }
        while true {
            skipWhitespace()
            items.append(try value())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
            index += 1
            return JSONNode(kind: .array(items), range: start..<index)
        }
    }
}
