import AgeFormat
import Foundation
import PlanRendering
import Manifest
import Reconciler
import XCTest

/// `ApplyEngine.prepare`: every action carried out on the state, sealed and audited, with a
/// fixed clock and a seeded generator.
final class ApplyEngineTests: XCTestCase {
    private let later = Fixture.date("2026-12-01T08:30:00Z")

    private static let twoKeys = """
              - name: checkout-api
                description: Checkout
                rate_limit: 600
                expires: 2027-03-01
              - name: ledger-export
                expires_in: 90d
        """

    func testFirstApplyMintsSealsAndRecordsEveryNewKey() throws {
        var harness = ApplyHarness()
        let (plan, prepared) = try harness.apply(harness.payments(Self.twoKeys), to: .empty)
        XCTAssertTrue(prepared.hasChanges)
        let state = prepared.state
        XCTAssertEqual(state.serial, 1)
        XCTAssertEqual(state.prefix, "thig")
        let lineage = try XCTUnwrap(state.lineage)
        XCTAssertNotNil(UUID(uuidString: lineage), lineage)
        XCTAssertEqual(lineage, lineage.lowercased())
        XCTAssertEqual(state.teams, [TeamRecord(name: "payments", plan: "enterprise", apiAccess: true, owner: "lead@example.com",
                                                recipients: [RecipientText(rawValue: harness.identity.recipient.description)!])])
        XCTAssertEqual(state.keys.map(\.name), ["checkout-api", "ledger-export"])
        // Each creation event says who can open the key's sealed file.
        for event in prepared.events {
            XCTAssertEqual(event.changes["recipients"], AuditChange(from: .null, to: .strings([harness.identity.recipient.description])))
        }
        for key in state.keys {
            XCTAssertEqual(key.createdAt, Fixture.now)
            XCTAssertEqual(key.createdBy, "ci-bot")
            XCTAssertEqual(key.status, .active)
            XCTAssertEqual(key.sealedFile, "000001-payments.age")
            XCTAssertEqual(key.preview.prefix, "thig")
        }
        XCTAssertEqual(state.keys[0].expiresAt, Fixture.date("2027-03-01T23:59:59Z"))
        XCTAssertEqual(state.keys[0].rateLimit, 600)
        XCTAssertEqual(state.keys[0].description, "Checkout")
        // expires_in counts from the apply's clock, not the plan's.
        XCTAssertEqual(state.keys[1].expiresAt, Fixture.now.addingTimeInterval(90 * 86_400))
        XCTAssertEqual(state.keys[1].rateLimit, 60)

        XCTAssertEqual(prepared.sealedFiles.map(\.name), ["000001-payments.age"])
        XCTAssertEqual(prepared.sealedFiles[0].keyIDs, state.keys.map(\.id).sorted())
        let document = try harness.open(prepared.sealedFiles[0].ciphertext)
        XCTAssertEqual(document.format, "keysync-sealed-keys")
        XCTAssertEqual(document.version, 1)
        XCTAssertEqual(document.team, "payments")
        XCTAssertEqual(document.serial, 1)
        XCTAssertEqual(document.createdAt, Fixture.now)
        XCTAssertEqual(document.keys.map(\.name), ["checkout-api", "ledger-export"])
        for (entry, record) in zip(document.keys, state.keys) {
            XCTAssertEqual(entry.id, record.id)
            XCTAssertEqual(entry.team, "payments")
            XCTAssertEqual(entry.hash, record.hash)
            XCTAssertEqual(entry.expiresAt, record.expiresAt)
            XCTAssertEqual(entry.rateLimit, record.rateLimit)
        }
        XCTAssertNotEqual(document.keys[0].key, document.keys[1].key)

        XCTAssertEqual(prepared.events.map(\.event), [.keyCreated, .keyCreated])
        XCTAssertEqual(prepared.events.map(\.keyID), state.keys.map(\.id))
        XCTAssertEqual(prepared.events[0].serial, 1)
        XCTAssertEqual(prepared.events[0].actor, "ci-bot")
        XCTAssertEqual(prepared.events[0].commit, harness.context.commit)
        XCTAssertEqual(prepared.events[0].changes["rate_limit"], AuditChange(from: .null, to: 600))
        XCTAssertEqual(prepared.events[0].changes["expires_at"], AuditChange(from: .null, to: "2027-03-01T23:59:59Z"))
        XCTAssertEqual(prepared.events[0].changes["preview"], AuditChange(from: .null, to: .string(state.keys[0].preview.rawValue)))
        XCTAssertEqual(prepared.actionCounts, [.create: 2])
        XCTAssertEqual(plan.prefix, "thig")
    }

