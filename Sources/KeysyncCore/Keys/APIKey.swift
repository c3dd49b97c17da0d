
/// One raw API key: `<prefix>_<body><checksum>`, the secret handed to a team exactly once.
///
/// - body: 27 base62 characters drawn uniformly from the generator (27 × log2 62 ≈ 160.8 bits);
/// - checksum: zlib's CRC32 of the ASCII bytes of `<prefix>_<body>`, as 6 base62 digits (fixed
///   width, most significant first), so scanners and `verify` reject typos and foreign strings
///   offline, without a lookup.
///
/// The type exists so a raw key is never handled as a plain `String` by accident:
/// `description`, `debugDescription` and its mirror (`dump`, debuggers, string interpolation)
/// all show only the `preview`. The secret comes out only through `reveal()`, which the sealing
/// step alone should call.
public struct APIKey: Equatable, Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public static let bodyLength = 27
    public static let checksumLength = 6
    public static let maximumPrefixLength = 16

    /// The installation's prefix, e.g. `thig`. Public: it is what scanners look for.
    public let prefix: String
    private let text: String

    private init(prefix: String, text: String) {
        self.prefix = prefix
        self.text = text
    }

    /// Mints a new key with `prefix` from `generator`.
    ///
    /// Production callers pass `SystemRandomNumberGenerator` (the operating system's CSPRNG);
    /// tests pass a seeded generator to get repeatable keys. Throws `.invalidPrefix` unless the
    /// prefix is 1–16 ASCII letters and digits (the manifest already guarantees that).
    public static func mint(
        prefix: String, using generator: inout some RandomNumberGenerator
    ) throws(APIKeyError) -> APIKey {
        guard isValidPrefix(prefix) else { throw .invalidPrefix }
        var head = Array(prefix.utf8)
        head.append(UInt8(ascii: "_"))
        head += Base62.randomCharacters(count: bodyLength, using: &generator)
        let whole = head + checksum(of: head)
        return APIKey(prefix: prefix, text: String(decoding: whole, as: UTF8.self))
    }

    /// Checks a presented key offline: format first (prefix, `_`, length, alphabet), then the
    /// checksum. A key that passes may still be unknown, revoked or expired; that needs the
    /// state. The presented text is never copied into the error.
    public init(parsing presented: String, prefix expected: String) throws(APIKeyError) {
        let bytes = Array(presented.utf8)
        guard !bytes.isEmpty else { throw .badFormat(.empty) }
        if bytes.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0B || $0 == 0x0C }) {
            throw .badFormat(.whitespace)
        }
        guard let separator = bytes.firstIndex(of: UInt8(ascii: "_")) else {
            throw .badFormat(.missingSeparator)
        }
        let head = Array(bytes[..<separator])
        if head != Array(expected.utf8) {
            if let position = head.firstIndex(where: { !Self.isPrefixCharacter($0) }) {
                throw .badFormat(.invalidCharacter(position: position + 1))
            }
            guard !head.isEmpty, head.count <= Self.maximumPrefixLength else {
                throw .badFormat(.missingSeparator)
            }
            throw .otherPrefix(expected: expected, found: String(decoding: head, as: UTF8.self))
        }
        let expectedLength = head.count + 1 + Self.bodyLength + Self.checksumLength
        guard bytes.count == expectedLength else {
            throw .badFormat(.wrongLength(expected: expectedLength, found: presented.count))
        }
        let tail = bytes[(separator + 1)...]
        if let position = tail.firstIndex(where: { !Base62.contains($0) }) {
            throw .badFormat(.invalidCharacter(position: position + 1))
        }
        let checked = Array(bytes[..<(bytes.count - Self.checksumLength)])
        guard Self.checksum(of: checked)[...] == bytes[checked.count...] else {
            throw .badChecksum
        }
        self.init(prefix: expected, text: presented)
    }

    /// The raw key. Call it only to put the key where it belongs: the sealed file's plaintext.
    public func reveal() -> String { text }

    /// `sha256:<hex>` of the whole key's ASCII bytes: what the state stores and `verify` looks up.
    ///
    /// A plain (fast) hash is enough because keys carry ≥ 160 random bits (NIST SP 800-63B
    /// allows an approved hash for look-up secrets of ≥ 112 bits); nothing slower is needed.
    public var hash: KeyHash { KeyHash.of(text.utf8) }

    /// `<prefix>_<first 4 of body>...<last 4 of key>`: enough to recognise a key, 8 of its 33
    /// random-looking characters, of which the last 4 are checksum.
    public var preview: KeyPreview {
        let bytes = Array(text.utf8)
        let bodyStart = prefix.utf8.count + 1
        let first = String(decoding: bytes[bodyStart..<(bodyStart + 4)], as: UTF8.self)
        let last = String(decoding: bytes[(bytes.count - 4)...], as: UTF8.self)
        return KeyPreview(minted: "\(prefix)_\(first)...\(last)")
    }

    public var description: String { preview.rawValue }
    public var debugDescription: String { "APIKey(\(preview))" }
    public var customMirror: Mirror { Mirror(self, children: ["preview": preview.rawValue], displayStyle: .struct) }

    /// A regular expression matching exactly the keys with `prefix`, for secret scanners
    /// (gitleaks, GitHub custom patterns, trufflehog): `\b<prefix>_[0-9A-Za-z]{33}\b`.
    ///
    /// `\b` (supported by RE2, PCRE, ICU and POSIX ERE in GNU grep) keeps it from matching inside
    /// a longer word: since `_` is a word character, neither `x<prefix>_…` nor a 34th character
    /// matches. Scanners that can run code should also check the checksum (`APIKey(parsing:)`)
    /// to drop the one-in-62⁶ random look-alikes. `prefix` must be valid (letters and digits,
    /// which need no escaping).
    public static func scannerPattern(prefix: String) -> String {
        "\\b\(prefix)_[0-9A-Za-z]{\(bodyLength + checksumLength)}\\b"
    }

    /// Whether `prefix` can start keys: 1–16 ASCII letters and digits.
    public static func isValidPrefix(_ prefix: String) -> Bool {
        let bytes = Array(prefix.utf8)
        return !bytes.isEmpty && bytes.count <= maximumPrefixLength && bytes.allSatisfy(isPrefixCharacter)
    }

    private static func isPrefixCharacter(_ byte: UInt8) -> Bool { Base62.contains(byte) }

    /// The CRC-32 of `bytes` as 6 fixed-width base62 digits.
    static func checksum(of bytes: [UInt8]) -> [UInt8] {
        Base62.encode(UInt64(CRC32.checksum(bytes)), width: checksumLength)
    }
}
