import Foundation
import Manifest
import XCTest
import Reconciler
import TestSupport

final class StateFileTests: XCTestCase {
    typealias F = Fixture

    let canonical = """
    {
      "keys": [
        {
          "created_at": "2026-10-01T09:00:00Z",
          "created_by": "ci",
          "description": "Checkout \\"v2\\"",
          "expires_at": "2027-03-01T23:59:59Z",
          "generation": 1,
          "hash": "sha256:\(String(repeating: "0a", count: 32))",
          "id": "key_aaaaaaaaaaaaaaaaaaaa",
          "name": "checkout-api",
          "owner": null,
          "preview": "thig_G1x2...7kPm",
          "rate_limit": 600,
          "revoke_after": null,
          "revoked_at": null,
          "revoked_reason": null,
          "sealed_file": "000003-payments.age",
          "status": "active",
          "team": "payments"
        }
      ],
      "lineage": "5c1f0a9e-2b7d-4c3e-9f10-0d7e6a1b2c3d",
      "prefix": "thig",
      "serial": 3,
      "teams": [
        {
          "api_access": true,
          "contacts": [
            "oncall@example.com"
          ],
          "name": "payments",
          "owner": "alice@example.com",
          "plan": "pro"
        }
      ],
      "version": 1
    }

    """

    func testCanonicalFileDecodesAndEncodesToTheSameBytes() throws {
        let state = try StateFile.decode(Data(canonical.utf8))
        XCTAssertEqual(state.serial, 3)
        XCTAssertEqual(state.keys.first?.description, "Checkout \"v2\"")
        XCTAssertEqual(state.keys.first?.expiresAt, F.date("2027-03-01T23:59:59Z"))
        XCTAssertNil(state.keys.first?.owner)
        XCTAssertEqual(state.teams.first?.contacts, ["oncall@example.com"])
        XCTAssertEqual(String(decoding: state.encoded(), as: UTF8.self), canonical)
    }

    func testEncodingSortsRecordsByTeamNameAndId() throws {
        let state = F.state(teams: [F.teamRecord("zeta"), F.teamRecord("alpha")], keys: [
            F.record(KeyID.test("2"), team: "zeta", name: "a"),
            F.record(KeyID.test("9"), team: "alpha", name: "b", status: .revoked),
            F.record(KeyID.test("1"), team: "alpha", name: "b"),
            F.record(KeyID.test("5"), team: "alpha", name: "a"),
        ])
        let decoded = try StateFile.decode(state.encoded())
        XCTAssertEqual(decoded.teams.map(\.name), ["alpha", "zeta"])
        XCTAssertEqual(decoded.keys.map(\.id), [KeyID.test("5"), KeyID.test("1"), KeyID.test("9"), KeyID.test("2")])
        XCTAssertEqual(decoded, state.normalized)
        // Byte-stable: whatever the input order, the same bytes.
        var shuffled = state
        shuffled.keys.reverse()
        shuffled.teams.reverse()
        XCTAssertEqual(shuffled.encoded(), state.encoded())
        XCTAssertEqual(decoded.encoded(), state.encoded())
        XCTAssertTrue(String(decoding: state.encoded(), as: UTF8.self).hasSuffix("}\n"))
    }

    func testEmptyStateEncodesWithNullLineage() {
        XCTAssertEqual(String(decoding: StateFile.empty.encoded(), as: UTF8.self), """
        {
          "keys": [],
          "lineage": null,
          "prefix": null,
          "serial": 0,
          "teams": [],
          "version": 2
        }

        """)
    }

