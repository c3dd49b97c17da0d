// @testable needs a module built for testing, which SwiftPM does in debug builds only; a
// release build (swift build -c release) gets a stub that says so.
#if DEBUG
import FuzzSupport
@testable import AgeFormat

/// The identity of most CCTV vectors (test data, not a secret), so seeds built from them get
/// past the stanza unwrap into the MAC and payload code.
let identity = try! AgeIdentity(parsing: "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0")

/// Bytes as an age file: armor, header and payload decoding with a fixed identity; short inputs
/// also as a recipient and as an identity file. Must hold: no crash; decoded armor re-encodes to
/// armor that decodes to the same bytes; a parsed header re-serializes to exactly the bytes its
/// MAC covers (the grammar has one encoding per header); an accepted recipient is the canonical
/// text of a point that is neither low-order nor non-canonical.
func fuzzAge(_ bytes: [UInt8]) {
    if bytes.count <= 256 {
        let text = String(decoding: bytes, as: UTF8.self)
        if let recipient = try? AgeRecipient(parsing: text) {
            precondition(recipient.description == text, "a recipient accepted in a non-canonical spelling")
            precondition(!X25519Point.isLowOrder(recipient.publicKeyBytes) && X25519Point.isCanonical(recipient.publicKeyBytes))
        }
        _ = try? AgeIdentityFile.parse(text)
    }
    var binary = bytes
    if AgeArmor.looksArmored(bytes) {
        guard let decoded = try? AgeArmor.decode(bytes) else { return }
        precondition((try? AgeArmor.decode(AgeArmor.encode(decoded))) == decoded, "armor round trip")
        binary = decoded
    }
    if let header = try? AgeHeader.parse(binary) {
        var written: [UInt8] = []
        AgeHeader.writeUnauthenticated(header.stanzas, into: &written)
        precondition(written == Array(binary[0..<header.macCoveredCount]), "a header with two encodings")
    }
    _ = try? AgeDecryptor.decrypt(bytes, with: [identity])
}

FuzzMain.run(fuzzAge)
#else
import FuzzSupport

FuzzMain.debugBuildOnly()
#endif
