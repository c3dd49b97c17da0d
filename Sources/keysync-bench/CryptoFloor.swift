import AgeFormat
import Crypto
import Foundation
import Reconciler

/// The in-process floor for `apply` creating every key (issue 14): the cryptography no
/// implementation can skip, done with swift-crypto in this process. Per sealed file (one per
/// team): an ephemeral X25519 key, one X25519 agreement and HKDF per recipient wrapping the
/// file key with ChaCha20-Poly1305, HKDF of the payload key and ChaCha20-Poly1305 of the
/// document; plus SHA-256 of every key. No header encoding, no files, no process start-up.
struct CryptoFloor {
    var plaintexts: [[UInt8]]
    var recipients: [Curve25519.KeyAgreement.PublicKey]
    var keys: [APIKey]

    init(sealing: SealingFloor) throws {
        plaintexts = sealing.plaintexts.map { Array($0.utf8) }
        recipients = try ManifestGenerator.recipients.map {
            try Curve25519.KeyAgreement.PublicKey(rawRepresentation: AgeRecipient(parsing: $0).publicKeyBytes)
        }
        keys = sealing.keys
    }

    /// Seconds for every team's sealing and every key's hash (best of three passes).
    func measure() throws -> ProcessMeasurement {
        var best = Double.infinity
        var sink: UInt8 = 0
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            for plaintext in plaintexts {
                let ephemeral = Curve25519.KeyAgreement.PrivateKey()
                let fileKey = SymmetricKey(size: .init(bitCount: 128))
                for recipient in recipients {
                    let shared = try ephemeral.sharedSecretFromKeyAgreement(with: recipient)
                    let wrapKey = shared.hkdfDerivedSymmetricKey(
                        using: SHA256.self, salt: ephemeral.publicKey.rawRepresentation + recipient.rawRepresentation,
                        sharedInfo: Data("age-encryption.org/v1/X25519".utf8), outputByteCount: 32)
                    let wrapped = try ChaChaPoly.seal(fileKey.withUnsafeBytes { Data($0) }, using: wrapKey)
                    sink ^= wrapped.tag.first ?? 0
                }
                let payloadKey = HKDF<SHA256>.deriveKey(
                    inputKeyMaterial: fileKey, salt: Data(count: 16), info: Data("payload".utf8), outputByteCount: 32)
                let sealed = try ChaChaPoly.seal(plaintext, using: payloadKey)
                sink ^= sealed.tag.first ?? 0
            }
            let sealing = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, sealing)
        }
        if sink == 0x5A { log("(sink \(sink))") }  // keeps the work from being optimised away
        return ProcessMeasurement(seconds: best + SHA256Floor.seconds(hashing: keys), peakMemoryBytes: 0)
    }
}
