import Crypto

/// The native X25519 recipient stanza: `-> X25519 <ephemeral share>` whose body is the file key
/// sealed with ChaCha20-Poly1305 (zero nonce) under HKDF-SHA-256(shared secret,
/// salt: share ‖ recipient, info: "age-encryption.org/v1/X25519").
enum X25519Stanza {
    static let type = "X25519"
    private static let info = Array("age-encryption.org/v1/X25519".utf8)

    /// Wraps `fileKey` for `recipient` with a fresh ephemeral key from `generator`; throws when
    /// the shared secret is all zeros (a low-order recipient), as age does, rather than seal
    /// under a wrap key anyone could derive from the file's public values.
    static func wrap(
        _ fileKey: SymmetricKey, for recipient: AgeRecipient,
        using generator: inout some RandomNumberGenerator
    ) throws(AgeError) -> AgeStanza {
        let ephemeralBytes = RandomBytes.make(32, using: &generator)
        // 32 bytes are always a valid X25519 scalar and a recipient always holds 32 bytes.
        let ephemeral = try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: ephemeralBytes)
        let share = Array(ephemeral.publicKey.rawRepresentation)
        let theirs = try! Curve25519.KeyAgreement.PublicKey(rawRepresentation: recipient.publicKeyBytes)
        // swift-crypto (like CryptoKit) returns the all-zero secret of a low-order point instead of
        // failing; `AgeRecipient(parsing:)` already refuses such points, and this is the last guard.
        let secret = try! ephemeral.sharedSecretFromKeyAgreement(with: theirs)
        guard !X25519Point.isAllZero(secret) else { throw .invalidRecipient("\(recipient)", .lowOrderPoint) }
        let wrapKey = secret.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: share + recipient.publicKeyBytes, sharedInfo: info, outputByteCount: 32)
        let sealed = try! ChaChaPoly.seal(
            fileKey.withUnsafeBytes { Array($0) }, using: wrapKey, nonce: zeroNonce)
        return AgeStanza(
            arguments: [type, Base64.encodeUnpadded(share)],
            body: Array(sealed.ciphertext) + Array(sealed.tag), line: 0)
    }

    /// Checks the stanza's shape (two arguments, a canonical 32-byte share, a 32-byte body) as
    /// the spec requires of every X25519 stanza, matching or not. Returns the share.
    static func validate(_ stanza: AgeStanza) throws(AgeError) -> [UInt8] {
        guard stanza.arguments.count == 2 else {
            throw .malformedHeader(line: stanza.line, "an X25519 stanza has exactly one argument after its type")
        }
        guard let share = Base64.decodeUnpadded(stanza.arguments[1].utf8), share.count == 32 else {
            throw .malformedHeader(line: stanza.line, "the X25519 share is not 32 bytes of canonical unpadded base64")
        }
        guard stanza.body.count == 32 else {
            throw .malformedHeader(line: stanza.line, "the X25519 stanza body is \(stanza.body.count) bytes, expected a 16-byte file key and its 16-byte tag")
        }
        return share
    }

    /// The file key when `identity` opens the (validated) stanza, nil when it is for someone
    /// else; throws when the share is a low-order point.
    static func unwrap(_ stanza: AgeStanza, share: [UInt8], with identity: AgeIdentity) throws(AgeError) -> SymmetricKey? {
        let secret: SharedSecret
        do {
            secret = try identity.privateKey.sharedSecretFromKeyAgreement(
                with: Curve25519.KeyAgreement.PublicKey(rawRepresentation: share))
        } catch {
            throw .lowOrderShare(line: stanza.line)
        }
        guard !X25519Point.isAllZero(secret) else { throw .lowOrderShare(line: stanza.line) }
        let wrapKey = secret.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: share + identity.recipient.publicKeyBytes,
            sharedInfo: info, outputByteCount: 32)
        guard
            let box = try? ChaChaPoly.SealedBox(
                nonce: zeroNonce, ciphertext: stanza.body[0..<16], tag: stanza.body[16..<32]),
            let fileKey = try? ChaChaPoly.open(box, using: wrapKey)
        else { return nil }
        return SymmetricKey(data: fileKey)
    }

    private static var zeroNonce: ChaChaPoly.Nonce {
        try! ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12))
    }
}
