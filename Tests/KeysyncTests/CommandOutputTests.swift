import Foundation
import XCTest

/// One output component for every command: an error is a diagnostic (code, message, hint) on
/// standard error, as text — or as one JSON document when the command runs with `--format json`,
/// so a tool reading its JSON reads its errors the same way. Standard output stays empty.
final class CommandOutputTests: XCTestCase {
    private func diagnostics(_ stderr: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stderr.utf8)) as? [String: Any],
                                     stderr, file: file, line: line)
        XCTAssertEqual(document["valid"] as? Bool, false, file: file, line: line)
        return try XCTUnwrap(document["diagnostics"] as? [[String: Any]], file: file, line: line)
    }

    func testAMissingStateIsTheSameDiagnosticAsTextAndAsJSON() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for command in [["list"], ["expiring"], ["usage"]] {
            let text = try Keysync.run(command, in: dir)
            XCTAssertEqual(text.exitCode, 1, text.stderr)
            XCTAssertEqual(text.stdout, "")
            assertDiagnosticText(text.stderr, code: "state-missing", summary: "cannot use the state file", "\(command)")

            let json = try Keysync.run(command + ["--format", "json"], in: dir)
            XCTAssertEqual(json.exitCode, 1, json.stderr)
            XCTAssertEqual(json.stdout, "")
            let found = try diagnostics(json.stderr)
            XCTAssertEqual(found.map { $0["code"] as? String }, ["state-missing"], "\(command)")
            XCTAssertEqual(found.first?["hint"] as? String != nil, true, "the hint travels in JSON too")
        }
    }

    func testPlanErrorsFollowItsFormatAndPointIntoTheManifest() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("version: 1\nprefix: thig\nteams:\n  payments:\n    plan: nope\n".utf8)
            .write(to: dir.appendingPathComponent("keys.yaml"))

        let text = try Keysync.run(["plan", "--format", "markdown"], in: dir)
        XCTAssertEqual(text.exitCode, 1, text.stderr)
        XCTAssertEqual(text.stdout, "")
        XCTAssertTrue(text.stderr.hasPrefix("keys.yaml:5:"), text.stderr)
        XCTAssertTrue(text.stderr.hasSuffix("plan failed: 1 error, 0 warnings\n"), text.stderr)

        let json = try Keysync.run(["plan", "--format", "json"], in: dir)
        XCTAssertEqual(json.exitCode, 1, json.stderr)
        XCTAssertEqual(json.stdout, "", "standard output holds a plan or nothing")
        let found = try diagnostics(json.stderr)
        XCTAssertEqual(found.count, 1, json.stderr)
        XCTAssertEqual(found.first?["file"] as? String, "keys.yaml")
        XCTAssertEqual(found.first?["line"] as? Int, 5)
        XCTAssertTrue(text.stderr.contains("error[\(found.first?["code"] as? String ?? "?")]"), "the same diagnostic")
    }
}
