import Foundation
import PlanRendering
import Manifest
import XCTest
@testable import KeysyncCore
@testable import Reconciler
import TestSupport

/// Table tests of the pure diff: manifest + state + clock → plan.
final class PlannerTests: XCTestCase {
    typealias F = Fixture
    let payments = F.teamRecord("payments")

    func plan(_ manifest: Manifest, _ state: StateFile, now: Date = F.now, warnWithin: TimeInterval = Planner.defaultWarnWithin)
        -> (plan: Plan, diagnostics: [Diagnostic]) {
        Planner.plan(manifest: manifest, state: state, now: now, warnWithin: warnWithin)
    }

    // MARK: create

    func testEmptyStateCreatesTeamsAndKeysWithEverythingApplyNeeds() {
        let m = F.manifest([F.team("payments", contacts: ["oncall@example.com"], keys: [
            F.key("checkout-api", description: "Checkout", owner: "bob@example.com", rateLimit: 600,
                  expiration: .after(Period(parsing: "90d")!), rotate: 2),
            F.key("search", line: 20, expiration: .at(F.date("2027-03-01T23:59:59Z")), active: false),
        ])])
        let (p, diagnostics) = plan(m, .empty)
        XCTAssertEqual(diagnostics, [])
        XCTAssertNil(p.lineage)
        XCTAssertEqual(p.serial, 0)
        XCTAssertEqual(p.prefix, "thig")
        XCTAssertEqual(p.manifestDigest, m.digest)
        XCTAssertEqual(p.teamChanges, [TeamChange(
            team: "payments", action: .add, before: nil,
            after: TeamRecord(name: "payments", plan: "enterprise", apiAccess: true, owner: "lead@example.com",
                              contacts: ["oncall@example.com"], recipients: [F.recipientText]),
            location: F.at(5, 3))])
        XCTAssertEqual(p.keyChanges, [
            KeyChange(team: "payments", name: "checkout-api", actions: [.create], newKey: NewKey(
                generation: 2, description: "Checkout", owner: "bob@example.com", rateLimit: 600,
                expiration: .after(Period(seconds: 90 * 86_400, text: "90d")), status: .active,
                recipients: [F.recipient]), location: F.at(10, 9)),
            KeyChange(team: "payments", name: "search", actions: [.create], newKey: NewKey(
                generation: 0, description: nil, owner: nil, rateLimit: 60,
                expiration: .at(F.date("2027-03-01T23:59:59Z")), status: .inactive,
                recipients: [F.recipient]), location: F.at(20, 9)),
        ])
        XCTAssertEqual(p.summary.create, 2)
        XCTAssertEqual(p.summary.teamChanges, 1)
        XCTAssertTrue(p.hasChanges)
    }

    func testCreateWithAbsoluteExpiryInThePastIsAnErrorAtTheExpiry() {
        let m = F.manifest([F.team("payments", keys: [
            F.key("old", line: 30, expiration: .at(F.date("2026-11-01T23:59:59Z"))),
        ])])
        let (p, diagnostics) = plan(m, .empty)
        XCTAssertEqual(diagnostics.map(\.code), ["expires-in-past"])
        XCTAssertEqual(diagnostics.first?.severity, .error)
        XCTAssertEqual(diagnostics.first?.location, F.at(34, 18))
        XCTAssertTrue(diagnostics.hasErrors)
        XCTAssertEqual(p.keyChanges.filter { $0.actions.contains(.create) }, [])
    }

