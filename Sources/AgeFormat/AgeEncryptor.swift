import Crypto

/// Seals bytes into an age v1 file that the stock `age -d -i` opens.
public enum AgeEncryptor {
    /// Encrypts `plaintext` to every recipient (one X25519 stanza each) with a fresh file key,
    /// ephemeral keys and payload nonce from `generator`, which must be a CSPRNG outside tests.
    /// With `armor`, the result is the PEM-armored text form. Throws `.invalidRecipient` with
    /// `.lowOrderPoint` for a recipient whose shared secret is all zeros.
    public static func encrypt(
        _ plaintext: [UInt8], to recipients: [AgeRecipient], armor: Bool = false,
        using generator: inout some RandomNumberGenerator
    ) throws(AgeError) -> [UInt8] {
        guard !recipients.isEmpty else { throw .noRecipients }
        let fileKey = SymmetricKey(data: RandomBytes.make(16, using: &generator))
        var stanzas: [AgeStanza] = []
        for recipient in recipients {
            stanzas.append(try X25519Stanza.wrap(fileKey, for: recipient, using: &generator))
        }

        var file: [UInt8] = []
        file.reserveCapacity(
            100 + recipients.count * 128 + AgePayload.nonceSize + plaintext.count
                + (plaintext.count / AgePayload.chunkSize + 1) * AgePayload.tagSize)
        AgeHeader.writeUnauthenticated(stanzas, into: &file)
        let mac = HMAC<SHA256>.authenticationCode(for: file, using: AgeHeaderMAC.key(fileKey: fileKey))
        file.append(UInt8(ascii: " "))
        Base64.encode(Array(mac), padded: false, into: &file)
        file.append(UInt8(ascii: "\n"))

        let nonce = RandomBytes.make(AgePayload.nonceSize, using: &generator)
        file.append(contentsOf: nonce)
        AgePayload.seal(plaintext, key: AgePayload.key(fileKey: fileKey, nonce: nonce), into: &file)
        return armor ? AgeArmor.encode(file) : file
    }
}

/// The header MAC key: HKDF-SHA-256(file key, salt: empty, info: "header").
enum AgeHeaderMAC {
    private static let info = Array("header".utf8)

    static func key(fileKey: SymmetricKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: fileKey, salt: [UInt8](), info: info, outputByteCount: 32)
    }
}
