import Foundation
import Reconciler
import XCTest

final class KeyVerifierTests: XCTestCase {
    typealias F = Fixture
    let now = Fixture.now  // 2026-11-25T12:00:00Z

    /// One state with every kind of key; labels name the raw keys.
    func makeState() -> MintedState {
        var minted = MintedState(teams: [
            F.teamRecord("payments", plan: "pro", owner: "lead@example.com", contacts: ["oncall@example.com"]),
            F.teamRecord("hobby", plan: "free", apiAccess: false),
        ])
        minted.add("checkout", team: "payments", name: "checkout-api", expiresAt: F.date("2027-03-01T23:59:59Z"),
                   rateLimit: 600, owner: "bob@example.com")
        minted.add("no-owner", team: "payments", name: "reports")
        minted.add("inactive", team: "payments", name: "batch", status: .inactive)
        minted.add("edge", team: "payments", name: "edge", expiresAt: now)
        minted.add("edge-later", team: "payments", name: "edge-later", expiresAt: now.addingTimeInterval(1))
        minted.add("gone-old", team: "payments", name: "gone", status: .revoked)
        minted.add("gone-new", team: "payments", name: "gone")
        minted.add("retiring", team: "payments", name: "rotating", revokeAfter: F.date("2026-11-25T13:00:00Z"))
        minted.add("successor", team: "payments", name: "rotating", generation: 1)
        minted.add("toy", team: "hobby", name: "toy")
        minted.add("orphan", team: "ghosts", name: "nobody")
        return minted
    }

    func code(_ result: VerificationResult) -> String { result.code.rawValue }

    func testEveryOutcomeOfAKnownKey() {
        let minted = makeState()
        let verifier = KeyVerifier(state: minted.state)
        XCTAssertEqual(verifier.prefix, "thig")
        XCTAssertEqual(verifier.count, minted.state.keys.count)
        let table: [(label: String, at: Date, code: VerificationCode, status: Int)] = [
            ("checkout", now, .valid, 200),
            ("no-owner", now, .valid, 200),
            ("inactive", now, .keyDeactivated, 401),
            // Expiry is inclusive: at expires_at the key no longer works, a second before it does.
            ("edge", now, .keyExpired, 401),
            ("edge", now.addingTimeInterval(-1), .valid, 200),
            ("edge-later", now, .valid, 200),
            ("edge-later", now.addingTimeInterval(1), .keyExpired, 401),
            // A revoked and re-created name: the old key stays revoked, the new one works.
            ("gone-old", now, .keyRevoked, 401),
            ("gone-new", now, .valid, 200),
            // Rotation grace: the old key works until revoke_after, then is revoked.
            ("retiring", now, .valid, 200),
            ("retiring", F.date("2026-11-25T12:59:59Z"), .valid, 200),
            ("retiring", F.date("2026-11-25T13:00:00Z"), .keyRevoked, 401),
            ("successor", F.date("2026-11-25T13:00:00Z"), .valid, 200),
            ("toy", now, .apiAccessNotAvailable, 403),
            ("orphan", now, .apiAccessNotAvailable, 403),
        ]
        for row in table {
            let result = verifier.verify(minted.keys[row.label]!.reveal(), now: row.at)
            XCTAssertEqual(result.code, row.code, "key \(row.label) at \(Timestamp.format(row.at))")
            XCTAssertEqual(result.httpStatus, row.status, "key \(row.label)")
            XCTAssertEqual(result.isValid, row.code == .valid, "key \(row.label)")
            XCTAssertEqual(result.key?.preview, minted.keys[row.label]!.preview, "key \(row.label)")
        }
    }

    func testValidResultCarriesTheKeysDetails() throws {
        let minted = makeState()
        let verifier = KeyVerifier(state: minted.state)
        let record = try XCTUnwrap(minted.state.keys.first { $0.name == "checkout-api" })
        XCTAssertEqual(verifier.verify(minted.keys["checkout"]!.reveal(), now: now), .valid(VerifiedKey(
            id: record.id, team: "payments", name: "checkout-api", owner: "bob@example.com", rateLimit: 600,
            expiresAt: F.date("2027-03-01T23:59:59Z"), preview: record.preview)))
        // No key owner: the team's owner answers for it.
        XCTAssertEqual(verifier.verify(minted.keys["no-owner"]!.reveal(), now: now).key?.owner, "lead@example.com")
        XCTAssertEqual(verifier.verify(minted.keys["toy"]!.reveal(), now: now).message,
                       "team hobby's plan (free) does not include API access")
        XCTAssertEqual(verifier.verify(minted.keys["orphan"]!.reveal(), now: now).message,
                       "team ghosts is not in the state, so it has no API access")
        XCTAssertEqual(verifier.verify(minted.keys["edge"]!.reveal(), now: now).message,
                       "the key expired at 2026-11-25T12:00:00Z; ask its owner for a new key")
    }