    func testReAddingARevokedNameCreatesANewKeyAndLeavesTheTombstone() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("revoked"), name: "checkout", status: .revoked, revokedAt: "2026-11-01T00:00:00Z",
                     revokedReason: .removedFromManifest),
        ])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout")])])
        let (p, _) = plan(m, state)
        XCTAssertEqual(p.keyChanges.map(\.actions), [[.create]])
        XCTAssertNil(p.keyChanges[0].keyID)
        XCTAssertFalse(p.keyChanges.contains { $0.keyID == KeyID.test("revoked") })
    }

    func testRenamedFromARevokedKeyCreates() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "old", status: .revoked)])
        let m = F.manifest([F.team("payments", keys: [F.key("new", renamedFrom: "old")])])
        XCTAssertEqual(plan(m, state).plan.keyChanges.map(\.actions), [[.create]])
    }

    // MARK: no changes, update, rename

    func testMatchingStateHasNoChanges() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "checkout", owner: "bob@example.com")])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "bob@example.com")])])
        let (p, diagnostics) = plan(m, state)
        XCTAssertEqual(diagnostics, [])
        XCTAssertFalse(p.hasChanges)
        XCTAssertEqual(p.notes, [])
        XCTAssertEqual(p.lineage, state.lineage)
        XCTAssertEqual(p.serial, 3)
    }

    func testUpdateCarriesEachFieldOldToNew() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("a"), name: "checkout", expiresAt: "2027-01-01T00:00:00Z", description: "old", owner: "a@example.com"),
        ])
        let m = F.manifest([F.team("payments", keys: [
            F.key("checkout", description: "new", owner: "b@example.com", rateLimit: 120,
                  expiration: .at(F.date("2027-06-30T23:59:59Z"))),
        ])])
        let change = plan(m, state).plan.keyChanges.first
        XCTAssertEqual(change?.actions, [.update])
        XCTAssertEqual(change?.keyID, KeyID.test("a"))
        XCTAssertEqual(change?.changes, [
            .description(old: "old", new: "new"),
            .owner(old: "a@example.com", new: "b@example.com"),
            .rateLimit(old: 60, new: 120),
            .expiresAt(old: F.date("2027-01-01T00:00:00Z"), new: F.date("2027-06-30T23:59:59Z")),
        ])
        XCTAssertNil(change?.newKey)
        XCTAssertNil(change?.revocation)
    }

    func testExpiresInResolvesAgainstTheKeysCreation() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "checkout", createdAt: "2026-10-01T09:00:00Z")])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", expiration: .after(Period(parsing: "90d")!))])])
        XCTAssertEqual(plan(m, state).plan.keyChanges.first?.changes,
                       [.expiresAt(old: nil, new: F.date("2026-12-30T09:00:00Z"))])
    }

    func testExpiresInThatStillMatchesIsNoChange() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("a"), name: "checkout", createdAt: "2026-10-01T09:00:00Z", expiresAt: "2026-12-30T09:00:00Z"),
        ])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", expiration: .after(Period(parsing: "90d")!))])])
        XCTAssertFalse(plan(m, state).plan.hasChanges)
    }

    func testRenameAndRateLimitChangeInOnePlan() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "checkout")])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout-api", rateLimit: 600, renamedFrom: "checkout")])])
        let (p, diagnostics) = plan(m, state)
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(p.keyChanges.count, 1)
        let change = p.keyChanges[0]
        XCTAssertEqual(change.actions, [.update, .rename])
        XCTAssertEqual(change.name, "checkout-api")
        XCTAssertEqual(change.previousName, "checkout")
        XCTAssertEqual(change.keyID, KeyID.test("a"))
        XCTAssertEqual(change.changes, [.name(old: "checkout", new: "checkout-api"), .rateLimit(old: 60, new: 600)])
        XCTAssertEqual(p.summary.update, 1)
        XCTAssertEqual(p.summary.rename, 1)
        XCTAssertEqual(p.summary.revoke, 0)
    }

    func testRenamedFromIsIgnoredOnceTheRenameIsApplied() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "checkout-api")])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout-api", renamedFrom: "checkout")])])
        XCTAssertFalse(plan(m, state).plan.hasChanges)
    }

    // MARK: deactivate / activate

    func testDeactivateOfAnExpiringKeyHasNoExpiryWarning() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("a"), name: "checkout", expiresAt: "2026-11-27T00:00:00Z", owner: "o@example.com"),
        ])
        let expiry = Expiration.at(F.date("2026-11-27T00:00:00Z"))
        let deactivated = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", expiration: expiry, active: false)])])
        let p = plan(deactivated, state).plan
        XCTAssertEqual(p.keyChanges.map(\.actions), [[.deactivate]])
        XCTAssertEqual(p.keyChanges[0].changes, [.status(old: .active, new: .inactive)])
        XCTAssertEqual(p.notes, [])

        let kept = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", expiration: expiry)])])
        let warned = plan(kept, state).plan
        XCTAssertFalse(warned.hasChanges)
        XCTAssertEqual(warned.notes.map(\.kind), [.expiringSoon])
        XCTAssertEqual(warned.notes.first?.severity, .warning)
        XCTAssertEqual(warned.notes.first?.keyID, KeyID.test("a"))
        XCTAssertEqual(warned.notes.first?.location, F.at(14, 18))
    }

    func testWarnWithinWidensTheWindow() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("a"), name: "checkout", expiresAt: "2026-12-20T00:00:00Z", owner: "o@example.com"),
        ])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", expiration: .at(F.date("2026-12-20T00:00:00Z")))])])
        XCTAssertEqual(plan(m, state).plan.notes, [])
        XCTAssertEqual(plan(m, state, warnWithin: 30 * 86_400).plan.notes.map(\.kind), [.expiringSoon])
    }

    func testActivate() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "checkout", status: .inactive)])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout")])])
        let change = plan(m, state).plan.keyChanges.first
        XCTAssertEqual(change?.actions, [.activate])
        XCTAssertEqual(change?.changes, [.status(old: .inactive, new: .active)])
    }

    // MARK: expired

    func testExpiredActiveKeyIsANoteNotAChange() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("a"), name: "checkout", expiresAt: "2026-11-20T00:00:00Z", owner: "o@example.com"),
        ])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", expiration: .at(F.date("2026-11-20T00:00:00Z")))])])
        let p = plan(m, state).plan
        XCTAssertFalse(p.hasChanges)
        XCTAssertEqual(p.notes.count, 1)
        XCTAssertEqual(p.notes[0].kind, .expired)
        XCTAssertEqual(p.notes[0].severity, .note)
        XCTAssertTrue(p.notes[0].message.contains("no longer works"), p.notes[0].message)
        XCTAssertTrue(p.notes[0].hint?.contains("extend") == true)
    }

    func testExtendingAnExpiredKeyIsAnUpdateWithoutNote() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("a"), name: "checkout", expiresAt: "2026-11-20T00:00:00Z", owner: "o@example.com"),
        ])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", expiration: .at(F.date("2027-05-01T00:00:00Z")))])])
        let p = plan(m, state).plan
        XCTAssertEqual(p.keyChanges.map(\.actions), [[.update]])
        XCTAssertEqual(p.notes, [])
    }

    func testExpiredInactiveKeyHasNoNote() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("a"), name: "checkout", expiresAt: "2026-11-20T00:00:00Z", owner: "o@example.com", status: .inactive),
        ])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", expiration: .at(F.date("2026-11-20T00:00:00Z")), active: false)])])
        XCTAssertEqual(plan(m, state).plan.notes, [])
    }

    // MARK: rotate

    func testRotateWithoutGraceReplacesAndRevokesAtOnce() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "checkout", owner: "o@example.com")])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", rotate: 1)])])
        let p = plan(m, state).plan
        XCTAssertEqual(p.keyChanges.count, 1)
        let change = p.keyChanges[0]
        XCTAssertEqual(change.actions, [.rotate])
        XCTAssertEqual(change.keyID, KeyID.test("a"))
        XCTAssertEqual(change.newKey?.generation, 1)
        XCTAssertEqual(change.newKey?.recipients, [F.recipient])
        XCTAssertEqual(change.revocation, Revocation(reason: .rotated, grace: nil))
        XCTAssertEqual(change.changes, [.generation(old: 0, new: 1)])
        XCTAssertEqual(p.summary.rotate, 1)
    }

    func testRotateWithGraceKeepsTheOldKeyForTheGrace() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "checkout", generation: 1, owner: "o@example.com")])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", rateLimit: 300, rotate: 2, grace: "24h")])])
        let change = plan(m, state).plan.keyChanges.first
        XCTAssertEqual(change?.actions, [.rotate])
        XCTAssertEqual(change?.revocation, Revocation(reason: .rotated, grace: Period(seconds: 86_400, text: "24h")))
        XCTAssertEqual(change?.newKey?.rateLimit, 300)
        XCTAssertEqual(change?.changes, [.rateLimit(old: 60, new: 300), .generation(old: 1, new: 2)])
    }

    func testDuringGraceTheRetiringKeyIsLeftAloneAndAfterItIsRevoked() {
        // After a rotation with grace was applied: the old key retires at 2026-11-26T09:00:00Z.
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("old"), name: "checkout", owner: "o@example.com", revokeAfter: "2026-11-26T09:00:00Z"),
            F.record(KeyID.test("new"), name: "checkout", generation: 1, createdAt: "2026-11-25T09:00:00Z", owner: "o@example.com"),
        ])
        XCTAssertNoThrow(try state.validate())
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", rotate: 1, grace: "24h")])])
        XCTAssertFalse(plan(m, state).plan.hasChanges)

        let later = plan(m, state, now: F.date("2026-11-26T09:00:00Z")).plan
        XCTAssertEqual(later.keyChanges, [KeyChange(
            team: "payments", name: "checkout", actions: [.revoke], keyID: KeyID.test("old"),
            preview: state.keys[0].preview, revocation: Revocation(reason: .rotationGraceEnded))])
    }

    func testRetiringKeyOfARemovedEntryIsRevokedAtOnce() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("old"), name: "checkout", revokeAfter: "2026-11-26T09:00:00Z"),
            F.record(KeyID.test("new"), name: "checkout", generation: 1),
        ])
        let m = F.manifest([F.team("payments", keys: [])])
        let p = plan(m, state).plan
        XCTAssertEqual(p.keyChanges.map(\.keyID), [KeyID.test("new"), KeyID.test("old")])
        XCTAssertEqual(p.keyChanges.map { $0.revocation?.reason }, [.removedFromManifest, .removedFromManifest])
    }

    func testLoweringRotateIsAWarningAndNoAction() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "checkout", generation: 2, owner: "o@example.com")])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", rotate: 1)])])
        let (p, diagnostics) = plan(m, state)
        XCTAssertFalse(p.hasChanges)
        XCTAssertEqual(diagnostics.map(\.code), ["rotate-lowered"])
        XCTAssertEqual(diagnostics.first?.severity, .warning)
    }

    func testRotateWithAPastAbsoluteExpiryIsAnError() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "checkout", expiresAt: "2026-11-01T00:00:00Z")])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", expiration: .at(F.date("2026-11-01T00:00:00Z")), rotate: 1)])])
        XCTAssertEqual(plan(m, state).diagnostics.map(\.code), ["expires-in-past"])
    }

    // MARK: revoke

    func testRemovedKeyIsRevokedAndTombstonesAreUntouched() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("a"), name: "checkout"),
            F.record(KeyID.test("b"), name: "legacy", status: .inactive),
            F.record(KeyID.test("c"), name: "ancient", status: .revoked),
        ])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout")])])
        let p = plan(m, state).plan
        let revokes = p.keyChanges.filter { $0.actions == [.revoke] }
        XCTAssertEqual(revokes.map(\.keyID), [KeyID.test("b")])
        XCTAssertEqual(revokes.first?.revocation, Revocation(reason: .removedFromManifest))
        XCTAssertNil(revokes.first?.location)
    }

    func testRemovingAWholeTeamRevokesItsLiveKeysAndRemovesItsRecord() {
        let search = F.teamRecord("search")
        let state = F.state(teams: [payments, search], keys: [
            F.record(KeyID.test("a"), name: "checkout"),
            F.record(KeyID.test("s1"), team: "search", name: "indexer"),
            F.record(KeyID.test("s2"), team: "search", name: "query", status: .inactive),
            F.record(KeyID.test("s3"), team: "search", name: "gone", status: .revoked),
        ])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout")])])
        let p = plan(m, state).plan
        XCTAssertEqual(p.teamChanges, [TeamChange(team: "search", action: .remove, before: search, after: nil)])
        XCTAssertEqual(p.keyChanges.map(\.keyID), [KeyID.test("s1"), KeyID.test("s2")])
        XCTAssertTrue(p.keyChanges.allSatisfy { $0.revocation == Revocation(reason: .teamRemoved) && $0.actions == [.revoke] })
        XCTAssertEqual(p.summary.revoke, 2)
    }

    // MARK: teams and warnings

    func testTeamPlanChangeLosingAPIAccessWarnsAboutActiveKeys() {
        let state = F.state(teams: [payments], keys: [F.record(KeyID.test("a"), name: "checkout")])
        let plans = ["free": Tier(name: "free", apiAccess: false, maxKeys: nil),
                     "enterprise": Tier(name: "enterprise", apiAccess: true, maxKeys: nil)]
        let m = F.manifest([F.team("payments", plan: "free", keys: [F.key("checkout")])], plans: plans)
        let p = plan(m, state).plan
        XCTAssertEqual(p.teamChanges.map(\.action), [.update])
        XCTAssertEqual(p.teamChanges.first?.changedFields, ["plan", "api_access"])
        XCTAssertEqual(p.teamChanges.first?.after?.apiAccess, false)
        let warning = p.notes.first { $0.kind == .noAPIAccess }
        XCTAssertEqual(warning?.team, "payments")
        XCTAssertEqual(warning?.location, F.at(6, 11))
        XCTAssertTrue(warning?.message.contains("1 active key") == true, warning?.message ?? "")
    }

    func testNoAPIAccessWarningNotGivenWhenAllKeysAreInactive() {
        let plans = ["free": Tier(name: "free", apiAccess: false, maxKeys: nil)]
        let m = F.manifest([F.team("payments", plan: "free", keys: [F.key("checkout", active: false)])], plans: plans)
        XCTAssertFalse(plan(m, .empty).plan.notes.contains { $0.kind == .noAPIAccess })
    }

    func testKeyWithNoOwnerAnywhereWarns() {
        let m = F.manifest([
            F.team("a", owner: nil, keys: [F.key("orphan"), F.key("owned", line: 20, owner: "x@example.com")]),
            F.team("b", keys: [F.key("team-owned")]),
        ])
        let notes = plan(m, .empty).plan.notes
        XCTAssertEqual(notes.map(\.kind), [.noOwner])
        XCTAssertEqual(notes.first?.key, "orphan")
    }

    /// A holder swapped for someone else's key reads as such in the plan, in every format.
    func testARecipientSwapIsShownRecipientByRecipient() {
        // A well-formed recipient the manifest no longer lists (the state holds only that shape).
        let old = "age1c9vz9za7flk50tyz47edc7nvlh274sjsw2d0y3mk59dkk88ysp6qwq7zh0"
        let state = F.state(teams: [F.teamRecord("payments", recipients: [F.recipientText, RecipientText(rawValue: old)!])], keys: [])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout")])])
        let p = plan(m, state).plan
        let change = p.teamChanges.first
        XCTAssertEqual(change?.changedFields, ["recipients"])
        XCTAssertEqual(change?.recipientChanges.added, [])
        XCTAssertEqual(change?.recipientChanges.removed.map(\.rawValue), [old])
        XCTAssertTrue(p.rendered(as: .text).contains("recipients: - \(old)"), p.rendered(as: .text))
        XCTAssertTrue(p.rendered(as: .markdown).contains("recipients: - \(old)"), p.rendered(as: .markdown))
        XCTAssertTrue(p.rendered(as: .json).contains("\"\(old)\""))
    }

    func testTeamOwnerAndContactChangesAreRecorded() {
        let state = F.state(teams: [F.teamRecord("payments", owner: "old@example.com", recipients: [])], keys: [])
        let m = F.manifest([F.team("payments", owner: "new@example.com", contacts: ["c@example.com"])])
        let p = plan(m, state).plan
        XCTAssertEqual(p.teamChanges.first?.changedFields, ["owner", "contacts"])
        XCTAssertEqual(p.summary.teamChanges, 1)
        XCTAssertTrue(p.hasChanges)
    }

    // MARK: ordering and determinism

    func testChangesAreSortedAndTheResultDoesNotDependOnInputOrder() {
        let keys = [
            F.record(KeyID.test("z"), team: "zeta", name: "b"),
            F.record(KeyID.test("y"), team: "alpha", name: "m", generation: 0),
            F.record(KeyID.test("x"), team: "alpha", name: "c"),
            F.record(KeyID.test("w"), team: "alpha", name: "gone"),
        ]
        let teams = [F.teamRecord("zeta"), F.teamRecord("alpha")]
        let manifestTeams = [
            F.team("zeta", keys: [F.key("a"), F.key("b", rateLimit: 5)]),
            F.team("alpha", keys: [F.key("z"), F.key("m", rotate: 1), F.key("c", active: false)]),
        ]
        let first = plan(F.manifest(manifestTeams), F.state(teams: teams, keys: keys)).plan
        let second = plan(F.manifest(manifestTeams.reversed()), F.state(teams: teams.reversed(), keys: keys.reversed())).plan
        XCTAssertEqual(first, second)
        XCTAssertEqual(JSONPlanRenderer.render(first), JSONPlanRenderer.render(second))
        XCTAssertEqual(TextPlanRenderer.render(first), TextPlanRenderer.render(second))
        XCTAssertEqual(first.keyChanges.map { "\($0.team)/\($0.name):\($0.actions.map(\.rawValue).joined(separator: "+"))" }, [
            "alpha/c:deactivate", "alpha/gone:revoke", "alpha/m:rotate", "alpha/z:create",
            "zeta/a:create", "zeta/b:update",
        ])
    }

    func testRetiringRevokeSortsAfterTheCurrentKeysChangeOfTheSameName() {
        let state = F.state(teams: [payments], keys: [
            F.record(KeyID.test("old"), name: "checkout", owner: "o@example.com", revokeAfter: "2026-11-25T00:00:00Z"),
            F.record(KeyID.test("new"), name: "checkout", generation: 1, owner: "o@example.com"),
        ])
        let m = F.manifest([F.team("payments", keys: [F.key("checkout", owner: "o@example.com", rateLimit: 90, rotate: 1)])])
        let p = plan(m, state).plan
        XCTAssertEqual(p.keyChanges.map(\.actions), [[.update], [.revoke]])
        XCTAssertEqual(p.keyChanges.map(\.keyID), [KeyID.test("new"), KeyID.test("old")])
    }
}
