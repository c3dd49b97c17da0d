import Foundation
import XCTest
@testable import KeysyncCore
@testable import Reconciler
import TestSupport

/// The one-pass state reader is a fast path: whatever it returns must equal what the reference
/// `Codable` decoder returns, and it must decline (nil) anything it does not fully understand.
final class CanonicalStateReaderTests: XCTestCase {
    private func reference(_ text: String) throws -> StateFile {
        try CanonicalJSON.decoder().decode(StateFile.self, from: Data(text.utf8))
    }

    private func assertAgrees(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let fast = try XCTUnwrap(CanonicalStateReader.read(Data(text.utf8)), "declined", file: file, line: line)
        XCTAssertEqual(fast, try reference(text), file: file, line: line)
    }

    private func record(_ id: KeyID, description: String?, owner: String?, revoked: Bool = false) -> KeyRecord {
        KeyRecord(
            id: id, team: "pay-ments", name: "checkout.api", generation: 2,
            hash: KeyHash(rawValue: "sha256:" + String(repeating: "ab", count: 32))!, preview: KeyPreview(rawValue: "thig_G1x2...7kPm")!,
            createdAt: Date(timeIntervalSince1970: 1_790_000_000), createdBy: "ci bot",
            expiresAt: revoked ? nil : Date(timeIntervalSince1970: 1_800_000_000), rateLimit: 10_000,
            description: description, owner: owner, status: revoked ? .revoked : .active,
            revokedAt: revoked ? Date(timeIntervalSince1970: 1_795_000_000) : nil,
            revokedReason: revoked ? .removedFromManifest : nil,
            revokeAfter: nil, sealedFile: "000003-pay-ments.age")
    }

    func testEncodedStatesWithAwkwardTextReadAsTheReferenceReadsThem() throws {
        let awkward = ["plain", "", "quote \" and backslash \\ and slash /", "line\nbreak\ttab\r",
                       "control \u{01}\u{1F}\u{7F}", "C1 \u{85}\u{9F}", "naïve café ✓", "emoji 🔑👩‍💻", "\u{0}"]
        var keys: [KeyRecord] = []
        for (n, text) in awkward.enumerated() {
            keys.append(record(KeyID.test("a\(n)"), description: text, owner: n % 2 == 0 ? nil : text, revoked: n % 3 == 0))
        }
        let state = StateFile(
            lineage: "5c1f0a9e-2b7d-4c3e-9f10-0d7e6a1b2c3d", serial: 42, prefix: "thig",
            teams: [TeamRecord(name: "pay-ments", plan: "pro ✓", apiAccess: false, owner: "a\"b", contacts: awkward),
                    TeamRecord(name: "zeta", plan: "free", apiAccess: true)],
            keys: keys)
        let text = String(decoding: state.encoded(), as: UTF8.self)
        try assertAgrees(text)
        var signed = state
        signed.signature = StateSignature(algorithm: "ed25519", publicKey: "cHVibGlj", value: "c2lnbmF0dXJl")
        try assertAgrees(String(decoding: signed.encoded(), as: UTF8.self))
        XCTAssertEqual(CanonicalStateReader.read(signed.encoded())?.signature, signed.signature)
        XCTAssertEqual(CanonicalStateReader.read(state.encoded()), state.normalized)
        try assertAgrees(String(decoding: StateFile.empty.encoded(), as: UTF8.self))
    }

