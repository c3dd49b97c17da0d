import Foundation
import Manifest
import PlanRendering
import XCTest
@testable import Reconciler
import TestSupport

/// `rotate_every`, `protect` and the revocation limit, through the pure planner and apply
/// engine: due rotations, what protection refuses (and what it does not), and how both reach
/// the state and the audit events.
final class KeyPolicyTests: XCTestCase {
    typealias F = Fixture

    private func key(
        _ name: String, line: Int = 10, rotate: Int = 0, every: String? = nil, grace: String? = nil,
        protect: Bool = false, active: Bool = true, expiration: Expiration? = nil
    ) -> KeyDeclaration {
        var key = F.key(name, line: line, expiration: expiration, active: active, rotate: rotate, grace: grace)
        key.rotateEvery = every.map { Located(Period(parsing: $0)!, at: F.at(line + 7, 23)) }
        key.protect = protect
        return key
    }

    private func record(_ id: String, name: String, team: String = "payments", generation: Int = 0,
                        dueAt: String? = nil, protected: Bool = false, status: KeyStatus = .active,
                        revokeAfter: String? = nil) -> KeyRecord {
        var record = F.record(KeyID.test(id), team: team, name: name, generation: generation, status: status,
                              revokeAfter: revokeAfter)
        record.rotateDueAt = dueAt.map(F.date)
        record.protected = protected
        return record
    }

    private func team(_ name: String = "payments", protect: Bool = false, keys: [KeyDeclaration]) -> Team {
        var team = F.team(name, keys: keys)
        team.protect = protect
        return team
    }

    private func teamRecord(_ name: String = "payments", protected: Bool = false) -> TeamRecord {
        var record = F.teamRecord(name)
        record.protected = protected
        return record
    }

    private func plan(_ teams: [Team], _ keys: [KeyRecord], teamRecords: [TeamRecord]? = nil, now: Date = F.now)
        -> (plan: Plan, diagnostics: [Diagnostic]) {
        let state = F.state(teams: teamRecords ?? [teamRecord()], keys: keys)
        return Planner.plan(manifest: F.manifest(teams), state: state, now: now)
    }

    // MARK: rotate_every

