/// How a key is shown wherever a person must recognise it — plans, `list`, `verify`, audit
/// events: `<prefix>_<first 4 of body>...<last 4 of key>`, e.g. `thig_G1x2...7kPm`.
///
/// The shape is the rule: a prefix of 1–16 letters or digits, then 4, `...` and 4 letters or
/// digits. That is short enough that a raw key can never pass for a preview, so renderings can
/// print any `KeyPreview` without checking it again.
public struct KeyPreview: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The preview as written in the state.
    public let rawValue: String

    /// Accepts only the preview shape above.
    public init?(rawValue: String) {
        let bytes = Array(rawValue.utf8)
        func alnum(_ b: UInt8) -> Bool {
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
        }
        guard let underscore = bytes.firstIndex(of: UInt8(ascii: "_")), (1...16).contains(underscore),
              bytes[..<underscore].allSatisfy(alnum) else { return nil }
        let rest = Array(bytes[(underscore + 1)...])
        guard rest.count == 11, rest[0..<4].allSatisfy(alnum), rest[4..<7].allSatisfy({ $0 == UInt8(ascii: ".") }),
              rest[7..<11].allSatisfy(alnum)
        else { return nil }
        self.rawValue = rawValue
    }

    /// A preview `APIKey` cut from a parsed key: a valid prefix and base62 characters always
    /// have the shape, so there is nothing to fail.
    init(minted text: String) {
        assert(KeyPreview(rawValue: text) != nil, "an APIKey's preview has the preview shape")
        rawValue = text
    }

    /// The key prefix the preview starts with (the part before `_`).
    public var prefix: String { String(rawValue[..<rawValue.firstIndex(of: "_")!]) }

    public var description: String { rawValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let preview = KeyPreview(rawValue: try container.decode(String.self)) else {
            // The value is not quoted: it may be a raw key pasted into the wrong field.
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not <prefix>_<4 characters>...<4 characters>")
        }
        self = preview
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
