import Foundation
import XCTest
import Reconciler
import Manifest
import TestSupport

final class SavedPlanTests: XCTestCase {
    typealias F = Fixture

    func testEveryFixturePlanRoundTripsByteForByte() throws {
        for name in PlanGoldenTests.expectedCases {
            let plan = try PlanGoldenTests.plan(name)
            let bytes = SavedPlan.encode(plan)
            let decoded = try SavedPlan.decode(bytes)
            XCTAssertEqual(decoded, plan, name)
            XCTAssertEqual(SavedPlan.encode(decoded), bytes, name)
        }
    }

    func testRoundTripKeepsEveryFieldKind() throws {
        let change = KeyChange(
            team: "t", name: "n", actions: [.rename, .update, .deactivate], keyID: KeyID.test("a"), previousName: "o",
            preview: KeyPreview(rawValue: "thig_abcd...wxyz"),
            changes: [.expiresAt(old: nil, new: F.date("2027-01-01T00:00:00Z")), .name(old: "o", new: "n"),
                      .description(old: "d", new: nil), .owner(old: nil, new: "x@example.com"),
                      .rateLimit(old: 1, new: 2), .status(old: .active, new: .inactive), .generation(old: 0, new: 1)],
            location: F.at(3, 4))
        let rotate = KeyChange(
            team: "t", name: "r", actions: [.rotate], keyID: KeyID.test("b"),
            newKey: NewKey(generation: 2, description: nil, owner: nil, rateLimit: 60,
                           expiration: .after(Period(seconds: 3600, text: "1h")), status: .active,
                           recipients: [F.recipient]),
            revocation: Revocation(reason: .rotated, grace: Period(seconds: 60, text: "1m")))
        let plan = Plan(
            lineage: "l", serial: 9, manifestDigest: "sha256:00", prefix: "thig", plannedAt: F.now,
            teamChanges: [TeamChange(team: "t", action: .remove, before: F.teamRecord("t"), after: nil)],
            keyChanges: [rotate, change],
            notes: [PlanNote(kind: .noOwner, team: "t", key: "n", message: "m", hint: nil, location: F.at(1, 1))])
        XCTAssertEqual(plan.keyChanges.map(\.name), ["n", "r"])
        XCTAssertEqual(plan.keyChanges[0].actions, [.update, .rename, .deactivate])
        XCTAssertEqual(plan.keyChanges[0].changes.map(\.field),
                       ["name", "description", "owner", "rate_limit", "expires_at", "status", "generation"])
        XCTAssertEqual(try SavedPlan.decode(SavedPlan.encode(plan)), plan)
    }

    func testUnknownFormatVersionIsRefused() throws {
        let plan = try PlanGoldenTests.plan("mixed")
        let text = String(decoding: SavedPlan.encode(plan), as: UTF8.self)
            .replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 2")
        XCTAssertThrowsError(try SavedPlan.decode(Data(text.utf8))) { error in
            XCTAssertEqual((error as? SavedPlanError)?.code, "plan-unreadable")
            XCTAssertTrue("\(error)".contains("format_version 2"), "\(error)")
        }
        XCTAssertThrowsError(try SavedPlan.decode(Data("{}".utf8)))
    }

    /// A saved plan's recipients are parsed when the plan is read (apply never parses them
    /// again): an edited one that is not an age recipient makes the plan unreadable, without
    /// quoting what was put there.
    func testARecipientThatIsNotOneMakesThePlanUnreadable() throws {
        let plan = try PlanGoldenTests.plan("mixed")
        let text = String(decoding: SavedPlan.encode(plan), as: UTF8.self)
        let recipient = try XCTUnwrap(plan.keyChanges.compactMap(\.newKey).first?.recipients.first).description
        XCTAssertTrue(text.contains(recipient))
        let secret = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
        for bad in [secret, String(recipient.dropLast()) + "x"] {
            let edited = text.replacingOccurrences(of: recipient, with: bad)
            XCTAssertThrowsError(try SavedPlan.decode(Data(edited.utf8))) { error in
                XCTAssertEqual((error as? SavedPlanError)?.code, "plan-unreadable")
                XCTAssertFalse("\(error)".contains(bad), "\(error)")
            }
        }
    }

    func testStaleness() {
        let state = F.state(teams: [], keys: [], serial: 4)
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let plan = Planner.plan(manifest: F.manifest([]), state: state, now: F.now).plan
        XCTAssertNil(plan.staleness(against: state, manifestDigest: digest))

        var applied = state
        applied.serial = 5
        XCTAssertEqual(plan.staleness(against: applied, manifestDigest: digest), .serialChanged(planned: 4, current: 5))

        var other = state
        other.lineage = "another"
        XCTAssertEqual(plan.staleness(against: other, manifestDigest: digest),
                       .lineageChanged(planned: state.lineage, current: "another"))

        XCTAssertEqual(plan.staleness(against: state, manifestDigest: "sha256:ff"),
                       .manifestChanged(planned: digest, current: "sha256:ff"))
        XCTAssertEqual(plan.staleness(against: state, manifestDigest: "sha256:ff")?.code, "plan-stale")

        // A plan made before the first apply is stale once that apply gave the state a lineage.
        let first = Planner.plan(manifest: F.manifest([]), state: .empty, now: F.now).plan
        XCTAssertEqual(first.staleness(against: F.state(teams: [], keys: [], serial: 1), manifestDigest: digest),
                       .lineageChanged(planned: nil, current: "5c1f0a9e-2b7d-4c3e-9f10-0d7e6a1b2c3d"))
    }
}