    /// The record is created 2026-10-01T09:00:00Z; the clock is 2026-11-25T12:00:00Z (55 days on).
    func testScheduleTable() {
        let created = F.date("2026-10-01T09:00:00Z")
        struct Case {
            var name: String
            var key: KeyDeclaration
            var record: KeyRecord
            var actions: [KeyAction]
            var reason: KeyChange.Reason?
            var generation: Int?
            var changes: [KeyFieldChange]
        }
        let cases: [Case] = [
            Case(name: "due: rotated on its own, generation kept",
                 key: key("api", every: "30d"), record: record("a", name: "api", dueAt: "2026-10-31T09:00:00Z"),
                 actions: [.rotate], reason: .due, generation: 0, changes: []),
            Case(name: "due at exactly now",
                 key: key("api", every: "1323h"), record: record("a", name: "api", dueAt: "2026-11-25T12:00:00Z"),
                 actions: [.rotate], reason: .due, generation: 0, changes: []),
            Case(name: "due although the state recorded no schedule yet",
                 key: key("api", every: "7d"), record: record("a", name: "api"),
                 actions: [.rotate], reason: .due, generation: 0, changes: []),
            Case(name: "due and rotate raised: one rotation, the manifest's",
                 key: key("api", rotate: 1, every: "30d"), record: record("a", name: "api", dueAt: "2026-10-31T09:00:00Z"),
                 actions: [.rotate], reason: nil, generation: 1, changes: [.generation(old: 0, new: 1)]),
            Case(name: "a rotation after earlier scheduled ones keeps rotate above the generation",
                 key: key("api", rotate: 3, every: "90d"), record: record("a", name: "api", generation: 2, dueAt: "2026-12-30T09:00:00Z"),
                 actions: [.rotate], reason: nil, generation: 3, changes: [.generation(old: 2, new: 3)]),
            Case(name: "not yet due: the due date is recorded",
                 key: key("api", every: "90d"), record: record("a", name: "api"),
                 actions: [.update], reason: nil, generation: nil,
                 changes: [.rotateDueAt(old: nil, new: created.addingTimeInterval(90 * 86_400))]),
            Case(name: "schedule dropped: the due date goes",
                 key: key("api"), record: record("a", name: "api", dueAt: "2026-12-30T09:00:00Z"),
                 actions: [.update], reason: nil, generation: nil,
                 changes: [.rotateDueAt(old: F.date("2026-12-30T09:00:00Z"), new: nil)]),
            Case(name: "inactive: not rotated while inactive",
                 key: key("api", every: "30d", active: false), record: record("a", name: "api", dueAt: "2026-10-31T09:00:00Z", status: .inactive),
                 actions: [], reason: nil, generation: nil, changes: []),
            Case(name: "expired at a fixed date: noted, not rotated",
                 key: key("api", every: "30d", expiration: .at(F.date("2026-11-20T23:59:59Z"))),
                 record: {
                     var r = record("a", name: "api", dueAt: "2026-10-31T09:00:00Z")
                     r.expiresAt = F.date("2026-11-20T23:59:59Z")
                     return r
                 }(),
                 actions: [], reason: nil, generation: nil, changes: []),
        ]
        for c in cases {
            let (p, diagnostics) = plan([team(keys: [c.key])], [c.record])
            XCTAssertFalse(diagnostics.hasErrors, "\(c.name): \(diagnostics)")
            XCTAssertEqual(diagnostics.map(\.code).filter { $0 == "rotate-lowered" }, [], c.name)
            XCTAssertEqual(p.keyChanges.flatMap(\.actions), c.actions, c.name)
            guard let change = p.keyChanges.first else { continue }
            XCTAssertEqual(change.reason, c.reason, c.name)
            XCTAssertEqual(change.newKey?.generation, c.generation, c.name)
            XCTAssertEqual(change.changes, c.changes, c.name)
            if change.actions == [.rotate] {
                XCTAssertEqual(change.keyID, c.record.id, c.name)
                XCTAssertEqual(change.revocation, Revocation(reason: .rotated), c.name)
                XCTAssertEqual(change.newKey?.rotateEvery, c.key.rotateEvery?.value, c.name)
            }
        }
    }

    func testDueRotationHonoursRotateGrace() {
        let (p, _) = plan([team(keys: [key("api", every: "30d", grace: "24h")])],
                          [record("a", name: "api", dueAt: "2026-10-31T09:00:00Z")])
        XCTAssertEqual(p.keyChanges.first?.revocation, Revocation(reason: .rotated, grace: Period(parsing: "24h")))
        XCTAssertEqual(p.keyChanges.first?.reason, .due)
    }

    func testRetiringKeyOfADueRotationIsNotDueAgain() {
        // After a due rotation with grace: the old key retires, the new one is 1 day old.
        var new = record("b", name: "api", dueAt: "2026-12-24T12:00:00Z")
        new.createdAt = F.date("2026-11-24T12:00:00Z")
        let old = record("a", name: "api", dueAt: "2026-10-31T09:00:00Z", revokeAfter: "2026-11-26T12:00:00Z")
        let (p, diagnostics) = plan([team(keys: [key("api", every: "30d", grace: "48h")])], [old, new])
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(p.keyChanges, [])
    }

