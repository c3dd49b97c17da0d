/// The SHA-256 of a whole raw key as the state stores it: `sha256:` and 64 lower-case hex digits
/// (`SHA256Text`'s spelling). The only thing the state knows of a key's secret.
///
/// A value of this type is always well-formed, so the verifier turns every record's hash into
/// a lookup digest without a failure path, and a hand-edited state with another shape is
/// refused when it is read (`StateFileError.Reason.invalidHash`, which names the key, never the
/// value: a malformed hash field may hold a pasted raw key).
public struct KeyHash: Hashable, Sendable, Codable, CustomStringConvertible {
    /// `sha256:<64 lowercase hex>`.
    public let rawValue: String

    /// Accepts only `sha256:` followed by exactly 64 lower-case hexadecimal digits.
    public init?(rawValue: String) {
        guard SHA256Text.isWellFormed(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// The hash of `bytes` (for a key: its whole ASCII text).
    public static func of(_ bytes: some Sequence<UInt8>) -> KeyHash { KeyHash(validated: SHA256Text.of(bytes)) }

    private init(validated: String) { rawValue = validated }

    public var description: String { rawValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let hash = KeyHash(rawValue: try container.decode(String.self)) else {
            // The value is not quoted: it may be a raw key pasted into the wrong field.
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not sha256:<64 lowercase hex>")
        }
        self = hash
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
