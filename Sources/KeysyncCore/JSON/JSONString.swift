/// The one string escaper: every string keysync writes inside double quotes (JSON documents,
/// audit lines, HTTP bodies, the schema, diagnostics, quoted values in text plans) is escaped
/// here, so one value reads the same everywhere.
///
/// The rules are the state file's (they are pinned by every committed state): `"` and `\`
/// escaped; newline, return and tab by name; other control characters and DEL as `\u00XX`
/// (lower-case hex); `/` and everything else as plain UTF-8. Text for a terminal (`.terminal`)
/// also escapes the C1 controls (U+0080–U+009F), which some terminals obey, so a value can
/// neither break a line nor steer the terminal; it writes them as Swift does (`\u{1b}`), as text
/// plans always have.
public enum JSONString {
    public enum Style: Sendable {
        /// JSON, as in the state file.
        case json
        /// A quoted value in text for people (plans): C1 controls escaped too, as `\u{XX}`.
        case terminal
    }

    /// `s` in double quotes, escaped by the rules above.
    public static func quoted(_ s: String, for style: Style = .json) -> String {
        // Printable ASCII other than `"` and `\` (nearly every value) needs no escaping.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            return "\"" + s + "\""
        }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(s.utf8.count + 8)
        appendEscaped(s.utf8, for: style, to: &out)
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the escaped form of the UTF-8 bytes `utf8` (without quotes) to `out`.
    public static func appendEscaped<Bytes: Collection<UInt8>>(
        _ utf8: Bytes, for style: Style = .json, to out: inout [UInt8]
    ) {
        let terminal = style == .terminal
        var previous: UInt8 = 0
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x0D where !terminal: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x00..<0x20, 0x7F: appendUnicodeEscape(byte, terminal: terminal, to: &out)
            case 0x80...0x9F where terminal && previous == 0xC2:
                // U+0080–U+009F is 0xC2 then this byte: replace the lead byte already written.
                out.removeLast()
                appendUnicodeEscape(byte, terminal: terminal, to: &out)
            default: out.append(byte)
            }
            previous = byte
        }
    }

    /// `\u00XX` (JSON) or `\u{x}` (terminal), lower-case hex.
    private static func appendUnicodeEscape(_ value: UInt8, terminal: Bool, to out: inout [UInt8]) {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        if terminal {
            out.append(UInt8(ascii: "{"))
            if value >= 0x10 { out.append(digits[Int(value >> 4)]) }
            out.append(digits[Int(value & 0xF)])
            out.append(UInt8(ascii: "}"))
        } else {
            out.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: "0"), digits[Int(value >> 4)], digits[Int(value & 0xF)]])
        }
    }
}