    func testApplyRecordsTheScheduleAndTheDueReason() throws {
        var harness = ApplyHarness()
        let first = harness.payments("""
                  - name: api
                    rotate_every: 30d
                    protect: true
            """)
        let (_, created) = try harness.apply(first, to: .empty)
        let minted = try XCTUnwrap(created.state.keys.first)
        XCTAssertEqual(minted.rotateDueAt, F.now.addingTimeInterval(30 * 86_400))
        XCTAssertTrue(minted.protected)
        XCTAssertEqual(created.events.first?.changes["rotate_due_at"],
                       AuditChange(from: .null, to: .string("2026-12-25T12:00:00Z")))
        XCTAssertEqual(created.events.first?.changes["protected"], AuditChange(from: .null, to: .bool(true)))

        // 31 days on, the same manifest rotates the key, reason "due".
        let later = F.now.addingTimeInterval(31 * 86_400)
        let (plan, rotated) = try harness.apply(first, to: created.state, at: later)
        XCTAssertEqual(plan.keyChanges.map(\.reason), [.due])
        let old = try XCTUnwrap(rotated.state.key(id: minted.id))
        XCTAssertEqual(old.status, .revoked)
        XCTAssertEqual(old.revokedReason, .rotated)
        let successor = try XCTUnwrap(rotated.state.keys.first { $0.isCurrent })
        XCTAssertEqual(successor.generation, 0)
        XCTAssertEqual(successor.rotateDueAt, later.addingTimeInterval(30 * 86_400))
        XCTAssertTrue(successor.protected, "a rotation keeps the key protected")
        XCTAssertEqual(rotated.events.map(\.event), [.keyRotated])
        XCTAssertEqual(rotated.events.first?.changes["reason"], AuditChange(from: .null, to: .string("due")))
        // And the state round-trips through its canonical bytes.
        XCTAssertEqual(try StateFile.decode(rotated.state.oneFile.encoded()), rotated.state.oneFile)
        // Then nothing is due.
        XCTAssertFalse(harness.plan(first, rotated.state, at: later).hasChanges)
    }

    // MARK: protect

    func testProtectionTable() {
        struct Case {
            var name: String
            var teams: [Team]
            var keys: [KeyRecord]
            var teamRecords: [TeamRecord]
            var errors: [String]
        }
        let protectedKey = record("a", name: "api", protected: true)
        let cases: [Case] = [
            Case(name: "protected key removed from the manifest", teams: [team(keys: [])],
                 keys: [protectedKey], teamRecords: [teamRecord()], errors: ["key-protected"]),
            Case(name: "flag and key removed in one change", teams: [team(keys: [key("other")])],
                 keys: [protectedKey], teamRecords: [teamRecord()], errors: ["key-protected"]),
            Case(name: "team of a protected key removed", teams: [],
                 keys: [protectedKey], teamRecords: [teamRecord()], errors: ["key-protected"]),
            Case(name: "protected team removed", teams: [],
                 keys: [record("a", name: "api")], teamRecords: [teamRecord(protected: true)], errors: ["team-protected"]),
            Case(name: "protected team and its protected key removed", teams: [],
                 keys: [protectedKey], teamRecords: [teamRecord(protected: true)], errors: ["key-protected", "team-protected"]),
            Case(name: "protected team without keys removed", teams: [],
                 keys: [], teamRecords: [teamRecord(protected: true)], errors: ["team-protected"]),
            Case(name: "unprotected key removed", teams: [team(keys: [])],
                 keys: [record("a", name: "api")], teamRecords: [teamRecord()], errors: []),
            Case(name: "protected key rotated: allowed", teams: [team(keys: [key("api", rotate: 1, protect: true)])],
                 keys: [protectedKey], teamRecords: [teamRecord()], errors: []),
            Case(name: "protected key's old generation leaves after its grace: allowed",
                 teams: [team(keys: [key("api", protect: true)])],
                 keys: [record("a", name: "api", protected: true, revokeAfter: "2026-11-20T00:00:00Z"),
                        record("b", name: "api", protected: true)],
                 teamRecords: [teamRecord()], errors: []),
            Case(name: "protected key deactivated: allowed", teams: [team(keys: [key("api", protect: true, active: false)])],
                 keys: [protectedKey], teamRecords: [teamRecord()], errors: []),
        ]
        for c in cases {
            let (p, diagnostics) = plan(c.teams, c.keys, teamRecords: c.teamRecords)
            XCTAssertEqual(diagnostics.filter { $0.severity == .error }.map(\.code).sorted(), c.errors, c.name)
            for d in diagnostics where d.severity == .error {
                XCTAssertTrue(d.hint?.contains("protect") == true, "\(c.name): \(d)")
            }
            if c.errors.isEmpty { XCTAssertTrue(p.hasChanges || c.keys.isEmpty, c.name) }
        }
    }

