/// Text from outside (file names, an order's keys and values) made safe for a log line or a terminal.
///
/// Works on Unicode scalars, never on `Character`s (CR LF is one `Character`): every C0 control character, DEL
/// and every C1 control character, and the Unicode line and paragraph separators, become visible escapes (`\n`,
/// `\r`, `\t`, `\x1b`, `\u{85}`), and a backslash becomes `\\`, so no value can end a line, start a forged one,
/// move a terminal's cursor or hide a journal entry as binary data.
public enum LogText {
    public static func escape(_ text: String) -> String {
        // Fast path: most text has nothing to escape.
        if !text.unicodeScalars.contains(where: needsEscape) { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            let escaped: String
            switch scalar {
            case "\\": escaped = "\\\\"
            case "\n": escaped = "\\n"
            case "\r": escaped = "\\r"
            case "\t": escaped = "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                escaped = scalar.value < 0x80 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
            }
            out.append(contentsOf: escaped.unicodeScalars)
        }
        return String(out)
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x5C, 0x2028, 0x2029: true
        default: false
        }
    }

    /// A `key=value` pair's value: escaped, and quoted when it holds whitespace, a quote or `=`, or is empty.
    public static func quoted(_ text: String) -> String {
        let escaped = escape(text)
        let needsQuotes =
            escaped.isEmpty || escaped.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "\"" || $0 == "=" }
        guard needsQuotes else { return escaped }
        return "\"" + escaped.replacing("\"", with: "\\\"") + "\""
    }
}
