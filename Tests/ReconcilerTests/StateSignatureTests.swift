import Foundation
import Reconciler
import XCTest

final class StateSignatureTests: XCTestCase {
    typealias F = Fixture

    func makeKey(seed: UInt64) -> StateSigningKey {
        var generator = SeededGenerator(seed: seed)
        return StateSigningKey.generate(using: &generator)
    }

    func makeState() -> StateFile {
        var minted = MintedState(teams: [F.teamRecord("payments", contacts: ["oncall@example.com"])])
        minted.add("a", team: "payments", name: "checkout-api", expiresAt: F.date("2027-03-01T23:59:59Z"))
        minted.add("b", team: "payments", name: "old", status: .revoked)
        return minted.state
    }

    func testSignedStateVerifiesInMemoryAndAfterARoundTripThroughItsBytes() throws {
        let key = makeKey(seed: 1)
        let signed = makeState().signed(with: key)
        XCTAssertNoThrow(try signed.verifySignature(trusting: key.publicKey))
        let text = String(decoding: signed.encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains("\"signature\": {\n    \"algorithm\": \"ed25519\",\n    \"public_key\": \"\(key.publicKey.base64)\",\n    \"value\": \""))
        let reread = try StateFile.decode(signed.encoded())
        XCTAssertEqual(reread, signed)
        XCTAssertNoThrow(try reread.verifySignature(trusting: key.publicKey))
        // Record order does not matter: the signature covers the canonical form.
        var shuffled = reread
        shuffled.keys.reverse()
        XCTAssertNoThrow(try shuffled.verifySignature(trusting: key.publicKey))
        // Signing again replaces the block; the payload excludes it.
        XCTAssertEqual(signed.signed(with: key).signingPayload, signed.signingPayload)
        XCTAssertEqual(signed.withoutSignature.signature, nil)
    }

    func testAnUnsignedStateHasNoSignatureBlockAndIsRefused() throws {
        let state = makeState()
        XCTAssertFalse(String(decoding: state.encoded(), as: UTF8.self).contains("signature"))
        XCTAssertThrowsError(try state.verifySignature(trusting: makeKey(seed: 1).publicKey)) { error in
            XCTAssertEqual(error as? StateSignatureError, .missingSignature)
            XCTAssertEqual((error as? StateSignatureError)?.code, "state-signature-missing")
        }
    }

    func testAHashAddedByHandIsCaught() throws {
        let key = makeKey(seed: 1)
        let signed = makeState().signed(with: key)
        var tampered = signed
        var minted = MintedState(seed: 42, teams: [])
        minted.add("mine", team: "payments", name: "backdoor")
        tampered.keys += minted.state.keys
        XCTAssertThrowsError(try tampered.verifySignature(trusting: key.publicKey)) { error in
            XCTAssertEqual(error as? StateSignatureError, .badSignature)
        }
        // The same through the file's text: one edited field.
        let text = String(decoding: signed.encoded(), as: UTF8.self)
            .replacingOccurrences(of: "\"rate_limit\": 60,", with: "\"rate_limit\": 6000,")
        XCTAssertNotEqual(text, String(decoding: signed.encoded(), as: UTF8.self))
        let edited = try StateFile.decode(Data(text.utf8))
        XCTAssertThrowsError(try edited.verifySignature(trusting: key.publicKey)) { error in
            XCTAssertEqual(error as? StateSignatureError, .badSignature)
        }
    }

    func testAStateReSignedWithAnotherKeyIsRefusedNamingThatKey() {
        let trusted = makeKey(seed: 1)
        let other = makeKey(seed: 2)
        XCTAssertNotEqual(trusted.publicKey, other.publicKey)
        var forged = makeState().signed(with: trusted)
        forged.keys.removeLast()
        forged = forged.signed(with: other)
        XCTAssertThrowsError(try forged.verifySignature(trusting: trusted.publicKey)) { error in
            XCTAssertEqual(error as? StateSignatureError, .signedByAnotherKey(found: other.publicKey.description))
        }
        // Claiming the trusted public key does not help: the value does not verify.
        forged.signature?.publicKey = trusted.publicKey.base64
        XCTAssertThrowsError(try forged.verifySignature(trusting: trusted.publicKey)) { error in
            XCTAssertEqual(error as? StateSignatureError, .badSignature)
        }
    }

    func testDamagedSignatureBlocksAreNamed() {
        let key = makeKey(seed: 1)
        let signed = makeState().signed(with: key)
        var state = signed
        state.signature?.algorithm = "rsa"
        XCTAssertThrowsError(try state.verifySignature(trusting: key.publicKey)) {
            XCTAssertEqual($0 as? StateSignatureError, .unsupportedAlgorithm("rsa"))
        }
        state = signed
        state.signature?.value = "bm90IGEgc2lnbmF0dXJl"
        XCTAssertThrowsError(try state.verifySignature(trusting: key.publicKey)) {
            XCTAssertEqual(($0 as? StateSignatureError)?.code, "state-signature-malformed")
        }
        state = signed
        state.signature?.publicKey = "!!"
        XCTAssertThrowsError(try state.verifySignature(trusting: key.publicKey)) {
            XCTAssertEqual(($0 as? StateSignatureError)?.code, "state-signature-malformed")
        }
    }

    func testKeyTextFormats() throws {
        let key = makeKey(seed: 1)
        let text = key.fileText(created: F.now)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines.dropLast().allSatisfy { $0.hasPrefix("# ") })
        XCTAssertTrue(lines[3].hasPrefix("KEYSYNC-SIGNING-KEY-1:"))
        XCTAssertTrue(text.contains("# public key: keysync-ed25519:\(key.publicKey.base64)"))
        XCTAssertEqual(try StateSigningKey(parsing: text).publicKey, key.publicKey)
        // The bare line (as in KEYSYNC_SIGNING_KEY) is enough.
        XCTAssertEqual(try StateSigningKey(parsing: String(lines[3])).publicKey, key.publicKey)
        // Seeded: the same generator gives the same key.
        XCTAssertEqual(makeKey(seed: 1).publicKey, key.publicKey)

        let secret = String(lines[3].dropFirst("KEYSYNC-SIGNING-KEY-1:".count))
        for shown in [String(describing: key), String(reflecting: key), "\(key)"] {
            XCTAssertFalse(shown.contains(secret), "a signing key's description shows its secret")
        }
        var dumped = ""
        dump(key, to: &dumped)
        XCTAssertFalse(dumped.contains(secret), "dump shows the signing key's secret")

        for bad in ["", "# only a comment\n", "KEYSYNC-SIGNING-KEY-1:AAAA", "AGE-SECRET-KEY-1ABC", text + text] {
            XCTAssertThrowsError(try StateSigningKey(parsing: bad)) { error in
                XCTAssertEqual((error as? StateSignatureError)?.code, "signing-key-malformed")
                XCTAssertFalse((error as? StateSignatureError)?.message.contains(secret) ?? true)
            }
        }

        XCTAssertEqual(try StatePublicKey(parsing: " \(key.publicKey)\n"), key.publicKey)
        for bad in ["", key.publicKey.base64, "keysync-ed25519:AAAA", "ssh-ed25519 AAAA"] {
            XCTAssertThrowsError(try StatePublicKey(parsing: bad)) { error in
                XCTAssertEqual((error as? StateSignatureError)?.code, "state-public-key-malformed")
            }
        }
    }
}
