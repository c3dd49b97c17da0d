import Foundation
import TestSupport
import XCTest
@testable import KeysyncCore
@testable import Reconciler

/// The fast paths `keysync serve` loads a state with, each against its reference on random
/// states: the canonical check compared piece by piece (`isEncoding(of:)` against
/// `encoded() == data`), and the signing payload cut from the canonical bytes (against
/// `signingPayload`, which encodes the state again).
final class CanonicalFastPathTests: XCTestCase {
    /// Text that looks like the structure the fast paths search for, quoted inside values.
    private static let awkward = [
        "plain", "", "\n  \"signature\": {\n", "\n  },\n", "  \"signature\": {", "},", "\\n  }", "quote \" \\ /",
        "line\nbreak\ttab\r", "control \u{01}\u{7F}", "naïve ✓ 🔑", "signature",
    ]

    private func text(_ generator: inout SeededGenerator) -> String {
        Bool.random(using: &generator) ? Self.awkward.randomElement(using: &generator)!
            : String((0..<Int.random(in: 1...12, using: &generator)).map { _ in "abcxyz-_.".randomElement(using: &generator)! })
    }

    private func hex(_ generator: inout SeededGenerator) -> String {
        "sha256:" + String((0..<64).map { _ in "0123456789abcdef".randomElement(using: &generator)! })
    }

    /// A recipient's shape (`age1` and 58 Bech32 characters), which is all the state checks.
    private func recipient(_ generator: inout SeededGenerator) -> RecipientText {
        RecipientText(rawValue: "age1" + String((0..<58).map { _ in "qpzry9x8gf2tvdw0s3jn54khce6mua7l".randomElement(using: &generator)! }))!
    }

