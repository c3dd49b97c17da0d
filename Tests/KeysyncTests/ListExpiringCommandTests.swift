import Foundation
import Reconciler
import XCTest

/// `keysync list` and `keysync expiring` against golden files in `Fixtures/use/`.
final class ListExpiringCommandTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/use")
    let clock = ["KEYSYNC_NOW": CLIState.now]

    /// Compares with the golden file; a missing golden is written (for review) and the test fails.
    func assertGolden(_ output: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = Self.fixtures.appendingPathComponent(name)
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            try output.write(to: url, atomically: true, encoding: .utf8)
            XCTFail("recorded \(name); review it and run again", file: file, line: line)
            return
        }
        XCTAssertEqual(output, expected, name, file: file, line: line)
    }

    func run(_ arguments: [String], _ fixture: CLIState, in dir: URL, environment: [String: String] = [:]) throws -> ProcessResult {
        let result = try Keysync.run(arguments, in: dir, environment: clock.merging(environment) { _, new in new })
        fixture.assertNoRawKey(in: result.stdout, "stdout")
        fixture.assertNoRawKey(in: result.stderr, "stderr")
        return result
    }

    func testListShowsLiveAndExpiredKeysByDefault() throws {
        let fixture = CLIState.make()
        let dir = try fixture.write()
        let table = try run(["list"], fixture, in: dir)
        XCTAssertEqual(table.exitCode, 0, table.stderr)
        try assertGolden(table.stdout, "list-default.txt")
        XCTAssertFalse(table.stdout.contains("revoked"))
        XCTAssertTrue(table.stdout.contains("edge  "), "an expired key is listed")

        let all = try run(["list", "--status", "all"], fixture, in: dir)
        XCTAssertEqual(all.exitCode, 0, all.stderr)
        try assertGolden(all.stdout, "list-all.txt")

        // After the grace period the rotated-out key counts as revoked.
        let later = try run(["list", "--status", "revoked", "--team", "payments"], fixture, in: dir,
                            environment: ["KEYSYNC_NOW": "2026-11-25T13:00:00Z"])
        XCTAssertEqual(later.exitCode, 0, later.stderr)
        try assertGolden(later.stdout, "list-revoked-later.txt")

        let expired = try run(["list", "--status", "expired", "--format", "json"], fixture, in: dir)
        XCTAssertEqual(expired.exitCode, 0, expired.stderr)
        try assertGolden(expired.stdout, "list-expired.json")

        let none = try run(["list", "--team", "nobody"], fixture, in: dir)
        XCTAssertEqual(none.exitCode, 0)
        XCTAssertEqual(none.stdout, "no keys match\n")

        let bad = try run(["list", "--status", "gone"], fixture, in: dir)
        XCTAssertEqual(bad.exitCode, 64)
    }

    func testExpiringExitsTwoWhenSomeKeysNeedANotice() throws {
        let fixture = CLIState.make()
        let dir = try fixture.write()
        let text = try run(["expiring"], fixture, in: dir)
        XCTAssertEqual(text.exitCode, 2, text.stderr)
        try assertGolden(text.stdout, "expiring-7d.txt")

        let json = try run(["expiring", "--within", "120d", "--format", "json"], fixture, in: dir)
        XCTAssertEqual(json.exitCode, 2, json.stderr)
        try assertGolden(json.stdout, "expiring-120d.json")

        let none = try run(["expiring", "--within", "1d"], fixture, in: dir, environment: ["KEYSYNC_NOW": "2026-06-01T00:00:00Z"])
        XCTAssertEqual(none.exitCode, 0, none.stderr)
        XCTAssertEqual(none.stdout, "no keys have expired or expire within 1d (as of 2026-06-01T00:00:00Z)\n")

        let bad = try run(["expiring", "--within", "soon"], fixture, in: dir)
        XCTAssertEqual(bad.exitCode, 64)
        let missing = try run(["expiring", "--state", "missing.json"], fixture, in: dir)
        XCTAssertEqual(missing.exitCode, 1)
    }
}
