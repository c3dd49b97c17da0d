/// An age X25519 recipient as the state records it for a team (`age1` and 58 characters of the
/// Bech32 alphabet, the shape every 32-byte X25519 recipient has).
///
/// Why a text and not `AgeRecipient`: the core must link swift-crypto only (a server verifying
/// keys needs no age), and `AgeRecipient` lives in `AgeFormat`. The state's recipients are
/// never sealed to — new keys are sealed to the manifest's recipients, which `Manifest` parses
/// once into `AgeRecipient` and `Reconciler` carries typed through plan and apply — they are
/// compared with the manifest's and shown in plans. So the state needs only a shape that cannot
/// hold anything else (a pasted secret identity, a line break): checked here, when the state is
/// read, without the checksum and curve checks that belong to the one real parser.
public struct RecipientText: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The Bech32 data alphabet (BIP-173).
    private static let alphabet: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    /// 32 bytes are 52 five-bit groups, then the 6-character checksum.
    private static let dataLength = 58

    /// The canonical `age1…` text.
    public let rawValue: String

    /// Accepts `age1` followed by 58 lower-case Bech32 characters.
    public init?(rawValue: String) {
        let bytes = Array(rawValue.utf8)
        guard bytes.count == 4 + Self.dataLength, bytes.starts(with: Array("age1".utf8)),
              bytes.dropFirst(4).allSatisfy(Self.alphabet.contains)
        else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: RecipientText, rhs: RecipientText) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let recipient = RecipientText(rawValue: try container.decode(String.self)) else {
            // Not quoted: a secret identity pasted into the wrong list must not reach a CI log.
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an age X25519 recipient (age1 and 58 Bech32 characters)")
        }
        self = recipient
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
