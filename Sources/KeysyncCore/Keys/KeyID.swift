/// The stable identity of one key across renames and settings changes: `key_` and 20
/// lower-case base32 characters (100 random bits).
///
/// Ids are not secret; they name a key in the state, the audit log and sealed files. They come
/// from the injected generator so tests (and reproducible examples) can make them repeatable.
public struct KeyID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// RFC 4648 base32 in lower case: `a-z2-7`.
    public static let alphabet: [UInt8] = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    public static let prefix = "key_"
    public static let randomLength = 20

    /// The id as written in the state, e.g. `key_mfrggzdfmztwq2lknnwg`.
    public let rawValue: String

    /// Accepts only well-formed ids, so a hand-edited state cannot smuggle in another shape.
    public init?(rawValue: String) {
        let bytes = Array(rawValue.utf8)
        let head = Array(Self.prefix.utf8)
        guard bytes.count == head.count + Self.randomLength,
              bytes.starts(with: head),
              bytes.dropFirst(head.count).allSatisfy(Self.alphabet.contains)
        else { return nil }
        self.rawValue = rawValue
    }

    /// A new id from `generator`; 32 divides 256, so the low five bits of a byte are uniform.
    public static func mint(using generator: inout some RandomNumberGenerator) -> KeyID {
        var chars: [UInt8] = []
        chars.reserveCapacity(randomLength)
        while chars.count < randomLength {
            var word = generator.next()
            for _ in 0..<8 where chars.count < randomLength {
                chars.append(alphabet[Int(word & 31)])
                word >>= 8
            }
        }
        return KeyID(validated: prefix + String(decoding: chars, as: UTF8.self))
    }

    private init(validated: String) { rawValue = validated }

    public var description: String { rawValue }

    public static func < (lhs: KeyID, rhs: KeyID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = KeyID(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a key id (key_ and 20 characters a-z2-7)")
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
