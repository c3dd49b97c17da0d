import Crypto

/// An age X25519 identity (`AGE-SECRET-KEY-1…`): the secret that opens a team's sealed files.
///
/// `description` is deliberately redacted (it shows the recipient) so an identity interpolated
/// into a log line cannot leak; the secret text is only available as `secretKeyText`.
public struct AgeIdentity: Sendable, CustomStringConvertible {
    /// The Bech32 prefix of X25519 identities (always written upper-case).
    public static let humanReadablePart = "AGE-SECRET-KEY-"

    let privateKey: Curve25519.KeyAgreement.PrivateKey

    /// The matching recipient, to give to whoever seals files for this identity.
    public let recipient: AgeRecipient

    /// A new identity from 32 bytes of `generator` (which must be a CSPRNG outside tests).
    public static func generate(using generator: inout some RandomNumberGenerator) -> AgeIdentity {
        let bytes = RandomBytes.make(32, using: &generator)
        // 32 bytes always form a valid X25519 scalar.
        return try! AgeIdentity(secretKeyBytes: bytes)
    }

    /// Parses an `AGE-SECRET-KEY-1…` line as age-keygen writes it (upper-case, valid checksum,
    /// 32 bytes). Errors describe the problem without echoing the secret.
    public init(parsing text: String) throws(AgeError) {
        let upper = text.uppercased()
        if upper.hasPrefix("AGE-SECRET-KEY-PQ-1") {
            throw .invalidIdentity(.unsupportedType("a post-quantum (ML-KEM hybrid) identity"), line: nil)
        }
        if upper.hasPrefix("AGE-PLUGIN-") {
            throw .invalidIdentity(.unsupportedType("a plugin identity"), line: nil)
        }
        let decoded: Bech32.Decoded
        do {
            decoded = try Bech32.decode(text)
        } catch {
            throw .invalidIdentity(error, line: nil)
        }
        let prefix = decoded.humanReadablePart
        if prefix == Self.humanReadablePart.lowercased() {
            throw .invalidIdentity(.wrongCase(expectedUppercase: true), line: nil)
        }
        guard prefix == Self.humanReadablePart else {
            throw .invalidIdentity(.wrongPrefix(expected: Self.humanReadablePart, found: prefix), line: nil)
        }
        guard decoded.data.count == 32 else {
            throw .invalidIdentity(.wrongLength(expected: 32, found: decoded.data.count), line: nil)
        }
        self = try! AgeIdentity(secretKeyBytes: decoded.data)
    }

    init(secretKeyBytes: [UInt8]) throws {
        privateKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secretKeyBytes)
        recipient = AgeRecipient(publicKeyBytes: Array(privateKey.publicKey.rawRepresentation))
    }

    /// The secret in age's text form. Only `keysync keygen` should ever write this anywhere.
    public var secretKeyText: String {
        Bech32.encode(humanReadablePart: Self.humanReadablePart, data: Array(privateKey.rawRepresentation))
    }

    /// Redacted: names the recipient, never the secret.
    public var description: String { "AgeIdentity(recipient: \(recipient))" }
}