    func testProtectedRefusalNamesTheKeyAndWhatToDo() throws {
        let (_, diagnostics) = plan([team(keys: [])], [record("a", name: "api", protected: true)])
        let error = try XCTUnwrap(diagnostics.first)
        XCTAssertEqual(error.code, "key-protected")
        XCTAssertEqual(error.message, "key payments/api (\(KeyID.test("a").rawValue)) is protected, but this plan would revoke it: its entry is gone from the manifest")
        XCTAssertEqual(error.hint, "keep the key; or first remove `protect: true` from it in a change of its own and apply that, then revoke it")
        let (_, team) = plan([], [record("a", name: "api"), record("b", name: "web")], teamRecords: [teamRecord(protected: true)])
        XCTAssertEqual(team.map(\.message), ["team payments is protected, but this plan would remove it and revoke its 2 live keys"])
    }

    func testProtectFlagChangesAreUpdates() {
        let (on, _) = plan([team(protect: true, keys: [key("api", protect: true)])], [record("a", name: "api")])
        XCTAssertEqual(on.keyChanges.map(\.actions), [[.update]])
        XCTAssertEqual(on.keyChanges.first?.changes, [.protected(old: false, new: true)])
        XCTAssertEqual(on.teamChanges.map(\.action), [.update])
        XCTAssertEqual(on.teamChanges.first?.changedFields, ["protected"])
        XCTAssertEqual(on.teamChanges.first?.after?.protected, true)

        let (off, diagnostics) = plan([team(keys: [key("api")])], [record("a", name: "api", protected: true)],
                                      teamRecords: [teamRecord(protected: true)])
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(off.keyChanges.first?.changes, [.protected(old: true, new: false)])
        XCTAssertEqual(off.teamChanges.first?.after?.protected, false)
    }

    func testApplyRecordsProtectChangesInStateAndAudit() throws {
        var harness = ApplyHarness()
        let (_, created) = try harness.apply(harness.payments("      - name: api"), to: .empty)
        let protectedManifest = harness.manifest("""
              payments:
                plan: enterprise
                owner: lead@example.com
                recipients: [RECIPIENT]
                protect: true
                keys:
                  - name: api
                    protect: true
            """)
        let (_, protected) = try harness.apply(protectedManifest, to: created.state)
        XCTAssertEqual(protected.state.keys.map(\.protected), [true])
        XCTAssertEqual(protected.state.teams.map(\.protected), [true])
        XCTAssertEqual(protected.events.map(\.event), [.keyUpdated])
        XCTAssertEqual(protected.events.first?.changes["protected"], AuditChange(from: .bool(false), to: .bool(true)))
        let text = String(decoding: protected.state.oneFile.encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains("\"protected\": true"), text)
        XCTAssertEqual(try StateFile.decode(protected.state.oneFile.encoded()), protected.state.oneFile)

        // Deleting the team now is refused by the planner.
        let (_, diagnostics) = Planner.plan(manifest: harness.manifest("  other:\n    plan: enterprise\n"), state: protected.state, now: F.now)
        XCTAssertEqual(diagnostics.map(\.code).sorted(), ["key-protected", "team-protected"])
    }

