import Foundation
import XCTest
@testable import KeysyncCore
@testable import Reconciler
import TestSupport

/// `StateFile.encoded()` encodes records one at a time (so a 100,000-key state is never one
/// encoder tree); its bytes must stay exactly those of encoding the whole state at once.
final class StateFileEncodingTests: XCTestCase {
    typealias F = Fixture

    private func wholeAtOnce(_ state: StateFile) throws -> Data {
        try CanonicalJSON.encode(state.normalized)
    }

    func testRecordByRecordEqualsWholeStateEncoding() throws {
        let keys = [
            F.record(KeyID.test("b"), team: "search", name: "indexer", expiresAt: "2027-03-01T23:59:59Z",
                     description: "Quotes \" and \\ and\nlines", owner: "o@example.com"),
            F.record(KeyID.test("a"), name: "checkout", status: .revoked, revokedAt: "2026-11-01T00:00:00Z",
                     revokedReason: .rotated),
            F.record(KeyID.test("c"), name: "checkout", revokeAfter: "2026-12-01T00:00:00Z"),
        ]
        let teams = [F.teamRecord("search", contacts: ["a@example.com", "b@example.com"]), F.teamRecord("payments", owner: nil)]
        var state = F.state(teams: teams, keys: keys)
        state.prefix = "thig"
        XCTAssertEqual(state.encoded(), try wholeAtOnce(state))

        var generator = SeededGenerator(seed: 9)
        let signed = state.signed(with: StateSigningKey.generate(using: &generator))
        XCTAssertEqual(signed.encoded(), try wholeAtOnce(signed))
        XCTAssertEqual(try StateFile.decode(signed.encoded()), signed.normalized)
    }

    func testEmptyStateIsUnchanged() throws {
        XCTAssertEqual(StateFile.empty.encoded(), try wholeAtOnce(.empty))
        let oneTeam = F.state(teams: [F.teamRecord("payments")], keys: [])
        XCTAssertEqual(oneTeam.encoded(), try wholeAtOnce(oneTeam))
    }
}