    func testTheNewStateReadsBackEqualEvenWithAFractionalClock() throws {
        var harness = ApplyHarness()
        let (_, prepared) = try harness.apply(
            harness.payments(Self.twoKeys), to: .empty, at: Fixture.now.addingTimeInterval(0.75))
        XCTAssertEqual(try prepared.state.readBack(), prepared.state)
        XCTAssertEqual(prepared.state.keys[0].createdAt, Fixture.now)
    }

    func testApplyIsIdempotentAndAPlanAfterItHasNoChanges() throws {
        var harness = ApplyHarness()
        let manifest = harness.payments(Self.twoKeys)
        let first = try harness.apply(manifest, to: .empty).prepared
        let (again, second) = try harness.apply(manifest, to: first.state, at: later)
        XCTAssertFalse(again.hasChanges)
        XCTAssertFalse(second.hasChanges)
        XCTAssertEqual(second.state, first.state)
        XCTAssertEqual(second.sealedFiles, [])
        XCTAssertEqual(second.events, [])
    }

    func testTheSameSeedGivesTheSameBytes() throws {
        var one = ApplyHarness(seed: 9), two = ApplyHarness(seed: 9), three = ApplyHarness(seed: 10)
        let a = try one.apply(one.payments(Self.twoKeys), to: .empty).prepared
        let b = try two.apply(two.payments(Self.twoKeys), to: .empty).prepared
        let c = try three.apply(three.payments(Self.twoKeys), to: .empty).prepared
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.state.keys.map(\.hash), c.state.keys.map(\.hash))
    }

    func testUpdateRenameDeactivateAndActivateSetExactlyThePlansFields() throws {
        var harness = ApplyHarness()
        let first = try harness.apply(harness.payments(Self.twoKeys), to: .empty).prepared
        let changed = harness.payments("""
                  - name: checkout
                    renamed_from: checkout-api
                    description: Checkout service
                    rate_limit: 900
                    expires: 2027-03-01
                  - name: ledger-export
                    expires_in: 90d
                    active: false
            """)
        let (plan, second) = try harness.apply(changed, to: first.state, at: later)
        XCTAssertEqual(plan.keyChanges.map(\.actions), [[.update, .rename], [.deactivate]])
        let state = second.state
        XCTAssertEqual(state.serial, 2)
        XCTAssertEqual(state.lineage, first.state.lineage)
        XCTAssertEqual(second.sealedFiles, [])
        let renamed = try XCTUnwrap(state.key(id: first.state.keys[0].id))
        var expected = first.state.keys[0]
        expected.name = "checkout"
        expected.description = "Checkout service"
        expected.rateLimit = 900
        XCTAssertEqual(renamed, expected)
        var deactivated = first.state.keys[1]
        deactivated.status = .inactive
        XCTAssertEqual(state.key(id: deactivated.id), deactivated)
        XCTAssertEqual(second.events.map(\.event), [.keyUpdated, .keyRenamed, .keyDeactivated])
        XCTAssertEqual(second.events[0].changes, [
            "description": AuditChange(from: "Checkout", to: "Checkout service"),
            "rate_limit": AuditChange(from: 600, to: 900),
        ])
        XCTAssertEqual(second.events[1].changes, ["name": AuditChange(from: "checkout-api", to: "checkout")])
        XCTAssertEqual(second.events[2].changes, ["status": AuditChange(from: "active", to: "inactive")])
        XCTAssertEqual(second.events.map(\.time), Array(repeating: later, count: 3))

        // Renamed back (with renamed_from) and reactivated.
        let back = harness.payments(Self.twoKeys.replacingOccurrences(
            of: "- name: checkout-api", with: "- name: checkout-api\n        renamed_from: checkout"))
        let (_, third) = try harness.apply(back, to: second.state, at: later)
        XCTAssertEqual(third.events.map(\.event), [.keyUpdated, .keyRenamed, .keyActivated])
        XCTAssertEqual(third.state.key(id: deactivated.id)?.status, .active)
        XCTAssertEqual(third.events[2].changes, ["status": AuditChange(from: "inactive", to: "active")])
    }

    func testRotationWithoutGraceRevokesTheOldKeyAtOnce() throws {
        var harness = ApplyHarness()
        let first = try harness.apply(harness.payments(Self.twoKeys), to: .empty).prepared
        let rotated = harness.payments(Self.twoKeys.replacingOccurrences(
            of: "expires_in: 90d", with: "expires_in: 90d\n        rotate: 1"))
        let (plan, second) = try harness.apply(rotated, to: first.state, at: later)
        XCTAssertEqual(plan.keyChanges.map(\.actions), [[.rotate]])
        let old = try XCTUnwrap(second.state.key(id: first.state.keys[1].id))
        XCTAssertEqual(old.status, .revoked)
        XCTAssertEqual(old.revokedAt, later)
        XCTAssertEqual(old.revokedReason, .rotated)
        XCTAssertNil(old.revokeAfter)
        let new = try XCTUnwrap(second.state.currentKey(team: "payments", name: "ledger-export"))
        XCTAssertNotEqual(new.id, old.id)
        XCTAssertNotEqual(new.hash, old.hash)
        XCTAssertEqual(new.generation, 1)
        XCTAssertEqual(new.createdAt, later)
        XCTAssertEqual(new.expiresAt, later.addingTimeInterval(90 * 86_400))
        XCTAssertEqual(new.sealedFile, "000002-payments.age")
        let document = try harness.open(try XCTUnwrap(second.sealedFiles.first).ciphertext)
        XCTAssertEqual(document.keys.map(\.id), [new.id])
        XCTAssertEqual(document.keys[0].hash, new.hash)
        XCTAssertEqual(second.events.map(\.event), [.keyRotated])
        XCTAssertEqual(second.events[0].keyID, new.id)
        XCTAssertEqual(second.events[0].changes["id"], AuditChange(from: .string(old.id.rawValue), to: .string(new.id.rawValue)))
        XCTAssertEqual(second.events[0].changes["old_key_status"], AuditChange(from: "active", to: "revoked"))
        XCTAssertEqual(second.events[0].changes["generation"], AuditChange(from: 0, to: 1))
    }

    func testRotationWithGraceKeepsTheOldKeyUntilALaterApplyRevokesIt() throws {
        var harness = ApplyHarness()
        let first = try harness.apply(harness.payments(Self.twoKeys), to: .empty).prepared
        let rotated = harness.payments(Self.twoKeys.replacingOccurrences(
            of: "expires_in: 90d", with: "expires_in: 90d\n        rotate: 1\n        rotate_grace: 24h"))
        let second = try harness.apply(rotated, to: first.state, at: later).prepared
        let oldID = first.state.keys[1].id
        let old = try XCTUnwrap(second.state.key(id: oldID))
        XCTAssertEqual(old.status, .active)
        XCTAssertEqual(old.revokeAfter, later.addingTimeInterval(86_400))
        XCTAssertTrue(old.isRetiring)
        XCTAssertEqual(second.events[0].changes["old_key_revoke_after"],
                       AuditChange(from: nil, to: "2026-12-02T08:30:00Z"))

        // Within the grace: nothing to do.
        let (during, _) = try harness.apply(rotated, to: second.state, at: later.addingTimeInterval(3_600))
        XCTAssertFalse(during.hasChanges)
        // After it: the old key is revoked, the new one untouched.
        let end = later.addingTimeInterval(86_400 + 60)
        let (plan, third) = try harness.apply(rotated, to: second.state, at: end)
        XCTAssertEqual(plan.keyChanges.map(\.actions), [[.revoke]])
        let revoked = try XCTUnwrap(third.state.key(id: oldID))
        XCTAssertEqual(revoked.status, .revoked)
        XCTAssertEqual(revoked.revokedAt, end)
        XCTAssertEqual(revoked.revokedReason, .rotationGraceEnded)
        XCTAssertEqual(third.sealedFiles, [])
        XCTAssertEqual(third.events.map(\.event), [.keyRevoked])
        XCTAssertEqual(third.events[0].changes["revoked_reason"], AuditChange(from: nil, to: "rotation-grace-ended"))
        XCTAssertEqual(third.state.currentKey(team: "payments", name: "ledger-export"),
                       second.state.currentKey(team: "payments", name: "ledger-export"))
    }

    func testRevokeLeavesATombstoneAndARecreatedKeyIsNew() throws {
        var harness = ApplyHarness()
        let first = try harness.apply(harness.payments(Self.twoKeys), to: .empty).prepared
        let onlyLedger = harness.payments("""
                  - name: ledger-export
                    expires_in: 90d
            """)
        let second = try harness.apply(onlyLedger, to: first.state, at: later).prepared
        let tombstone = try XCTUnwrap(second.state.key(id: first.state.keys[0].id))
        var expected = first.state.keys[0]
        expected.status = .revoked
        expected.revokedAt = later
        expected.revokedReason = .removedFromManifest
        XCTAssertEqual(tombstone, expected)
        XCTAssertEqual(second.events.map(\.event), [.keyRevoked])
        XCTAssertEqual(second.events[0].changes["status"], AuditChange(from: "active", to: "revoked"))

        let third = try harness.apply(harness.payments(Self.twoKeys), to: second.state, at: later).prepared
        XCTAssertEqual(third.events.map(\.event), [.keyCreated])
        let recreated = try XCTUnwrap(third.state.currentKey(team: "payments", name: "checkout-api"))
        XCTAssertNotEqual(recreated.id, tombstone.id)
        XCTAssertNotEqual(recreated.hash, tombstone.hash)
        XCTAssertEqual(third.state.key(id: tombstone.id), tombstone)
        XCTAssertEqual(third.state.keys.count, 3)
    }

    func testRemovingATeamRevokesItsKeysAndDropsItsRecord() throws {
        var harness = ApplyHarness()
        let two = harness.manifest("""
              payments:
                plan: enterprise
                recipients: [RECIPIENT]
                keys:
                  - name: checkout-api
              search:
                plan: starter
                recipients: [RECIPIENT]
                keys:
                  - name: indexer
            """)
        let first = try harness.apply(two, to: .empty).prepared
        XCTAssertEqual(first.sealedFiles.map(\.name), ["000001-payments.age", "000001-search.age"])
        XCTAssertEqual(try harness.open(first.sealedFiles[1].ciphertext).keys.map(\.name), ["indexer"])
        let one = harness.manifest("""
              payments:
                plan: enterprise
                recipients: [RECIPIENT]
                keys:
                  - name: checkout-api
            """)
        let (plan, second) = try harness.apply(one, to: first.state, at: later)
        XCTAssertEqual(plan.teamChanges.map(\.action), [.remove])
        XCTAssertEqual(second.state.teams.map(\.name), ["payments"])
        let indexer = try XCTUnwrap(second.state.keys.first { $0.name == "indexer" })
        XCTAssertEqual(indexer.status, .revoked)
        XCTAssertEqual(indexer.revokedReason, .teamRemoved)
        XCTAssertEqual(second.events.map(\.event), [.keyRevoked])
    }

    func testATeamOnlyChangeWritesStateButNoSealedFileOrEvent() throws {
        var harness = ApplyHarness()
        let first = try harness.apply(harness.payments(Self.twoKeys), to: .empty).prepared
        let moved = harness.payments(Self.twoKeys).teams
        var manifest = harness.payments(Self.twoKeys)
        manifest.teams = moved.map { team in
            var team = team
            team.owner = Located("new-lead@example.com", at: team.location)
            return team
        }
        let (plan, second) = try harness.apply(manifest, to: first.state, at: later)
        XCTAssertEqual(plan.teamChanges.map(\.action), [.update])
        XCTAssertTrue(second.hasChanges)
        XCTAssertEqual(second.state.serial, 2)
        XCTAssertEqual(second.state.teams[0].owner, "new-lead@example.com")
        XCTAssertEqual(second.sealedFiles, [])
        XCTAssertEqual(second.events, [])
    }

    func testArmoredSealedFilesDecryptToo() throws {
        var harness = ApplyHarness()
        let prepared = try harness.apply(harness.payments(Self.twoKeys), to: .empty, armor: true).prepared
        let file = try XCTUnwrap(prepared.sealedFiles.first)
        XCTAssertTrue(String(decoding: file.ciphertext, as: UTF8.self).hasPrefix("-----BEGIN AGE ENCRYPTED FILE-----\n"))
        XCTAssertEqual(try harness.open(file.ciphertext).keys.map(\.hash), prepared.state.keys.map(\.hash))
    }

    func testNoRawKeyInTheStateTheEventsOrTheRenderedPlan() throws {
        var harness = ApplyHarness()
        let (plan, prepared) = try harness.apply(harness.payments(Self.twoKeys), to: .empty)
        let raw = try harness.open(prepared.sealedFiles[0].ciphertext).keys.map(\.key)
        let eventBytes = prepared.auditLines + prepared.completionLine
        let texts = [
            String(decoding: prepared.state.encoded(), as: UTF8.self),
            String(decoding: eventBytes, as: UTF8.self),
            String(decoding: prepared.sealedFiles[0].ciphertext, as: UTF8.self),
            String(describing: prepared), String(reflecting: prepared),
        ] + PlanFormat.allCases.map { plan.rendered(as: $0) }
        for key in raw {
            let body = String(key.dropFirst("thig_".count))
            for text in texts {
                XCTAssertFalse(text.contains(body), "a raw key body leaked")
            }
        }
    }

    func testAPlanNotMadeFromThisStateIsRefused() throws {
        var harness = ApplyHarness()
        let first = try harness.apply(harness.payments(Self.twoKeys), to: .empty).prepared
        let changed = harness.payments(Self.twoKeys.replacingOccurrences(of: "rate_limit: 600", with: "rate_limit: 700"))
        let plan = harness.plan(changed, first.state)
        var edited = first.state
        edited.keys[0].rateLimit = 650
        XCTAssertThrowsError(try ApplyEngine.prepare(
            plan: plan, state: edited, now: later, context: harness.context, using: &harness.generator)) { error in
            XCTAssertEqual(error as? ApplyError, .planDoesNotMatchState(keyID: first.state.keys[0].id, field: "rate_limit"))
        }
        XCTAssertThrowsError(try ApplyEngine.prepare(
            plan: plan, state: .empty, now: later, context: harness.context, using: &harness.generator)) { error in
            XCTAssertEqual(error as? ApplyError, .unknownKey(first.state.keys[0].id))
        }
    }

    func testSealedFileNamesSortByApplyAndParseBack() {
        XCTAssertEqual(SealedFile.name(serial: 1, team: "payments"), "000001-payments.age")
        XCTAssertEqual(SealedFile.name(serial: 1_234_567, team: "a-b.c"), "1234567-a-b.c.age")
        XCTAssertEqual(SealedFile.parseName("000042-a-b.c.age")?.serial, 42)
        XCTAssertEqual(SealedFile.parseName("000042-a-b.c.age")?.team, "a-b.c")
        XCTAssertNil(SealedFile.parseName(".000042-x.age.tmp-1"))
        XCTAssertNil(SealedFile.parseName("42-x.age"))
        XCTAssertNil(SealedFile.parseName("README.md"))
        XCTAssertEqual(
            ApplyWriter.neverValid(names: ["000001-a.age", "000003-b.age", "000002-a.age", "notes.txt"], stateSerial: 1),
            ["000002-a.age", "000003-b.age"])
    }
}
