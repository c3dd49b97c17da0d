import Crypto
import Foundation

/// The public half of a state signing key, as configured outside the repository
/// (`--state-public-key` or `KEYSYNC_STATE_PUBLIC_KEY`): `keysync-ed25519:<base64 of 32 bytes>`.
///
/// It decides whose signature is trusted, so it must never come from the state itself.
public struct StatePublicKey: Sendable, Hashable, CustomStringConvertible {
    public static let textPrefix = "keysync-ed25519:"

    let key: Curve25519.Signing.PublicKey
    /// The 32 raw bytes, base64: how the state's `signature.public_key` spells it.
    public let base64: String

    init(_ key: Curve25519.Signing.PublicKey) {
        self.key = key
        base64 = key.rawRepresentation.base64EncodedString()
    }

    /// Accepts the text form, with surrounding whitespace (a copied line) ignored.
    public init(parsing text: String) throws(StateSignatureError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.textPrefix) else {
            throw .malformedPublicKey("it must start with \(Self.textPrefix)")
        }
        try self.init(base64: String(trimmed.dropFirst(Self.textPrefix.count)), problem: StateSignatureError.malformedPublicKey)
    }

    /// The bare base64 form of the signature block.
    init(base64 text: String, problem: (String) -> StateSignatureError) throws(StateSignatureError) {
        guard let raw = Data(base64Encoded: text), raw.count == 32,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { throw problem("expected the base64 of 32 bytes") }
        self.init(key)
    }

    /// `keysync-ed25519:<base64>`.
    public var description: String { Self.textPrefix + base64 }

    public static func == (lhs: StatePublicKey, rhs: StatePublicKey) -> Bool { lhs.base64 == rhs.base64 }
    public func hash(into hasher: inout Hasher) { hasher.combine(base64) }
}
