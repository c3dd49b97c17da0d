import Crypto

/// Opens age v1 files, binary or armored, more strictly than age's streaming reader: the whole
/// file is parsed and authenticated (header grammar, header MAC, every chunk, the final chunk,
/// nothing after it) before a single plaintext byte is returned.
public enum AgeDecryptor {
    /// Stanza types of the age ecosystem that keysync recognises but cannot open; named in the
    /// "no matching identity" message so users know to reach for the age CLI.
    static let knownUnsupportedStanzaTypes: Set<String> = [
        "mlkem768x25519", "p256tag", "mlkem768p256tag", "ssh-ed25519", "ssh-rsa", "piv-p256",
    ]

    /// The plaintext of `file`, opened with the first identity that unwraps an X25519 stanza.
    public static func decrypt(_ file: [UInt8], with identities: [AgeIdentity]) throws(AgeError) -> [UInt8] {
        guard !identities.isEmpty else { throw .noIdentities }
        let binary = AgeArmor.looksArmored(file) ? try AgeArmor.decode(file) : file
        let header = try AgeHeader.parse(binary)
        let fileKey = try unwrapFileKey(header.stanzas, identities: identities)

        let covered = binary[0..<header.macCoveredCount]
        guard HMAC<SHA256>.isValidAuthenticationCode(
            header.mac, authenticating: covered, using: AgeHeaderMAC.key(fileKey: fileKey))
        else { throw .badHeaderMAC }

        let payload = binary[header.payloadOffset...]
        guard payload.count >= AgePayload.nonceSize else { throw .missingPayloadNonce }
        let nonceEnd = payload.startIndex + AgePayload.nonceSize
        let key = AgePayload.key(fileKey: fileKey, nonce: payload[..<nonceEnd])
        return try AgePayload.open(payload[nonceEnd...], key: key)
    }

    /// Applies the stanza rules (scrypt must stand alone; every X25519 stanza well-formed) and
    /// returns the file key from the first stanza an identity opens.
    private static func unwrapFileKey(_ stanzas: [AgeStanza], identities: [AgeIdentity]) throws(AgeError) -> SymmetricKey {
        if let scrypt = stanzas.first(where: { $0.type == "scrypt" }) {
            guard stanzas.count == 1 else {
                throw .malformedHeader(line: scrypt.line, "an scrypt (passphrase) stanza must be the only stanza in the header")
            }
            throw .unsupportedRecipientType("a passphrase (scrypt)")
        }
        var candidates: [(stanza: AgeStanza, share: [UInt8])] = []
        for stanza in stanzas where stanza.type == X25519Stanza.type {
            candidates.append((stanza, try X25519Stanza.validate(stanza)))
        }
        for candidate in candidates {
            for identity in identities {
                if let fileKey = try X25519Stanza.unwrap(candidate.stanza, share: candidate.share, with: identity) {
                    return fileKey
                }
            }
        }
        var unsupported: [String] = []
        for stanza in stanzas where knownUnsupportedStanzaTypes.contains(stanza.type) && !unsupported.contains(stanza.type) {
            unsupported.append(stanza.type)
        }
        throw .noMatchingIdentity(unsupportedStanzaTypes: unsupported)
    }
}
