import Foundation
import Manifest
import XCTest
@testable import KeysyncCore
@testable import Reconciler
import TestSupport

/// `scopes` and `allowed_ips` from keys.yaml through plan and apply into the state (version 3,
/// canonical, signed), the verifier's answers, and the audit trail of a change.
final class AccessLifecycleTests: XCTestCase {
    static let keys = """
              - name: reader
                scopes: [projects:read]
                allowed_ips: [203.0.113.0/24, "2001:db8::/32"]
              - name: admin
                scopes: [projects:*, "billing:read"]
              - name: locked
                scopes: []
                allowed_ips: []
              - name: open
        """

    func testApplyRecordsTheResolvedRulesAndTheVerifierEnforcesThem() throws {
        var harness = ApplyHarness()
        let (plan, prepared) = try harness.apply(harness.payments(Self.keys), to: .empty)
        let create = try XCTUnwrap(plan.keyChanges.first { $0.name == "reader" }?.newKey)
        XCTAssertEqual(create.scopes?.map(\.rawValue), ["projects:read"])
        XCTAssertEqual(create.allowedIPs?.map(\.description), ["203.0.113.0/24", "2001:db8::/32"])

        let state = prepared.state
        XCTAssertEqual(state.version, 3)
        func record(_ name: String) throws -> KeyRecord { try XCTUnwrap(state.keys.first { $0.name == name }) }
        XCTAssertEqual(try record("admin").scopes?.map(\.rawValue), ["billing:read", "projects:*"])
        XCTAssertNil(try record("admin").allowedIPs)
        XCTAssertEqual(try record("locked").scopes, [])
        XCTAssertEqual(try record("locked").allowedIPs, [])
        XCTAssertNil(try record("open").scopes)
        XCTAssertNil(try record("open").allowedIPs)

        // Creation events name the rules of a restricted key only.
        let events = Dictionary(uniqueKeysWithValues: prepared.events.map { ($0.name, $0) })
        XCTAssertEqual(events["reader"]?.changes["scopes"], AuditChange(from: .null, to: .strings(["projects:read"])))
        XCTAssertEqual(events["reader"]?.changes["allowed_ips"],
                       AuditChange(from: .null, to: .strings(["203.0.113.0/24", "2001:db8::/32"])))
        XCTAssertEqual(events["locked"]?.changes["allowed_ips"], AuditChange(from: .null, to: .strings([])))
        XCTAssertNil(events["open"]?.changes["scopes"])
        XCTAssertNil(events["open"]?.changes["allowed_ips"])

        // The state's bytes: canonical, read alike by both readers, signed and verified.
        let oneFile = state.oneFile  // the records' bytes, as each shard holds them
        let bytes = oneFile.encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("\"allowed_ips\": [\n        \"203.0.113.0/24\",\n        \"2001:db8::/32\"\n      ],"), text)
        XCTAssertTrue(text.contains("\"scopes\": [\n        \"billing:read\",\n        \"projects:*\"\n      ],"), text)
        XCTAssertEqual(try StateFile.decode(bytes), oneFile)
        XCTAssertEqual(CanonicalStateReader.read(bytes), try CanonicalJSON.decoder().decode(StateFile.self, from: bytes))
        var signingGenerator = SeededGenerator(seed: 9)
        let signingKey = StateSigningKey.generate(using: &signingGenerator)
        let (signed, signedBytes) = oneFile.signedEncoding(with: signingKey)
        XCTAssertNoThrow(try StateFile.decode(signedBytes).verifySignature(trusting: signingKey.publicKey))
        let tampered = String(decoding: signedBytes, as: UTF8.self).replacingOccurrences(of: "\"projects:read\"", with: "\"projects:*\"")
        XCTAssertThrowsError(try StateFile.decode(Data(tampered.utf8)).verifySignature(trusting: signingKey.publicKey))
        var consumed = signedBytes
        let streamed = try XCTUnwrap(try KeyVerifier.readingSigned(&consumed, trusting: signingKey.publicKey))
        XCTAssertTrue(streamed.verifier.hasSameIndex(as: KeyVerifier(state: signed)), "the streamed index keeps the policies")