    func testMissingFileIsTheEmptyState() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID().uuidString).json").path
        XCTAssertEqual(try StateFileReader.read(at: path), .empty)
    }

    func testReaderReadsAFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).json")
        try Data(canonical.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try StateFileReader.read(at: url.path).serial, 3)
    }

    func error(_ text: String) -> StateFileError? {
        do {
            _ = try StateFile.decode(Data(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    /// A revocation reason apply never writes, or a team recipient that is not `age1…`, is a
    /// malformed field named by its path; the recipient's value is not quoted (it could be a
    /// secret identity pasted into the wrong list).
    func testTypedTeamAndReasonFieldsNameTheirPath() {
        let recipient = F.recipientText.rawValue
        var state = F.state(teams: [F.teamRecord("payments")], keys: [F.record(KeyID.test("a"), name: "one", status: .revoked,
                                                                               revokedAt: "2026-11-01T00:00:00Z", revokedReason: .rotated)])
        state.prefix = "thig"
        let text = String(decoding: state.encoded(), as: UTF8.self)
        XCTAssertNil(error(text))
        let reason = error(text.replacingOccurrences(of: "\"rotated\"", with: "\"lost\""))
        XCTAssertEqual(reason?.code, "state-malformed")
        XCTAssertTrue(reason?.message.contains("keys[0].revoked_reason") == true, reason?.message ?? "")
        XCTAssertTrue(reason?.message.contains("rotation-grace-ended") == true, reason?.message ?? "")
        let secret = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
        let pasted = error(text.replacingOccurrences(of: recipient, with: secret))
        XCTAssertEqual(pasted?.code, "state-malformed")
        XCTAssertTrue(pasted?.message.contains("teams[0].recipients[0]") == true, pasted?.message ?? "")
        XCTAssertFalse(pasted?.message.contains(secret) == true, pasted?.message ?? "")
    }

    /// An id that is not `key_` and 20 characters a-z2-7 is a malformed field named by its path,
    /// as for the other typed fields (the value is not quoted).
    func testMalformedIDNamesItsPath() {
        for bad in ["key_pay0000000000000001", "key_aaaaaaaaaaaaaaaaaaa", "KEY_AAAAAAAAAAAAAAAAAAAA", ""] {
            let e = error(canonical.replacingOccurrences(of: "\"key_aaaaaaaaaaaaaaaaaaaa\"", with: "\"\(bad)\""))
            XCTAssertEqual(e?.code, "state-malformed", bad)
            XCTAssertTrue(e?.message.contains("keys[0].id") == true, e?.message ?? "")
            if !bad.isEmpty { XCTAssertFalse(e?.message.contains(bad) ?? true, e?.message ?? "") }
        }
    }

    func testSyntaxErrorHasLineAndColumn() {
        let broken = canonical.replacingOccurrences(of: "\"serial\": 3,", with: "\"serial\": 3,,")
        let e = error(broken)
        XCTAssertEqual(e?.code, "state-malformed")
        XCTAssertEqual(e?.line, 25)
        XCTAssertNotNil(e?.column)
        XCTAssertEqual(e?.diagnostic(file: "keysync.state.json").location?.line, 25)
    }

    func testWrongTypeNamesTheFieldPath() {
        let e = error(canonical.replacingOccurrences(of: "\"status\": \"active\"", with: "\"status\": \"paused\""))
        XCTAssertEqual(e?.code, "state-malformed")
        XCTAssertTrue(e?.message.contains("keys[0].status") == true, e?.message ?? "")
        let missing = error(canonical.replacingOccurrences(of: "\"serial\": 3,", with: ""))
        XCTAssertTrue(missing?.message.contains("no field \"serial\"") == true, missing?.message ?? "")
    }

    func testUnknownVersionIsRefusedBeforeTheShapeIsChecked() {
        let e = error("{\n  \"version\": 4,\n  \"something\": \"else\"\n}\n")
        XCTAssertEqual(e?.reason, .unsupportedVersion(4))
        XCTAssertEqual(e?.line, 2)
        XCTAssertEqual(e?.code, "state-version")
    }

    func testTwoLiveKeysWithOneTeamAndNameAreRefused() {
        let state = F.state(teams: [], keys: [
            F.record(KeyID.test("a"), name: "checkout"),
            F.record(KeyID.test("b"), name: "checkout", status: .inactive),
        ])
        let e = error(String(decoding: state.encoded(), as: UTF8.self))
        XCTAssertEqual(e?.reason, .duplicateLiveKey(team: "payments", name: "checkout", ids: [KeyID.test("a").rawValue, KeyID.test("b").rawValue]))
        XCTAssertEqual(e?.line, 29)  // the second record's "id" line
    }

    func testARetiringKeyBesideTheCurrentOneIsAllowed() {
        let state = F.state(teams: [], keys: [
            F.record(KeyID.test("a"), name: "checkout", revokeAfter: "2026-11-26T00:00:00Z"),
            F.record(KeyID.test("b"), name: "checkout", generation: 1),
            F.record(KeyID.test("c"), name: "checkout", status: .revoked),
        ])
        XCTAssertNil(error(String(decoding: state.encoded(), as: UTF8.self)))
    }

    func testDuplicateIdsAreRefused() {
        let state = F.state(teams: [], keys: [F.record(KeyID.test("a"), name: "one"), F.record(KeyID.test("a"), name: "two", status: .revoked)])
        var copy = state
        copy.keys[1].hash = F.hash(for: KeyID.test("other"))
        XCTAssertEqual(error(String(decoding: copy.encoded(), as: UTF8.self))?.reason, .duplicateID(KeyID.test("a").rawValue))
    }

    func testDuplicateHashesAreRefused() {
        var state = F.state(teams: [], keys: [F.record(KeyID.test("a"), name: "one"), F.record(KeyID.test("b"), name: "two")])
        state.keys[1].hash = state.keys[0].hash
        XCTAssertEqual(error(String(decoding: state.encoded(), as: UTF8.self))?.reason, .duplicateHash(ids: [KeyID.test("a").rawValue, KeyID.test("b").rawValue]))
    }

    func testMalformedHashIsRefusedWithoutQuotingIt() {
        let rawLookingKey = "thig_ABCDEFGHIJKLMNOPQRSTUVWXYZa1b2c3"
        for bad in [rawLookingKey, "sha256:" + String(repeating: "A", count: 64), "sha256:abc", "md5:" + String(repeating: "0", count: 64)] {
            let state = F.state(teams: [], keys: [F.record(KeyID.test("a"), name: "one")])
            let text = String(decoding: state.encoded(), as: UTF8.self)
                .replacingOccurrences(of: F.hash(for: KeyID.test("a")).rawValue, with: bad)
            let e = error(text)
            XCTAssertEqual(e?.reason, .invalidHash(id: KeyID.test("a").rawValue), bad)
            XCTAssertFalse(e?.message.contains(bad) == true)
            XCTAssertFalse(e?.diagnostic(file: "s.json").description.contains(bad) == true)
        }
    }

    func testPreviewThatCouldHoldAKeyIsRefusedWithoutQuotingIt() {
        for bad in ["thig_ABCDEFGHIJKLMNOPQRSTUVWXYZa1b2c3", "thig_G1x2..7kPm", "_G1x2...7kPm", "thig_G1x2...7kP!", ""] {
            let state = F.state(teams: [], keys: [F.record(KeyID.test("a"), name: "one")])
            let text = String(decoding: state.encoded(), as: UTF8.self)
                .replacingOccurrences(of: "\"\(F.preview(for: KeyID.test("a")))\"", with: "\"\(bad)\"")
            let e = error(text)
            XCTAssertEqual(e?.reason, .invalidPreview(id: KeyID.test("a").rawValue), bad)
            XCTAssertFalse(!bad.isEmpty && e?.message.contains(bad) == true)
        }
        XCTAssertNotNil(KeyPreview(rawValue: "thig_G1x2...7kPm"))
    }

    func testNotJSONAtAll() {
        XCTAssertEqual(error("")?.code, "state-malformed")
        XCTAssertEqual(error("version: 1\n")?.code, "state-malformed")
    }

    func testStringsAreEscapedByKeysyncsOwnRules() throws {
        var state = F.state(teams: [], keys: [F.record(KeyID.test("a"), name: "one")])
        let tricky = "a/b \"q\" back\\slash\nnew\tline\u{8}\u{7F} é 🔑 \u{2028}"
        state.keys[0].description = tricky
        let text = String(decoding: state.encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains(#""description": "a/b \"q\" back\\slash\nnew\tline\u0008\u007f é 🔑 \#u{2028}","#), text)
        XCTAssertEqual(try StateFile.decode(state.encoded()).keys[0].description, tricky)
    }
}