    private func randomState(_ generator: inout SeededGenerator) -> StateFile {
        let teamNames = (0..<Int.random(in: 0...4, using: &generator)).map { "team-\($0)-" + text(&generator) }
        let teams = teamNames.shuffled(using: &generator).map { name in
            TeamRecord(name: name, plan: text(&generator), apiAccess: .random(using: &generator),
                       owner: Bool.random(using: &generator) ? text(&generator) : nil,
                       contacts: (0..<Int.random(in: 0...2, using: &generator)).map { _ in text(&generator) },
                       recipients: Bool.random(using: &generator) ? [recipient(&generator)] : nil)
        }
        let keys = (0..<Int.random(in: 0...8, using: &generator)).map { n in
            let revoked = Int.random(in: 0..<4, using: &generator) == 0
            return KeyRecord(
                id: KeyID(rawValue: "key_" + String((0..<20).map { _ in "abcdefghijklmnopqrstuvwxyz234567".randomElement(using: &generator)! }))!,
                team: teamNames.randomElement(using: &generator) ?? "gone",
                name: "name-\(n)-" + text(&generator), generation: Int.random(in: 0...3, using: &generator), hash: KeyHash(rawValue: hex(&generator))!,
                preview: KeyPreview(rawValue: "thig_G1x2...7kPm")!, createdAt: Date(timeIntervalSince1970: 1_790_000_000),
                createdBy: text(&generator),
                expiresAt: Bool.random(using: &generator) ? Date(timeIntervalSince1970: 1_800_000_000) : nil,
                rateLimit: Int.random(in: 1...10_000, using: &generator),
                description: Bool.random(using: &generator) ? text(&generator) : nil,
                owner: Bool.random(using: &generator) ? text(&generator) : nil, status: revoked ? .revoked : .active,
                revokedAt: revoked ? Date(timeIntervalSince1970: 1_795_000_000) : nil,
                revokedReason: revoked ? [.removedFromManifest, .teamRemoved, .rotated, .rotationGraceEnded].randomElement(using: &generator) : nil, revokeAfter: nil, sealedFile: text(&generator))
        }
        // Access rules (version 3) on some keys: absent, empty, or a few sorted canonical entries.
        let scopes = ["*", "orders:*", "orders:read", "projects:write", "x.y_z-1:a.b"].map { try! Scope(parsing: $0) }
        let ranges = ["0.0.0.0/0", "10.0.0.0/8", "198.51.100.7", "::/0", "2001:db8::/32", "2001:db8::8000:0/97"]
            .map { try! IPAddressRange(parsing: $0) }
        let keysWithRules = keys.map { key -> KeyRecord in
            var key = key
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: break
            case 1: key.scopes = []
            default: key.scopes = Array(Set((0..<Int.random(in: 1...3, using: &generator)).map { _ in scopes.randomElement(using: &generator)! })).sorted()
            }
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: break
            case 1: key.allowedIPs = []
            default: key.allowedIPs = Array(Set((0..<Int.random(in: 1...3, using: &generator)).map { _ in ranges.randomElement(using: &generator)! })).sorted()
            }
            return key
        }
        var state = StateFile(
            lineage: Bool.random(using: &generator) ? text(&generator) : nil, serial: Int.random(in: 0...99, using: &generator),
            prefix: Bool.random(using: &generator) ? "thig" : nil, teams: teams, keys: keysWithRules.shuffled(using: &generator))
        if Bool.random(using: &generator) { state.version = 1 }
        if Bool.random(using: &generator) {
            let segmented = Bool.random(using: &generator)
            state.log = AuditAnchor(events: 3, head: hex(&generator), segment: segmented ? 4 : nil, segmentLine: segmented ? 2 : nil)
        }
        return state
    }

    func testTheCanonicalCheckAgreesWithEncodingAgainOnRandomStatesAndDamagedBytes() {
        var generator = SeededGenerator(seed: 0xC4_0001)
        for round in 0..<300 {
            var state = randomState(&generator)
            if Bool.random(using: &generator) { state = state.signed(with: .generate(using: &generator)) }
            let bytes = state.encoded()
            XCTAssertTrue(state.isEncoding(of: bytes), "round \(round)")
            XCTAssertEqual(state.normalized.encoded(), bytes, "round \(round)")
            // The one-pass reader reads what the reference decoder reads (access rules included).
            XCTAssertEqual(CanonicalStateReader.read(bytes), try? CanonicalJSON.decoder().decode(StateFile.self, from: bytes), "round \(round)")
            var damaged = bytes
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: damaged[Int.random(in: 0..<damaged.count, using: &generator)] ^= 0x01
            case 1: damaged.removeLast(Int.random(in: 1...min(30, damaged.count), using: &generator))
            case 2: damaged.append(contentsOf: Array(" \n".utf8))
            default: damaged.insert(UInt8(ascii: " "), at: Int.random(in: 0..<damaged.count, using: &generator))
            }
            XCTAssertEqual(state.isEncoding(of: damaged), state.encoded() == damaged, "round \(round)")
            XCTAssertFalse(state.isEncoding(of: damaged), "round \(round)")
        }
        XCTAssertTrue(StateFile.empty.isEncoding(of: StateFile.empty.encoded()))
        XCTAssertFalse(StateFile.empty.isEncoding(of: Data()))
    }

    func testNormalizedKeepsOnlyTheOrderOfSortedInput() {
        var generator = SeededGenerator(seed: 0xC4_0002)
        for _ in 0..<100 {
            let state = randomState(&generator)
            let normalized = state.normalized
            XCTAssertEqual(normalized.teams.map(\.name), state.teams.map(\.name).sorted())
            XCTAssertEqual(normalized.keys.map { [$0.team, $0.name, $0.id.rawValue] },
                           state.keys.map { [$0.team, $0.name, $0.id.rawValue] }.sorted { $0.lexicographicallyPrecedes($1) })
            XCTAssertEqual(normalized.normalized, normalized)
        }
    }

    func testTheSigningPayloadCutFromTheBytesIsTheEncodedOne() throws {
        var generator = SeededGenerator(seed: 0xC4_0003)
        for round in 0..<300 {
            let state = randomState(&generator)
            XCTAssertNil(StateFile.signingPayload(cutFrom: state.encoded()), "unsigned, round \(round)")
            let signed = state.signed(with: .generate(using: &generator))
            let cut = try XCTUnwrap(StateFile.signingPayload(cutFrom: signed.encoded()), "round \(round)")
            XCTAssertEqual(cut, signed.signingPayload, "round \(round)")
        }
    }

    /// `state` unsigned, signed by `key`, signed by `other`, changed after `key` signed it, and
    /// with a damaged signature value: each way a signature check can answer.
    private func signatureCases(_ state: StateFile, key: StateSigningKey, other: StateSigningKey) -> [StateFile] {
        var tampered = state.signed(with: key)
        tampered.serial += 1
        var damaged = state.signed(with: key)
        damaged.signature?.value = "AAAA"
        return [state, state.signed(with: key), state.signed(with: other), tampered, damaged]
    }

    /// The consuming check gives the reference's answer for each way a signature can be wrong.
    func testVerifyingOverTheBytesAnswersAsTheReference() throws {
        var generator = SeededGenerator(seed: 0xC4_0004)
        for round in 0..<60 {
            let key = StateSigningKey.generate(using: &generator)
            let other = StateSigningKey.generate(using: &generator)
            let state = randomState(&generator)
            for candidate in signatureCases(state, key: key, other: other) {
                let reread = try StateFile.decode(candidate.encoded())
                let reference = Result { () throws(StateSignatureError) in try reread.verifySignature(trusting: key.publicKey) }
                var bytes = candidate.encoded()
                let fast = Result { () throws(StateSignatureError) in
                    try reread.verifySignature(trusting: key.publicKey, consumingCanonicalBytes: &bytes)
                }
                switch (reference, fast) {
                case (.success, .success): break
                case (.failure(let a), .failure(let b)): XCTAssertEqual(a, b, "round \(round)")
                default: XCTFail("round \(round): reference \(reference), fast path \(fast)")
                }
            }
            XCTAssertNoThrow(try StateFile.decode(state.signed(with: key).encoded()).verifySignature(trusting: key.publicKey))
        }
    }

    /// `signedEncoding(with:)` (one encode, signed in place) gives what `signed(with:)` then
    /// `encoded()` give: the same bytes for the state it returns, a valid signature over them.
    func testSigningWhileEncodingOnceAnswersAsTheReference() throws {
        var generator = SeededGenerator(seed: 0xC4_0005)
        for round in 0..<200 {
            let key = StateSigningKey.generate(using: &generator)
            var state = randomState(&generator)
            if round % 3 == 0 { state = state.signed(with: .generate(using: &generator)) }  // an old block is replaced
            let (signed, bytes) = state.signedEncoding(with: key)
            XCTAssertEqual(bytes, signed.encoded(), "round \(round)")
            XCTAssertEqual(signed.withoutSignature, state.withoutSignature, "round \(round)")
            XCTAssertEqual(signed.signature?.publicKey, key.publicKey.base64, "round \(round)")
            XCTAssertEqual(signed.signingPayload, state.signed(with: key).signingPayload, "round \(round)")
            let reread = try StateFile.decode(bytes)
            XCTAssertEqual(reread, signed.normalized, "round \(round)")
            XCTAssertNoThrow(try reread.verifySignature(trusting: key.publicKey), "round \(round)")
        }
    }

    /// The repository reader's check over the file's bytes, then `StateTrust.refusal(of:path:)`,
    /// refuses exactly what the reference check (encoding the state again) refuses, saying the same.
    func testTheReadersSignatureCheckAnswersAsTheReference() throws {
        var generator = SeededGenerator(seed: 0xC4_0006)
        for round in 0..<60 {
            let key = StateSigningKey.generate(using: &generator)
            let other = StateSigningKey.generate(using: &generator)
            let state = randomState(&generator)
            for trust in [StateTrust.signer(key.publicKey), .signer(other.publicKey), .unsigned] {
                for candidate in signatureCases(state, key: key, other: other) {
                    var bytes = candidate.encoded()
                    let reread = try StateFile.decode(bytes)
                    let signer = RepositoryReader.signer(of: reread, verifiedOver: &bytes, trust: trust)
                    let snapshot = RepositorySnapshot(
                        state: reread, stateExists: true, continuation: RepositoryHistory.Continuation(following: reread),
                        verifiedSigner: signer)
                    XCTAssertEqual(trust.refusal(of: snapshot, path: "s.json"),
                                   trust.refusal(of: reread, exists: true, path: "s.json"), "round \(round)")
                }
            }
        }
    }

    /// `StateFile.decode(_:signedBy:)` (read once, no canonical comparison when the trusted
    /// signature is valid over the bytes) against the reference (`decode`, then the signature
    /// check that encodes the state again), on random states, every signature case and damaged
    /// or re-spelled bytes: it answers only when the reference accepts the same state with a
    /// valid signature by that signer; otherwise it leaves the bytes exactly as they were.
    func testDecodingSignedBytesAnswersAsTheReference() throws {
        var generator = SeededGenerator(seed: 0xC4_0007)
        var accepted = 0, declined = 0
        for round in 0..<80 {
            let key = StateSigningKey.generate(using: &generator)
            let other = StateSigningKey.generate(using: &generator)
            let state = randomState(&generator)
            var candidates = signatureCases(state, key: key, other: other).map { $0.encoded() }
            let good = state.signed(with: key).encoded()
            var flipped = good
            flipped[Int.random(in: 0..<flipped.count, using: &generator)] ^= 0x01
            var spaced = good
            spaced.insert(UInt8(ascii: " "), at: Int.random(in: 0..<spaced.count, using: &generator))
            let text = String(decoding: good, as: UTF8.self)
            let close = try XCTUnwrap(text.range(of: "\n  },\n", range: try XCTUnwrap(text.range(of: "\"signature\": {")).upperBound..<text.endIndex))
            let slipped = Data(text.replacingCharacters(
                in: close, with: "\n  }, \"log\": {\"events\": 9, \"head\": \"sha256:\(String(repeating: "0", count: 64))\"\n  },\n").utf8)
            candidates += [flipped, spaced, slipped, try JSONEncoder().encode(state.signed(with: key)), Data()]
            for (index, bytes) in candidates.enumerated() {
                for trusted in [key.publicKey, other.publicKey] {
                    let reference: StateFile? = (try? StateFile.decode(bytes)).flatMap { decoded in
                        (try? decoded.verifySignature(trusting: trusted)) != nil ? decoded : nil
                    }
                    var consumed = bytes
                    if let fast = StateFile.decode(&consumed, signedBy: trusted) {
                        accepted += 1
                        XCTAssertEqual(fast, reference, "round \(round), candidate \(index)")
                    } else {
                        declined += 1
                        XCTAssertEqual(consumed, bytes, "left untouched, round \(round), candidate \(index)")
                        // The reader's fast path is taken for every state the signer wrote.
                        XCTAssertFalse(index == 1 && trusted == key.publicKey, "round \(round): a good state declined")
                    }
                    if reference == nil {
                        var again = bytes
                        XCTAssertNil(StateFile.decode(&again, signedBy: trusted), "round \(round), candidate \(index)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(accepted, 0)
        XCTAssertGreaterThan(declined, accepted)
    }

    /// Through the repository reader: a state signed by the trusted key is read without a
    /// second encoding and still counts as verified; a tampered one (content changed after
    /// signing, or the signature from another key) is refused by `StateTrust` as before.
    func testTheRepositoryReaderStillRefusesTamperedSignedStates() throws {
        var generator = SeededGenerator(seed: 0xC4_0008)
        let key = StateSigningKey.generate(using: &generator)
        let other = StateSigningKey.generate(using: &generator)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signed-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let layout = ApplyLayout(statePath: directory.appendingPathComponent("s.json").path,
                                 sealedDirectory: directory.appendingPathComponent("sealed").path,
                                 auditLogPath: directory.appendingPathComponent("a.jsonl").path)
        for round in 0..<20 {
            var state = randomState(&generator)
            state.log = nil
            let trust = StateTrust.signer(key.publicKey)
            var tampered = state.signed(with: key)
            tampered.serial += 1
            for (candidate, valid) in [(state.signed(with: key), true), (tampered, false), (state.signed(with: other), false)] {
                try candidate.encoded().write(to: URL(fileURLWithPath: layout.statePath))
                let snapshot = try RepositoryReader.read(layout, storage: FileSystemStorage(), trusting: trust)
                XCTAssertEqual(snapshot.state, candidate.normalized, "round \(round)")
                XCTAssertEqual(snapshot.verifiedSigner, valid ? key.publicKey : nil, "round \(round)")
                XCTAssertEqual(trust.refusal(of: snapshot, path: layout.statePath) == nil, valid, "round \(round)")
                XCTAssertEqual(trust.refusal(of: snapshot, path: layout.statePath),
                               trust.refusal(of: candidate.normalized, exists: true, path: layout.statePath), "round \(round)")
            }
        }
    }
}
