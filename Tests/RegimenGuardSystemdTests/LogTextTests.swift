import Logging
import RegimenGuardSystemd
import Testing

/// Issue 10 item 11 at the unit level: what the log sinks do with hostile text.
@Suite struct LogTextTests {
    @Test func everyControlCharacterIsEscapedOnScalarsNotCharacters() {
        // CR LF is one Character; it must still be escaped.
        #expect(LogText.escape("a\r\nb") == "a\\r\\nb")
        #expect(
            LogText.escape("\t\u{0}\u{1B}[2K\u{7F}\u{85}\u{9B}\u{2028}")
                == "\\t\\x00\\x1b[2K\\x7f\\u{85}\\u{9b}\\u{2028}"
        )
        #expect(LogText.escape("back\\slash") == "back\\\\slash")
        #expect(LogText.escape("RX-1.json é ü") == "RX-1.json é ü")
        for value in 0...0x9F where value < 0x20 || value >= 0x7F {
            let escaped = LogText.escape(String(Unicode.Scalar(UInt8(value))))
            #expect(
                !escaped.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) },
                "\(value)"
            )
        }
    }

    @Test func aValueWithWhitespaceIsQuotedSoItCannotAddAPair() {
        #expect(LogText.quoted("RX-1.json") == "RX-1.json")
        #expect(LogText.quoted("a b") == "\"a b\"")
        #expect(LogText.quoted("x\tdecision=accept") == "\"x\\tdecision=accept\"")
        #expect(LogText.quoted("say \"hi\"") == "\"say \\\"hi\\\"\"")
        #expect(LogText.quoted("") == "\"\"")
        #expect(LogText.quoted("a\u{A0}b") == "\"a\u{A0}b\"")
    }
}
