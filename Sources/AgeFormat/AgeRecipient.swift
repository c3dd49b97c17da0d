import Crypto

/// An age X25519 recipient (`age1…`): the public half of an identity, safe to commit in
/// keys.yaml. Parsing is strict so a typo in a team's recipient list is caught when the
/// manifest is validated, not when a sealed file turns out to be unreadable.
public struct AgeRecipient: Hashable, Sendable, CustomStringConvertible {
    /// The Bech32 prefix of X25519 recipients.
    public static let humanReadablePart = "age"

    /// The 32-byte X25519 public key.
    public let publicKeyBytes: [UInt8]

    /// The canonical `age1…` text.
    public var description: String {
        Bech32.encode(humanReadablePart: Self.humanReadablePart, data: publicKeyBytes)
    }

    /// Parses an `age1…` recipient as age-keygen prints it (lower-case, valid checksum,
    /// 32 bytes, a canonical point of large order). Leading and trailing whitespace is not
    /// accepted: callers trim.
    public init(parsing text: String) throws(AgeError) {
        if let type = Self.unsupportedType(of: text) {
            throw .invalidRecipient(text, .unsupportedType(type))
        }
        let decoded: Bech32.Decoded
        do {
            decoded = try Bech32.decode(text)
        } catch {
            throw .invalidRecipient(text, error)
        }
        let prefix = decoded.humanReadablePart
        if prefix == Self.humanReadablePart.uppercased() {
            throw .invalidRecipient(text, .wrongCase(expectedUppercase: false))
        }
        guard prefix == Self.humanReadablePart else {
            throw .invalidRecipient(text, .wrongPrefix(expected: Self.humanReadablePart, found: prefix))
        }
        guard decoded.data.count == 32 else {
            throw .invalidRecipient(text, .wrongLength(expected: 32, found: decoded.data.count))
        }
        // A checksum-valid string can still hold a public value no key generator makes; sealing
        // to a low-order one protects nothing, so it is refused here, before anything is sealed.
        if X25519Point.isLowOrder(decoded.data) { throw .invalidRecipient(text, .lowOrderPoint) }
        guard X25519Point.isCanonical(decoded.data) else { throw .invalidRecipient(text, .nonCanonicalPoint) }
        self.publicKeyBytes = decoded.data
    }

    /// Wraps 32 raw X25519 public key bytes.
    init(publicKeyBytes: [UInt8]) {
        precondition(publicKeyBytes.count == 32, "an X25519 public key is 32 bytes")
        self.publicKeyBytes = publicKeyBytes
    }

    /// Names the age recipient kinds keysync recognises but does not implement, so the message
    /// says "not supported" rather than "bad checksum".
    private static func unsupportedType(of text: String) -> String? {
        let lower = text.lowercased()
        if lower.hasPrefix("age1pq1") { return "a post-quantum (ML-KEM hybrid) recipient" }
        if lower.hasPrefix("age1tag1") || lower.hasPrefix("age1tagpq1") { return "a hardware-key (tag) recipient" }
        // The Bech32 alphabet has no "1", so a second one means age1<plugin-name>1…
        if lower.hasPrefix("age1") && lower.dropFirst(4).contains("1") { return "a plugin recipient" }
        if text.hasPrefix("ssh-") || text.hasPrefix("ecdsa-") { return "an SSH public key" }
        return nil
    }
}
