import Foundation
import TestSupport
import XCTest
@testable import KeysyncCore
@testable import Reconciler

/// `KeyVerifier.readingSigned` (what `keysync serve` loads a signed state with: records streamed
/// into the index, the signature checked over the file's bytes) against the reference — decode
/// the state, check its signature, `KeyVerifier(state:)` — on random states: the same index, the
/// same answer for every key at every instant that matters, the same refusals.
final class SignedVerifierStateTests: XCTestCase {
    private static let words = ["plain", "", "quote \" \\ /", "line\nbreak", "naïve ✓ 🔑", "\n  },\n", "signature",
                                 "\n      \"hash\": \"sha256:"]

    private func word(_ generator: inout SeededGenerator) -> String {
        Bool.random(using: &generator) ? Self.words.randomElement(using: &generator)!
            : String((0..<Int.random(in: 1...10, using: &generator)).map { _ in "abcxyz-_.".randomElement(using: &generator)! })
    }

    private let base = Date(timeIntervalSince1970: 1_790_000_000)

    private func instant(_ generator: inout SeededGenerator) -> Date {
        base.addingTimeInterval(Double(Int.random(in: 0...4, using: &generator)) * 3_600)
    }

    /// A random valid state and the raw keys its records were minted for.
    private func randomState(_ generator: inout SeededGenerator) throws -> (StateFile, [String]) {
        let teamNames = (0..<Int.random(in: 0...4, using: &generator)).map { "team-\($0)-" + word(&generator) }
        let teams = teamNames.map { name in
            TeamRecord(name: name, plan: word(&generator), apiAccess: .random(using: &generator),
                       owner: Bool.random(using: &generator) ? word(&generator) : nil,
                       recipients: Bool.random(using: &generator)
                           ? [RecipientText(rawValue: "age1" + String((0..<58).map { _ in "qpzry9x8gf2tvdw0s3jn54khce6mua7l".randomElement(using: &generator)! }))!]
                           : nil)
        }
        let prefix = ["thig", "ab1", "Zq"].randomElement(using: &generator)!
        var raw: [String] = []
        let keys = try (0..<Int.random(in: 0...12, using: &generator)).map { n in
            let key = try APIKey.mint(prefix: prefix, using: &generator)
            raw.append(key.reveal())
            let status = [KeyStatus.active, .active, .inactive, .revoked].randomElement(using: &generator)!
            return KeyRecord(
                id: KeyID(rawValue: "key_" + String((0..<20).map { _ in "abcdefghijklmnopqrstuvwxyz234567".randomElement(using: &generator)! }))!,
                team: teamNames.randomElement(using: &generator) ?? "gone", name: "name-\(n)-" + word(&generator),
                generation: Int.random(in: 0...3, using: &generator), hash: key.hash, preview: key.preview,
                createdAt: base, createdBy: word(&generator),
                expiresAt: Bool.random(using: &generator) ? instant(&generator) : nil,
                rateLimit: Int.random(in: 1...10_000, using: &generator),
                description: Bool.random(using: &generator) ? word(&generator) : nil,
                owner: Bool.random(using: &generator) ? word(&generator) : nil, status: status,
                revokedAt: status == .revoked ? base : nil, revokedReason: status == .revoked ? .rotated : nil,
                revokeAfter: status != .revoked && Bool.random(using: &generator) ? instant(&generator) : nil,
                sealedFile: word(&generator))
        }
        var state = StateFile(
            lineage: Bool.random(using: &generator) ? word(&generator) : nil, serial: Int.random(in: 0...99, using: &generator),
            prefix: Bool.random(using: &generator) ? prefix : nil, teams: teams, keys: keys)
        if Bool.random(using: &generator) { state.log = AuditAnchor(events: 3, head: "sha256:" + String(repeating: "0", count: 64)) }
        try state.validate(locatingIn: nil)
        return (state, raw)
    }

