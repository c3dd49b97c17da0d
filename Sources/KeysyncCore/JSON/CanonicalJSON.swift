import Foundation

/// The one JSON dialect keysync writes (state files, saved plans, `--format json`): pretty, keys
/// sorted, one field per line, `"key": value`, two-space indent, trailing newline.
///
/// Byte stability is the point: the state file lives in git, so the same value must always give
/// the same bytes and a one-key change must give a one-key diff. Values go through `Codable`
/// (one mapping per type, so encoding and decoding cannot drift apart) into compact JSON with
/// sorted keys, which a small printer of our own lays out; strings are re-escaped by our own
/// rules, so the bytes do not depend on Foundation's formatting choices. (All keys keysync
/// writes are ASCII, where Foundation's key order is byte order.)
public enum CanonicalJSON {
    struct MalformedInput: Error {}
    /// Stops `matches` at the first piece that differs.
    private struct Differs: Error {}

    /// Dates are RFC 3339 in UTC with whole seconds, as written in manifests.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        Data(try prettyPrint([UInt8](try compactEncoder().encode(value))))
    }

    /// The canonical bytes of a value whose first key (in sorted order) is the array `key`,
    /// written with the array `elements` in it: the same bytes as `encode` of the whole value,
    /// but each element goes through `JSONEncoder` on its own. A 100,000-key state then never
    /// exists as one encoder tree and one compact copy, only as the output being built.
    static func encode<Shell: Encodable, Element: Encodable>(
        _ shell: Shell, splicing elements: [Element], intoLeadingArray key: String
    ) throws -> Data {
        var out: [UInt8] = []
        try write(shell, splicing: elements, intoLeadingArray: key, reservingFor: { out.reserveCapacity($0) }) {
            out.append(contentsOf: $0)
        }
        return Data(out)
    }

    /// Whether `data` is exactly what `encode(_:splicing:intoLeadingArray:)` writes for these
    /// values, found by comparing piece by piece as the encoding is produced: a reader checking
    /// that a 72 MB state is canonical never holds a second copy of it.
    static func matches<Shell: Encodable, Element: Encodable>(
        _ data: Data, shell: Shell, splicing elements: [Element], intoLeadingArray key: String
    ) throws -> Bool {
        return try data.withUnsafeBytes { (expected: UnsafeRawBufferPointer) throws -> Bool in
            var offset = 0
            do {
                try write(shell, splicing: elements, intoLeadingArray: key, reservingFor: { _ in }) { (piece: [UInt8]) throws in
                    guard piece.count <= expected.count - offset,
                          piece.withUnsafeBytes({ $0.elementsEqual(UnsafeRawBufferPointer(rebasing: expected[offset..<offset + piece.count])) })
                    else { throw Differs() }
                    offset += piece.count
                }
            } catch is Differs {
                return false
            }
            return offset == expected.count
        }
    }

    /// The one writer behind `encode` and `matches`: hands the canonical bytes to `sink` in
    /// order, in pieces (the opening, each element, the rest of the shell).
    private static func write<Shell: Encodable, Element: Encodable>(
        _ shell: Shell, splicing elements: [Element], intoLeadingArray key: String,
        reservingFor reserve: (Int) -> Void, to sink: ([UInt8]) throws -> Void
    ) throws {
        let encoder = compactEncoder()
        let head = try prettyPrint([UInt8](try encoder.encode(shell)))
        let empty = Array("{\n  \"\(key)\": []".utf8)
        guard head.starts(with: empty) else { throw MalformedInput() }
        reserve(head.count + elements.count * 512)
        try sink(Array("{\n  \"\(key)\": [".utf8))
        for (index, element) in elements.enumerated() {
            var pretty = Array((index == 0 ? "\n    " : ",\n    ").utf8)
            pretty += try prettyPrint([UInt8](try encoder.encode(element)), depth: 2)
            pretty.removeLast()  // the trailing newline of a whole document
            try sink(pretty)
        }
        try sink(elements.isEmpty ? [UInt8(ascii: "]")] : Array("\n  ]".utf8))
        try sink(Array(head[empty.count...]))
    }

    private static func compactEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an RFC 3339 timestamp, found \"\(text)\"")
            }
            return date
        }
        return decoder
    }

    /// Lays out compact JSON (no insignificant whitespace, as `JSONEncoder` writes it) one value
    /// per line: a single pass and no tree, so a 100,000-key state stays cheap.
    /// `depth` is the nesting the value sits at, for values laid into a larger document.
    static func prettyPrint(_ bytes: [UInt8], depth start: Int = 0) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 2)
        var depth = start
        var i = 0
        func newline() {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
        }
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = b == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                out.append(b)
                if i + 1 < bytes.count, bytes[i + 1] == close {
                    out.append(close)
                    i += 2
                } else {
                    depth += 1
                    newline()
                    i += 1
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                newline()
                out.append(b)
                i += 1
            case UInt8(ascii: ","):
                out.append(b)
                newline()
                i += 1
            case UInt8(ascii: ":"):
                out.append(b)
                out.append(UInt8(ascii: " "))
                i += 1
            case UInt8(ascii: "\""):
                i = try copyString(bytes, from: i, into: &out)
            default:
                // A number or a literal: copy up to the next structural character.
                scan: while i < bytes.count {
                    switch bytes[i] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ":"): break scan
                    default: out.append(bytes[i]); i += 1
                    }
                }
            }
        }
        guard depth == start else { throw MalformedInput() }
        out.append(0x0A)
        return out
    }

    /// Reads the string whose opening quote is at `start`, writes it re-escaped by keysync's
    /// rules (`"`, `\`, newline, return, tab by name; other control characters and DEL as
    /// `\u00XX`; `/` and everything else as plain UTF-8) and returns the index after it.
    private static func copyString(_ bytes: [UInt8], from start: Int, into out: inout [UInt8]) throws -> Int {
        var raw: [UInt8] = []
        var i = start + 1
        func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count,
                  let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
            else { throw MalformedInput() }
            i += 4
            return v
        }
        while true {
            guard i < bytes.count else { throw MalformedInput() }
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") { break }
            guard b == UInt8(ascii: "\\") else { raw.append(b); continue }
            guard i < bytes.count else { throw MalformedInput() }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): raw.append(e)
            case UInt8(ascii: "b"): raw.append(0x08)
            case UInt8(ascii: "f"): raw.append(0x0C)
            case UInt8(ascii: "n"): raw.append(0x0A)
            case UInt8(ascii: "r"): raw.append(0x0D)
            case UInt8(ascii: "t"): raw.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 2 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u")
                    else { throw MalformedInput() }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw MalformedInput() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw MalformedInput() }
                raw.append(contentsOf: String(Character(u)).utf8)
            default:
                throw MalformedInput()
            }
        }
        out.append(UInt8(ascii: "\""))
        for byte in raw {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20, 0x7F:
                let hex = String(byte, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return i
    }
}