    func testInvalidKeysAreRefusedWithTheirReason() {
        var minted = makeState()
        let verifier = KeyVerifier(state: minted.state)
        let key = minted.keys["checkout"]!.reveal()
        var badChecksum = Array(key.utf8)
        badChecksum[8] = badChecksum[8] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let unknown = minted.stranger().reveal()
        let foreign = minted.stranger(prefix: "othr").reveal()
        let table: [(label: String, presented: String, reason: InvalidKeyReason)] = [
            ("leading space", " " + key, .surroundingWhitespace),
            ("trailing newline", key + "\n", .surroundingWhitespace),
            ("tabs and CRLF", "\t" + key + "\r\n", .surroundingWhitespace),
            ("Bearer left in", "Bearer " + key, .bearerPrefixLeftIn),
            ("bearer, lower case, two spaces", "bearer  " + key + " ", .bearerPrefixLeftIn),
            ("another prefix", foreign, .otherPrefix(expected: "thig", found: "othr")),
            ("bad checksum", String(decoding: badChecksum, as: UTF8.self), .malformed(.badChecksum)),
            ("unknown", unknown, .unknownKey),
            ("empty", "", .malformed(.badFormat(.empty))),
            ("truncated", String(key.dropLast()), .malformed(.badFormat(.wrongLength(expected: 38, found: 37)))),
            ("space inside", String(key.prefix(10)) + " " + String(key.dropFirst(10)), .malformed(.badFormat(.whitespace))),
            ("Bearer and a broken key", "Bearer " + String(key.dropLast()), .malformed(.badFormat(.whitespace))),
            ("no separator", "thig", .malformed(.badFormat(.missingSeparator))),
        ]
        for row in table {
            let result = verifier.verify(row.presented, now: now)
            XCTAssertEqual(result, .invalid(row.reason), row.label)
            XCTAssertEqual(result.code, .invalidAPIKey, row.label)
            XCTAssertEqual(result.httpStatus, 401, row.label)
            XCTAssertNil(result.key, row.label)
            XCTAssertFalse(result.message.contains(key.dropFirst(5).prefix(10)), "\(row.label): the message quotes the key")
        }
        XCTAssertTrue(verifier.verify(" " + key, now: now).message.contains("check the key has no extra whitespace"))
        XCTAssertTrue(verifier.verify("Bearer " + key, now: now).message.contains("check the key has no extra whitespace"))
        XCTAssertEqual(verifier.verify(foreign, now: now).message,
                       "the key is not a key of this installation: it starts with 'othr_', keys here start with 'thig_'")
    }