    func testHandWrittenSpellingsItAcceptsReadAsTheReferenceReadsThem() throws {
        // Compact layout, any field order, \u escapes with a surrogate pair, absent optionals.
        try assertAgrees(#"{"serial":0,"version":1,"keys":[],"teams":[{"plan":"p","name":"t\u00e9\ud83d\udd11\/","api_access":true}]}"#)
        try assertAgrees(#" {"version" : 1 , "serial" : -3 , "lineage" : null , "prefix" : null , "teams" : null} "#)
    }

    /// The typed fields (hash, preview, revocation reason, recipients) follow one rule in both
    /// readers: every value the types allow reads alike, and a value one refuses the other
    /// refuses too (the fast reader by declining, the reference decoder with an error).
    func testTypedFieldsAreAcceptedAndRefusedAlikeByBothReaders() throws {
        let recipient = RecipientText(rawValue: "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")!
        var keys: [KeyRecord] = []
        for (n, reason) in RevocationReason.allCases.enumerated() {
            var key = record(KeyID.test("r\(n)"), description: nil, owner: nil, revoked: true)
            key.revokedReason = reason
            key.hash = KeyHash.of(Array("key \(n)".utf8))
            keys.append(key)
        }
        let state = StateFile(
            lineage: "l", serial: 1, prefix: "thig",
            teams: [TeamRecord(name: "pay-ments", plan: "p", apiAccess: true, recipients: [recipient])], keys: keys)
        let text = String(decoding: state.encoded(), as: UTF8.self)
        try assertAgrees(text)
        XCTAssertEqual(try reference(text).keys.compactMap(\.revokedReason).sorted { $0.rawValue < $1.rawValue },
                       RevocationReason.allCases.sorted { $0.rawValue < $1.rawValue })

        let goodHash = keys[0].hash.rawValue
        let goodID = "\"\(keys[0].id.rawValue)\""
        let refused: [(String, String)] = [
            (goodID, "\"key_r0\""),
            (goodID, "\"key_pay0000000000000001\""),
            (goodID, goodID.uppercased()),
            (goodID, "\"kez_" + goodID.dropFirst(5)),
            (goodID, "\"" + keys[0].id.rawValue.dropLast() + "\""),
            (goodID, "\"" + keys[0].id.rawValue + "a\""),
            (goodHash, "sha256:" + String(repeating: "A", count: 64)),
            (goodHash, "sha256:abc"),
            (goodHash, "thig_ABCDEFGHIJKLMNOPQRSTUVWXYZa1b2c3"),
            ("\"thig_G1x2...7kPm\"", "\"thig_G1x2..7kPm\""),
            ("\"thig_G1x2...7kPm\"", "\"thig_ABCDEFGHIJKLMNOPQRSTUVWXYZa1b2c3\""),
            ("\"rotated\"", "\"rotated by hand\""),
            ("\"removed-from-manifest\"", "\"\""),
            (recipient.rawValue, "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"),
            (recipient.rawValue, String(recipient.rawValue.dropLast())),
            (recipient.rawValue, recipient.rawValue.uppercased()),
        ]
        for (good, bad) in refused {
            XCTAssertTrue(text.contains(good), good)
            let edited = text.replacingOccurrences(of: good, with: bad)
            XCTAssertNil(CanonicalStateReader.read(Data(edited.utf8)), bad)
            XCTAssertThrowsError(try reference(edited), bad)
            XCTAssertThrowsError(try StateFile.decode(Data(edited.utf8)), bad)
        }
    }

    /// Version 3's per-record fields (`rotate_due_at`, a key's and a team's `protected`) read
    /// alike in both readers, are written only when set, and a wrong type is refused by both.
    func testVersion3FieldsReadAsTheReferenceReadsThem() throws {
        var scheduled = record(KeyID.test("s"), description: nil, owner: nil)
        scheduled.rotateDueAt = Date(timeIntervalSince1970: 1_797_000_000)
        scheduled.protected = true
        var plain = record(KeyID.test("p"), description: "d", owner: nil, revoked: true)
        plain.hash = KeyHash.of(Array("plain".utf8))
        var team = TeamRecord(name: "pay-ments", plan: "p", apiAccess: true)
        team.protected = true
        let state = StateFile(lineage: "l", serial: 1, prefix: "thig",
                              teams: [team, TeamRecord(name: "zeta", plan: "p", apiAccess: true)], keys: [scheduled, plain])
        // Built in memory, a state is the one-file form (version 2); its records carry the
        // version 3 fields all the same (the sharded form holds these very record encodings).
        XCTAssertEqual(state.version, 2)
        let text = String(decoding: state.encoded(), as: UTF8.self)
        try assertAgrees(text)
        XCTAssertEqual(try StateFile.decode(Data(text.utf8)), state.normalized)
        // Only set values are written: one of each.
        XCTAssertEqual(text.components(separatedBy: "\"protected\": true").count - 1, 2, text)
        XCTAssertEqual(text.components(separatedBy: "\"rotate_due_at\"").count - 1, 1, text)

        for (good, bad) in [("\"protected\": true", "\"protected\": \"yes\""),
                            ("\"protected\": true", "\"protected\": 1"),
                            ("\"rotate_due_at\": \"", "\"rotate_due_at\": \"soon")] {
            let edited = text.replacingOccurrences(of: good, with: bad)
            XCTAssertNil(CanonicalStateReader.read(Data(edited.utf8)), bad)
            XCTAssertThrowsError(try reference(edited), bad)
        }
        // `false` spelled out is read alike, but is not the canonical spelling (which leaves it out).
        let spelled = text.replacingOccurrences(of: "\"protected\": true", with: "\"protected\": false")
        try assertAgrees(spelled)
        XCTAssertThrowsError(try StateFile.decode(Data(spelled.utf8)))
        // A version 2 state (no such fields) reads as unprotected and unscheduled.
        try assertAgrees(#"{"version":2,"serial":1,"teams":[{"name":"t","plan":"p","api_access":true}]}"#)
        XCTAssertEqual(CanonicalStateReader.read(Data(#"{"version":2,"serial":1,"teams":[{"name":"t","plan":"p","api_access":true}]}"#.utf8))?.teams.first?.protected, false)
    }

    func testItDeclinesWhatItDoesNotVouchFor() {
        let declined = [
            #"{"version":1,"serial":1,"serial":2}"#,  // duplicate field
            #"{"version":1,"serial":1,"extra":true}"#,  // unknown field
            #"{"version":1,"serial":1.0}"#,  // another spelling of a number
            #"{"version":1,"serial":1e2}"#,
            #"{"version":1,"serial":01}"#,
            #"{"version":4,"serial":1}"#,  // another version
            #"{"version":1}"#,  // a required field missing
            #"{"version":1,"serial":1} x"#,  // trailing text
            #"{"version":1,"serial":1,"lineage":"a\qb"}"#,  // a bad escape
            "{\"version\":1,\"serial\":1,\"lineage\":\"a\u{01}b\"}",  // a raw control character
            #"{"version":1,"serial":1,"lineage":"\udc00"}"#,  // a lone surrogate
            #"{"version":1,"serial":1,"teams":[{"name":"t","plan":"p"}]}"#,  // api_access missing
            #"{"version":1,"serial":1,"keys":[{"id":"key_a"}]}"#,
            #"{"version":1,"serial":1,"signature":{"algorithm":"ed25519","value":"x"}}"#,  // public_key missing
            "[1]", "", "{",
        ]
        for text in declined {
            XCTAssertNil(CanonicalStateReader.read(Data(text.utf8)), text)
        }
        XCTAssertNil(CanonicalStateReader.read(Data([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])), "invalid UTF-8")
    }
}
