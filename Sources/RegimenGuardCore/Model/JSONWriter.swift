/// Writes JSON with keys in the order given, two-space indented, so a verdict's bytes depend only on its content
/// (Foundation's encoder orders keys by a per-process hash seed).
struct JSONWriter {
    enum Value {
        case null
        case bool(Bool)
        case int(Int)
        case string(String)
        case array([Value])
        case object([(String, Value)])
    }

    private(set) var bytes: [UInt8] = []

    static func render(_ value: Value) -> [UInt8] {
        var writer = JSONWriter()
        writer.bytes.reserveCapacity(2048)
        writer.write(value, indent: 0)
        writer.bytes.append(0x0A)
        return writer.bytes
    }

    private mutating func newline(_ indent: Int) {
        bytes.append(0x0A)
        bytes.append(contentsOf: repeatElement(0x20, count: indent))
    }

    private mutating func write(_ value: Value, indent: Int) {
        switch value {
        case .null: bytes += Array("null".utf8)
        case .bool(let b): bytes += Array((b ? "true" : "false").utf8)
        case .int(let n): bytes += Array(String(n).utf8)
        case .string(let s): writeString(s)
        case .array(let elements):
            if elements.isEmpty {
                bytes += Array("[]".utf8)
                return
            }
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(indent + 2)
                write(element, indent: indent + 2)
            }
            newline(indent)
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                bytes += Array("{}".utf8)
                return
            }
            bytes.append(UInt8(ascii: "{"))
            for (index, (key, member)) in members.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(indent + 2)
                writeString(key)
                bytes += [UInt8(ascii: ":"), 0x20]
                write(member, indent: indent + 2)
            }
            newline(indent)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func writeString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [0x5C, 0x22]
            case UInt8(ascii: "\\"): bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
            case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
            case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