    /// The allocation-free check of the hot path and `APIKey(parsing:)` must agree on every
    /// input: a mutated key either parses (then it is merely unknown) or is refused before lookup.
    func testFastFormatCheckAgreesWithTheParser() {
        let minted = makeState()
        let verifier = KeyVerifier(state: minted.state)
        let key = Array(minted.keys["checkout"]!.reveal().utf8)
        var generator = SeededGenerator(seed: 99)
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-+ .".utf8)
        var parsedCount = 0
        for _ in 0..<5000 {
            var bytes = key
            let edits = Int(generator.next() % 3) + 1
            for _ in 0..<edits {
                let position = Int(generator.next() % UInt64(bytes.count))
                bytes[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
            }
            if generator.next() % 7 == 0 { bytes.removeLast() }
            let text = String(decoding: bytes, as: UTF8.self)
            let parses = (try? APIKey(parsing: text, prefix: "thig")) != nil
            let result = verifier.verify(text, now: now)
            if parses {
                parsedCount += 1
                XCTAssertTrue(bytes == key ? result.isValid : result == .invalid(.unknownKey), "a mutation that parses was refused as malformed")
            } else if case .invalid(let reason) = result {
                XCTAssertNotEqual(reason, .unknownKey, "a mutation that does not parse reached the lookup")
            } else {
                XCTFail("a mutation that does not parse was accepted")
            }
        }
        XCTAssertGreaterThan(parsedCount, 0, "some mutations leave the key unchanged")
    }

    func testPrefixFallsBackToThePreviewsAndAnEmptyStateKnowsNoKey() {
        var minted = makeState()
        minted.state.prefix = nil
        let verifier = KeyVerifier(state: minted.state)
        XCTAssertEqual(verifier.prefix, "thig")
        XCTAssertTrue(verifier.verify(minted.keys["checkout"]!.reveal(), now: now).isValid)

        let empty = KeyVerifier(state: .empty)
        XCTAssertNil(empty.prefix)
        XCTAssertEqual(empty.verify(minted.stranger().reveal(), now: now), .invalid(.unknownKey))
    }

    func testAStateReadFromDiskVerifiesTheSame() throws {
        let minted = makeState()
        let verifier = KeyVerifier(state: try StateFile.decode(minted.state.encoded()))
        XCTAssertTrue(verifier.verify(minted.keys["checkout"]!.reveal(), now: now).isValid)
        XCTAssertEqual(verifier.verify(minted.keys["gone-old"]!.reveal(), now: now).code, .keyRevoked)
    }

    func testConditionAndExpiryNotices() {
        let minted = makeState()
        let conditions = Dictionary(uniqueKeysWithValues: minted.state.keys.map { ($0.id, KeyCondition($0, at: now)) })
        func condition(_ label: String) -> KeyCondition? {
            let preview = minted.keys[label]!.preview
            return minted.state.keys.first { $0.preview == preview }.flatMap { conditions[$0.id] }
        }
        XCTAssertEqual(condition("checkout"), .active)
        XCTAssertEqual(condition("inactive"), .inactive)
        XCTAssertEqual(condition("edge"), .expired)
        XCTAssertEqual(condition("edge-later"), .active)
        XCTAssertEqual(condition("gone-old"), .revoked)
        XCTAssertEqual(condition("retiring"), .active)
        XCTAssertEqual(KeyCondition(minted.state.keys.first { $0.revokeAfter != nil }!, at: F.date("2026-11-25T13:00:00Z")), .revoked)

        let notices = ExpiryNotice.notices(in: minted.state, now: now, within: 7 * 86_400)
        XCTAssertEqual(notices.map(\.key.name), ["edge", "edge-later"])
        XCTAssertEqual(notices.map(\.isExpired), [true, false])
        XCTAssertEqual(notices.first?.owner, "lead@example.com")
        XCTAssertEqual(notices.first?.contacts, ["oncall@example.com"])
        let wide = ExpiryNotice.notices(in: minted.state, now: now, within: 200 * 86_400)
        XCTAssertEqual(wide.map(\.key.name), ["edge", "edge-later", "checkout-api"])
        XCTAssertEqual(wide.last?.owner, "bob@example.com")
    }
}

/// A long-running verifier reloading the state never steps back: not to a lower serial, not
/// to another lineage.
final class StateFloorTests: XCTestCase {
    func testReloadingRefusesAnOlderStateAndAnotherLineage() throws {
        let current = StateFile(lineage: "aaaa", serial: 7)
        let verifier = KeyVerifier(state: current)
        XCTAssertEqual(verifier.floor, StateFloor(lineage: "aaaa", serial: 7))
        XCTAssertNoThrow(try KeyVerifier(state: StateFile(lineage: "aaaa", serial: 7), floor: verifier.floor))
        XCTAssertEqual(try KeyVerifier(state: StateFile(lineage: "aaaa", serial: 9), floor: verifier.floor).floor.serial, 9)
        XCTAssertThrowsError(try KeyVerifier(state: StateFile(lineage: "aaaa", serial: 6), floor: verifier.floor)) { error in
            XCTAssertEqual(error as? StateFloorError, .older(floor: verifier.floor, found: 6))
            XCTAssertEqual((error as? StateFloorError)?.code, "state-rolled-back")
        }
        XCTAssertThrowsError(try KeyVerifier(state: StateFile(lineage: "bbbb", serial: 8), floor: verifier.floor)) { error in
            XCTAssertEqual((error as? StateFloorError)?.code, "state-not-descendant")
        }
        XCTAssertNoThrow(try KeyVerifier(state: StateFile(lineage: "bbbb", serial: 1), floor: .none))
    }
}