    /// The new fields are covered by the signature: un-protecting a key (or moving its due date)
    /// by editing the state is caught like any other edit, through the bytes and the fast reader.
    func testSignatureCoversProtectionAndSchedule() throws {
        var generator = SeededGenerator(seed: 7)
        let signingKey = StateSigningKey.generate(using: &generator)
        var state = F.state(teams: [teamRecord(protected: true)],
                            keys: [record("a", name: "api", dueAt: "2026-12-30T09:00:00Z", protected: true)])
        state.prefix = "thig"
        let signed = state.signed(with: signingKey)
        let bytes = signed.encoded()
        let reread = try StateFile.decode(bytes)
        XCTAssertEqual(reread, signed)
        XCTAssertNoThrow(try reread.verifySignature(trusting: signingKey.publicKey))
        var fast = bytes
        XCTAssertEqual(StateFile.decode(&fast, signedBy: signingKey.publicKey)?.keys.first?.protected, true)

        let text = String(decoding: bytes, as: UTF8.self)
        let flag = "      \"protected\": true,\n"
        let keyFlag = try XCTUnwrap(text.range(of: flag)), teamFlag = try XCTUnwrap(text.range(of: flag, options: .backwards))
        XCTAssertLessThan(keyFlag.lowerBound, try XCTUnwrap(text.range(of: "\"teams\"")).lowerBound, "keys come first")
        XCTAssertGreaterThan(teamFlag.lowerBound, try XCTUnwrap(text.range(of: "\"teams\"")).lowerBound)
        let edits = [
            text.replacingCharacters(in: keyFlag, with: ""),  // the key no longer protected
            text.replacingCharacters(in: teamFlag, with: ""),  // the team no longer protected
            text.replacingOccurrences(of: "2026-12-30T09:00:00Z", with: "2027-12-30T09:00:00Z"),
        ]
        for edited in edits {
            XCTAssertNotEqual(edited, text)
            let decoded = try StateFile.decode(Data(edited.utf8))
            XCTAssertThrowsError(try decoded.verifySignature(trusting: signingKey.publicKey)) { error in
                XCTAssertEqual(error as? StateSignatureError, .badSignature)
            }
            var data = Data(edited.utf8)
            XCTAssertNil(StateFile.decode(&data, signedBy: signingKey.publicKey))
        }
    }

    // MARK: revocation limit

    func testRevocationLimitCountsRevocationsAsTheSummaryDoes() throws {
        let keys = (0..<12).map { record(String(format: "k%02d", $0), name: "key-\($0)") }
        // Eleven removed, one rotated (not a revocation of the key).
        let (p, _) = plan([team(keys: [key("key-0", rotate: 1)])], keys)
        XCTAssertEqual(p.summary.revoke, 11)
        XCTAssertEqual(p.summary.rotate, 1)
        XCTAssertEqual(RevocationLimit.count(in: p), 11)
        XCTAssertEqual(RevocationLimit().maximum, 10)
        XCTAssertEqual(RevocationLimit().refusal(of: p)?.code, "revocation-limit")
        XCTAssertEqual(RevocationLimit().refusal(of: p)?.severity, .error)
        XCTAssertEqual(RevocationLimit().refusal(of: p)?.message, "this plan revokes 11 keys, more than the limit of 10")
        XCTAssertNil(RevocationLimit(maximum: 11).refusal(of: p))
        XCTAssertNotNil(RevocationLimit(maximum: 0).refusal(of: p))

        // The plan itself warns reviewers, past the limit it is made with.
        XCTAssertEqual(p.notes.filter { $0.kind == .revocationLimit }.map(\.message),
                       ["this plan revokes 11 keys, more than the limit of 10: apply will refuse it"])
        let note = try XCTUnwrap(p.notes.first { $0.kind == .revocationLimit })
        XCTAssertEqual(note.severity, .warning)
        XCTAssertEqual(note.team, "")
        XCTAssertEqual(note.hint, "check the revocations; if they are meant, apply with --max-revocations 11 (or set KEYSYNC_MAX_REVOCATIONS)")
        let raised = Planner.plan(manifest: F.manifest([team(keys: [key("key-0", rotate: 1)])]),
                                  state: F.state(teams: [teamRecord()], keys: keys), now: F.now,
                                  revocationLimit: RevocationLimit(maximum: 11)).plan
        XCTAssertFalse(raised.notes.contains { $0.kind == .revocationLimit })
        XCTAssertEqual(raised.actionable, p.actionable, "a note never changes what apply does")
        XCTAssertTrue(TextPlanRenderer.render(p).contains("Warning: this plan revokes 11 keys, more than the limit of 10: apply will refuse it\n"))
        XCTAssertTrue(MarkdownPlanRenderer.render(p).contains("> - this plan revokes 11 keys, more than the limit of 10: apply will refuse it — check the revocations"))
    }
}