    func testTheStreamedVerifierEqualsTheDecodedOneOnRandomStates() throws {
        var generator = SeededGenerator(seed: 0x5E_2001)
        for round in 0..<80 {
            let signer = StateSigningKey.generate(using: &generator)
            let (state, raw) = try randomState(&generator)
            let bytes = state.signed(with: signer).encoded()
            let decoded = try StateFile.decode(bytes)
            XCTAssertNoThrow(try decoded.verifySignature(trusting: signer.publicKey))
            let reference = KeyVerifier(state: decoded)

            // The index is reserved for exactly the records (descriptions and names that hold
            // `"hash": "` and line breaks are among the random words).
            XCTAssertEqual(KeyVerifier.keyRecordLines(in: bytes), state.keys.count, "round \(round)")
            var consumed = bytes
            let streamed = try XCTUnwrap(try KeyVerifier.readingSigned(&consumed, trusting: signer.publicKey), "round \(round)")
            XCTAssertTrue(streamed.verifier.hasSameIndex(as: reference), "round \(round)")
            var shell = decoded
            shell.keys = []
            XCTAssertEqual(streamed.shell, shell, "round \(round)")
            XCTAssertEqual(streamed.verifier.count, decoded.keys.count)

            let unknown = try APIKey.mint(prefix: reference.prefix ?? "thig", using: &generator).reveal()
            let presented = raw + [unknown, "Bearer " + (raw.first ?? unknown), " \(unknown)", "nope", "", String(unknown.dropLast())]
            for key in presented {
                for hours in 0...5 {
                    let at = base.addingTimeInterval(Double(hours) * 3_600)
                    XCTAssertEqual(streamed.verifier.verify(key, now: at), reference.verify(key, now: at), "round \(round)")
                }
            }
        }
    }

    /// Every way the signature can be wrong is refused as the reference refuses it; an unsigned
    /// state (or bytes the one-pass reader does not vouch for) is left to the reference (`nil`).
    func testTheStreamedReadRefusesWhatTheReferenceRefuses() throws {
        var generator = SeededGenerator(seed: 0x5E_2002)
        for round in 0..<40 {
            let signer = StateSigningKey.generate(using: &generator)
            let other = StateSigningKey.generate(using: &generator)
            let (state, _) = try randomState(&generator)
            var tampered = state.signed(with: signer)
            tampered.serial += 1
            var damaged = state.signed(with: signer)
            damaged.signature?.value = "AAAA"
            for candidate in [state.signed(with: other), tampered, damaged] {
                let reread = try StateFile.decode(candidate.encoded())
                let reference = Result { () throws(StateSignatureError) in try reread.verifySignature(trusting: signer.publicKey) }
                var bytes = candidate.encoded()
                let streamed = Result { () throws(StateSignatureError) in
                    _ = try KeyVerifier.readingSigned(&bytes, trusting: signer.publicKey)
                }
                switch (reference, streamed) {
                case (.failure(let a), .failure(let b)): XCTAssertEqual(a, b, "round \(round)")
                default: XCTFail("round \(round): reference \(reference), streamed \(streamed)")
                }
            }
            var unsigned = state.encoded()
            XCTAssertNil(try KeyVerifier.readingSigned(&unsigned, trusting: signer.publicKey))
            XCTAssertEqual(unsigned, state.encoded(), "left untouched for the reference")
            // Another spelling of a signed state: the one-pass reader reads it, but the signature
            // member is not where canonical bytes hold it, so it is left to the reference.
            let compact = try JSONEncoder().encode(state.signed(with: signer))
            var spelled = compact
            XCTAssertNil(try KeyVerifier.readingSigned(&spelled, trusting: signer.publicKey), "round \(round)")
        }
    }

    /// A field slipped into the signature member's lines (after its values, before the line
    /// that closes it) is outside what the signature covers: a state signed without an audit
    /// anchor must not come back with one an attacker chose. The streamed read leaves such bytes
    /// to the reference, which refuses them as not canonical.
    func testAFieldSlippedIntoTheSignatureMemberIsNotAccepted() throws {
        var generator = SeededGenerator(seed: 0x5E_2003)
        for round in 0..<20 {
            let signer = StateSigningKey.generate(using: &generator)
            var (state, _) = try randomState(&generator)
            state.log = nil
            let signed = String(decoding: state.signed(with: signer).encoded(), as: UTF8.self)
            let close = try XCTUnwrap(signed.range(of: "\n  },\n", range: try XCTUnwrap(signed.range(of: "\"signature\": {")).upperBound..<signed.endIndex))
            let forged = signed.replacingCharacters(
                in: close, with: "\n  }, \"log\": {\"events\": 9, \"head\": \"sha256:\(String(repeating: "0", count: 64))\"\n  },\n")
            var bytes = Data(forged.utf8)
            XCTAssertNil(try KeyVerifier.readingSigned(&bytes, trusting: signer.publicKey), "round \(round)")
            XCTAssertThrowsError(try StateFile.decode(Data(forged.utf8)), "round \(round)")
        }
    }
}