        // Every outcome, through the raw keys of the sealed file.
        let document = try harness.open(prepared.sealedFiles[0].ciphertext)
        let raw = Dictionary(uniqueKeysWithValues: document.keys.map { ($0.name, $0.key) })
        let verifier = KeyVerifier(state: state)
        func ip(_ text: String) -> ClientAddress { .known(IPAddress(text)!) }
        func scope(_ text: String) -> Scope { try! Scope(requiring: text) }
        let table: [(key: String, access: AccessRequest, code: VerificationCode)] = [
            ("reader", AccessRequest(scope: scope("projects:read"), client: ip("203.0.113.9")), .valid),
            ("reader", AccessRequest(scope: scope("projects:read"), client: ip("203.0.113.255")), .valid),
            ("reader", AccessRequest(scope: scope("projects:read"), client: ip("203.0.114.0")), .ipNotAllowed),
            ("reader", AccessRequest(scope: scope("projects:read"), client: ip("::ffff:203.0.113.9")), .valid),
            ("reader", AccessRequest(scope: scope("projects:read"), client: ip("2001:db8:ffff::1")), .valid),
            ("reader", AccessRequest(scope: scope("projects:read"), client: ip("2001:db9::1")), .ipNotAllowed),
            ("reader", AccessRequest(scope: scope("projects:write"), client: ip("203.0.113.9")), .insufficientScope),
            // The address is checked first: from outside, the scope is not even looked at.
            ("reader", AccessRequest(scope: scope("projects:write"), client: ip("198.51.100.1")), .ipNotAllowed),
            ("reader", AccessRequest(scope: scope("projects:read"), client: .unknown), .ipNotAllowed),
            ("reader", AccessRequest(scope: nil, client: ip("203.0.113.9")), .valid),
            ("reader", .unchecked, .valid),
            ("admin", AccessRequest(scope: scope("projects:delete"), client: ip("198.51.100.1")), .valid),
            ("admin", AccessRequest(scope: scope("billing:read"), client: .unknown), .valid),
            ("admin", AccessRequest(scope: scope("billing:write"), client: .unknown), .insufficientScope),
            ("locked", AccessRequest(scope: scope("projects:read"), client: .notChecked), .insufficientScope),
            ("locked", AccessRequest(scope: nil, client: ip("127.0.0.1")), .ipNotAllowed),
            ("locked", .unchecked, .valid),
            ("open", AccessRequest(scope: scope("anything:at-all"), client: .unknown), .valid),
        ]
        for row in table {
            let result = verifier.verify(try XCTUnwrap(raw[row.key]), now: Fixture.now, access: row.access)
            XCTAssertEqual(result.code, row.code, "\(row.key) \(row.access)")
            XCTAssertEqual(result.httpStatus, row.code == .valid ? 200 : 403)
            XCTAssertEqual(result.key?.name, row.key)
            XCTAssertFalse(result.message.contains(try XCTUnwrap(raw[row.key])), "no raw key in a message")
        }
        let refused = verifier.verify(raw["reader"]!, now: Fixture.now,
                                      access: AccessRequest(scope: scope("projects:write"), client: ip("203.0.113.9")))
        XCTAssertEqual(refused.message, "the key does not grant scope projects:write; ask its owner for a key with that scope")
        let outside = verifier.verify(raw["reader"]!, now: Fixture.now, access: AccessRequest(client: ip("2001:DB9::1")))
        XCTAssertEqual(outside.message, "the key may not be used from 2001:db9::1; it is restricted to other addresses")
        // An unrestricted key never asks for the request's side at all.
        var asked = false
        _ = verifier.verify(raw["open"]!, now: Fixture.now) { asked = true; return .unchecked }
        XCTAssertFalse(asked)
        // The existing checks come first: a deactivated restricted key is deactivated.
        var inactive = state
        inactive.keys = inactive.keys.map { var k = $0; if k.name == "reader" { k.status = .inactive }; return k }
        XCTAssertEqual(KeyVerifier(state: inactive).verify(raw["reader"]!, now: Fixture.now,
                                                           access: AccessRequest(client: ip("10.0.0.1"))).code, .keyDeactivated)
    }

    func testAChangeOfRulesIsAnInPlaceUpdateWithItsAuditTrail() throws {
        var harness = ApplyHarness()
        let first = try harness.apply(harness.payments(Self.keys), to: .empty).prepared.state
        let changed = """
              - name: reader
                scopes: [projects:read, projects:write]
                allowed_ips: ["2001:db8::/32", 203.0.113.0/24]
              - name: admin
              - name: locked
                scopes: []
                allowed_ips: [198.51.100.7]
              - name: open
                scopes: [projects:read]
        """
        let (plan, prepared) = try harness.apply(harness.payments(changed), to: first)
        let byName = Dictionary(uniqueKeysWithValues: plan.keyChanges.map { ($0.name, $0) })
        XCTAssertEqual(Set(byName.keys), ["reader", "admin", "locked", "open"])
        for change in plan.keyChanges { XCTAssertEqual(change.actions, [.update], change.name) }
        // A reordered list is no change: only the added scope shows.
        XCTAssertEqual(byName["reader"]?.changes, [.scopes(old: [try Scope(parsing: "projects:read")],
                                                           new: [try Scope(parsing: "projects:read"), try Scope(parsing: "projects:write")])])
        XCTAssertEqual(byName["admin"]?.changes.map(\.field), ["scopes"])
        XCTAssertEqual(byName["locked"]?.changes, [.allowedIPs(old: [], new: [try IPAddressRange(parsing: "198.51.100.7")])])
        XCTAssertEqual(byName["open"]?.changes, [.scopes(old: nil, new: [try Scope(parsing: "projects:read")])])

        let events = Dictionary(uniqueKeysWithValues: prepared.events.map { ($0.name, $0) })
        XCTAssertEqual(prepared.events.map(\.event), [.keyUpdated, .keyUpdated, .keyUpdated, .keyUpdated])
        XCTAssertEqual(events["admin"]?.changes["scopes"], AuditChange(from: .strings(["billing:read", "projects:*"]), to: .null))
        XCTAssertEqual(events["locked"]?.changes["allowed_ips"], AuditChange(from: .strings([]), to: .strings(["198.51.100.7"])))
        XCTAssertEqual(events["open"]?.changes["scopes"], AuditChange(from: .null, to: .strings(["projects:read"])))
        let state = prepared.state
        XCTAssertNil(state.keys.first { $0.name == "admin" }?.scopes)
        XCTAssertEqual(state.keys.first { $0.name == "open" }?.scopes, [try Scope(parsing: "projects:read")])
        // The saved plan carries the changes and reads back to the same plan.
        XCTAssertEqual(try SavedPlan.decode(SavedPlan.encode(plan)), plan)
        // And the next plan has nothing to do.
        XCTAssertFalse(harness.plan(harness.payments(changed), state).hasChanges)
    }

    /// A state written before these fields (versions 1 and 2) reads as unrestricted and keeps
    /// its bytes; the next apply writes version 3.
    func testOlderStatesReadAsUnrestricted() throws {
        var harness = ApplyHarness()
        let open = "      - name: open\n"
        var old = try harness.apply(harness.payments(open), to: .empty).prepared.state
        old.version = 2
        let bytes = old.encoded()
        XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("scopes"))
        let read = try StateFile.decode(bytes)
        XCTAssertEqual(read.version, 2)
        XCTAssertNil(read.keys[0].accessPolicy)
        XCTAssertFalse(harness.plan(harness.payments(open), read).hasChanges)
        let next = try harness.apply(harness.payments(open + "      - name: second\n"), to: read).prepared.state
        XCTAssertEqual(next.version, 3)
    }

    /// Hand edits that break a rule are refused by both readers.
    func testTheStateRefusesBadRulesAndNonCanonicalSpellings() throws {
        var harness = ApplyHarness()
        let state = try harness.apply(harness.payments(Self.keys), to: .empty).prepared.state
        let text = String(decoding: state.oneFile.encoded(), as: UTF8.self)
        let edits: [(String, String)] = [
            ("\"projects:read\"", "\"Projects:read\""),
            ("\"projects:read\"", "\"projects\""),
            ("\"203.0.113.0/24\"", "\"203.0.113.1/24\""),
            ("\"203.0.113.0/24\"", "\"203.0.113.0/33\""),
            ("\"2001:db8::/32\"", "\"2001:DB8::/32\""),  // a second spelling of the same range
            ("\"2001:db8::/32\"", "\"fe80::%eth0/64\""),
        ]
        for (good, bad) in edits {
            XCTAssertTrue(text.contains(good), good)
            let edited = Data(text.replacingOccurrences(of: good, with: bad).utf8)
            XCTAssertThrowsError(try StateFile.decode(edited), bad)
        }
    }
}
