import Foundation

/// The one JSON writer: every JSON document keysync writes (state files, saved plans, audit
/// lines, the lock holder, HTTP bodies, `--format json`, diagnostics, the schema) comes out of
/// `layOut`, in one of the `JSONLayout`s, with strings escaped by `JSONString`.
///
/// Values get there two ways. `Encodable` values go through `JSONEncoder` (one `Codable` mapping
/// per type, so encoding and decoding cannot drift apart) into compact JSON with sorted keys,
/// dates as RFC 3339 `Timestamp`s. Documents whose member order is part of the format (the
/// schema, diagnostics) are built as a `JSONValue`. Either way `layOut` then writes the bytes in
/// a single pass with no tree, re-escaping every string by keysync's rules, so the bytes do not
/// depend on Foundation's formatting choices. (All keys keysync writes are ASCII, where
/// Foundation's key order is byte order.)
public enum JSONWriter {
    struct MalformedInput: Error {}

    /// `value` in `layout`. Only non-finite floating-point numbers make this throw.
    public static func encode<T: Encodable>(_ value: T, layout: JSONLayout) throws -> [UInt8] {
        try layOut([UInt8](try compactEncoder().encode(value)), layout)
    }

    /// `value` in `layout`, as text.
    public static func text<T: Encodable>(_ value: T, layout: JSONLayout) throws -> String {
        String(decoding: try encode(value, layout: layout), as: UTF8.self)
    }

    /// A document built by hand, members in the order given, in `layout`.
    public static func write(_ value: JSONValue, layout: JSONLayout) -> [UInt8] {
        var compact: [UInt8] = []
        value.appendCompact(to: &compact)
        // The compact bytes of a `JSONValue` are well-formed by construction.
        return try! layOut(compact, layout)
    }

    /// `JSONEncoder` as keysync uses it: compact, sorted keys, dates as RFC 3339 in UTC with
    /// whole seconds (as written in manifests).
    static func compactEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }

    /// Lays out compact JSON (no insignificant whitespace, as `JSONEncoder` writes it): a single
    /// pass and no tree, so a 100,000-key state stays cheap. `depth` is the nesting the value
    /// sits at, for values laid into a larger document.
    static func layOut(_ bytes: [UInt8], _ layout: JSONLayout, depth start: Int = 0) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(layout.multiline ? bytes.count + bytes.count / 2 : bytes.count)
        let multiline = layout.multiline
        var depth = start
        // Above zero while inside a container written on one line: how many are open.
        var inline = 0
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
                    continue
                }
                i += 1
                if inline > 0 {
                    inline += 1
                } else if multiline {
                    if depth >= layout.inlineFromDepth
                        || (layout.inlineScalarArrays && b == UInt8(ascii: "[") && holdsOnlyScalars(bytes, from: i)) {
                        inline = 1
                    }
                }
                depth += 1
                if inline == 0 && multiline { newline() }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if inline > 0 { inline -= 1 } else if multiline { newline() }
                out.append(b)
                i += 1
            case UInt8(ascii: ","):
                out.append(b)
                if inline > 0 { out.append(UInt8(ascii: " ")) } else if multiline { newline() }
                i += 1
            case UInt8(ascii: ":"):
                if inline > 0 {
                    out.append(b)
                    out.append(UInt8(ascii: " "))
                } else {
                    out.append(contentsOf: layout.colon)
                }
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
        if multiline { out.append(0x0A) }
        return out
    }

    /// Whether the array whose first element starts at `start` holds no object or array.
    private static func holdsOnlyScalars(_ bytes: [UInt8], from start: Int) -> Bool {
        var i = start
        var inString = false
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
            } else {
                switch b {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): return false
                case UInt8(ascii: "]"): return true
                default: break
                }
            }
            i += 1
        }
        return false
    }

    /// Reads the string whose opening quote is at `start`, writes it re-escaped by `JSONString`
    /// and returns the index after it.
    private static func copyString(_ bytes: [UInt8], from start: Int, into out: inout [UInt8]) throws -> Int {
        // Most strings hold no escape: re-escape them straight from the input, with no copy.
        var end = start + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            out.append(UInt8(ascii: "\""))
            JSONString.appendEscaped(bytes[(start + 1)..<end], to: &out)
            out.append(UInt8(ascii: "\""))
            return end + 1
        }
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
        JSONString.appendEscaped(raw, to: &out)
        out.append(UInt8(ascii: "\""))
        return i
    }
}
