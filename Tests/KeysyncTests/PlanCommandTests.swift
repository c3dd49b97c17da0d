import Foundation
import Reconciler
import XCTest

/// `keysync plan` end to end: the built binary, real files, exit codes and exact output.
/// The Reconciler golden cases double as the CLI's expected output.
final class PlanCommandTests: XCTestCase {
    static let goldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ReconcilerTests/Fixtures")
    let clock = ["KEYSYNC_NOW": "2026-11-25T12:00:00Z"]

    /// A temporary folder holding a golden case's `keys.yaml` and its state as
    /// `keysync.state.json`, signed with the test key as apply would have signed it.
    func folder(for name: String, function: String = #function) throws -> URL {
        let dir = try makeTemporaryDirectory(function)
        let source = Self.goldens.appendingPathComponent(name)
        try FileManager.default.copyItem(at: source.appendingPathComponent("keys.yaml"), to: dir.appendingPathComponent("keys.yaml"))
        let state = try StateFile.decode(Data(contentsOf: source.appendingPathComponent("state.json")))
        try state.signed(with: Keysync.testStateSigningKey).encoded().write(to: dir.appendingPathComponent("keysync.state.json"))
        return dir
    }

    func golden(_ name: String, _ file: String) throws -> String {
        try String(contentsOf: Self.goldens.appendingPathComponent(name).appendingPathComponent(file), encoding: .utf8)
    }

    func testChangesExitZeroWithoutAndTwoWithDetailedExitCode() throws {
        let dir = try folder(for: "mixed")
        let plain = try Keysync.run(["plan"], in: dir, environment: clock)
        XCTAssertEqual(plain.exitCode, 0, plain.stderr)
        XCTAssertEqual(plain.stdout, try golden("mixed", "expected.txt"))
        // On stderr: the manifest's own warnings, as `validate` shows them.
        XCTAssertTrue(plain.stderr.hasPrefix("keys.yaml:46:9: warning[no-owner]: "), plain.stderr)
        XCTAssertTrue(plain.stderr.hasSuffix("1 warning\n"), plain.stderr)
        XCTAssertFalse(plain.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")

        let detailed = try Keysync.run(["plan", "--detailed-exitcode"], in: dir, environment: clock)
        XCTAssertEqual(detailed.exitCode, 2, detailed.stderr)
        XCTAssertEqual(detailed.stdout, plain.stdout)
    }

    func testNoChangesExitsZeroWithDetailedExitCode() throws {
        let dir = try folder(for: "no-changes")
        let result = try Keysync.run(["plan", "--detailed-exitcode", "-m", "keys.yaml"], in: dir, environment: clock)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertEqual(result.stdout, "No changes. The state matches the manifest.\n")
    }

    func testMarkdownAndJSONFormatsMatchTheGoldens() throws {
        let dir = try folder(for: "mixed")
        let markdown = try Keysync.run(["plan", "--format", "markdown"], in: dir, environment: clock)
        XCTAssertEqual(markdown.exitCode, 0, markdown.stderr)
        XCTAssertEqual(markdown.stdout, try golden("mixed", "expected.md"))
        let json = try Keysync.run(["plan", "--format", "json"], in: dir, environment: clock)
        XCTAssertEqual(json.exitCode, 0, json.stderr)
        XCTAssertEqual(json.stdout, try golden("mixed", "expected.json"))
    }

    func testOutSavesTheJSONPlanAndNothingElseIsWritten() throws {
        let dir = try folder(for: "grace-ended")
        let stateBefore = try Data(contentsOf: dir.appendingPathComponent("keysync.state.json"))
        let result = try Keysync.run(["plan", "--out", "plan.json", "--detailed-exitcode"], in: dir, environment: clock)
        XCTAssertEqual(result.exitCode, 2, result.stderr)
        XCTAssertEqual(result.stdout, try golden("grace-ended", "expected.txt"))
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("plan.json"), encoding: .utf8),
                       try golden("grace-ended", "expected.json"))
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("keysync.state.json")), stateBefore)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["keys.yaml", "keysync.state.json", "plan.json"])
    }

    func testMissingStateIsAFirstRun() throws {
        let dir = try folder(for: "first-apply")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("keysync.state.json"))
        let result = try Keysync.run(["plan", "--detailed-exitcode"], in: dir, environment: clock)
        XCTAssertEqual(result.exitCode, 2, result.stderr)
        XCTAssertEqual(result.stdout, try golden("first-apply", "expected.txt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("keysync.state.json").path))
    }

    func testStateDefaultsToBesideTheManifestAndStateOptionOverrides() throws {
        let dir = try folder(for: "no-changes")
        let sub = dir.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: dir.appendingPathComponent("keys.yaml"), to: sub.appendingPathComponent("keys.yaml"))
        try FileManager.default.moveItem(at: dir.appendingPathComponent("keysync.state.json"), to: sub.appendingPathComponent("keysync.state.json"))
        let beside = try Keysync.run(["plan", "--detailed-exitcode", "-m", "config/keys.yaml"], in: dir, environment: clock)
        XCTAssertEqual(beside.exitCode, 0, beside.stdout + beside.stderr)

        let elsewhere = try Keysync.run(["plan", "--detailed-exitcode", "-m", "config/keys.yaml", "--state", "none.json"],
                                        in: dir, environment: clock)
        XCTAssertEqual(elsewhere.exitCode, 2, elsewhere.stderr)
        XCTAssertTrue(elsewhere.stdout.contains("+ key payments/checkout-api will be created"), elsewhere.stdout)
    }

    func testInvalidManifestExitsOneWithValidateDiagnosticsOnStderr() throws {
        let dir = try makeTemporaryDirectory()
        try "version: 1\nprefix: thig\nteams:\n  payments:\n    plan: nope\n".write(
            to: dir.appendingPathComponent("keys.yaml"), atomically: true, encoding: .utf8)
        for flags in [[], ["--detailed-exitcode"]] {
            let result = try Keysync.run(["plan"] + flags, in: dir, environment: clock)
            XCTAssertEqual(result.exitCode, 1)
            XCTAssertEqual(result.stdout, "")
            XCTAssertTrue(result.stderr.contains("keys.yaml:5:11: error["), result.stderr)
            XCTAssertTrue(result.stderr.contains("plan failed: 1 error"), result.stderr)
        }
        let validate = try Keysync.run(["validate", "keys.yaml"], in: dir)
        let firstLine = { (s: String) in s.split(separator: "\n").first.map(String.init) }
        XCTAssertEqual(firstLine(try Keysync.run(["plan"], in: dir, environment: clock).stderr), firstLine(validate.stdout))
    }

    func testBrokenStateExitsOneAndPointsIntoIt() throws {
        let dir = try folder(for: "no-changes")
        let url = dir.appendingPathComponent("keysync.state.json")
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"serial\": 4,", with: "\"serial\": 4,,")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let result = try Keysync.run(["plan", "--detailed-exitcode"], in: dir, environment: clock)
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("keysync.state.json:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("error[state-malformed]: the state file is not valid"), result.stderr)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), text, "nothing is written")

        // A hash field holding something else (say, a raw key pasted by mistake) is never echoed.
        let pasted = "thig_RAWKEYRAWKEYRAWKEYRAWKEYRAW1a2B3c"
        try String(decoding: Data(contentsOf: Self.goldens.appendingPathComponent("no-changes/state.json")), as: UTF8.self)
            .replacingOccurrences(of: "sha256:e48cbc90a7309cda322ca5581ac5b7fbb2fdeced096b0bb86cf2aaa963ba9565", with: pasted)
            .write(to: url, atomically: true, encoding: .utf8)
        let leaked = try Keysync.run(["plan"], in: dir, environment: clock)
        XCTAssertEqual(leaked.exitCode, 1)
        XCTAssertTrue(leaked.stderr.contains("keysync.state.json:10:1: error[state-invalid-hash]"), leaked.stderr)
        XCTAssertFalse(leaked.stderr.contains("RAWKEY") || leaked.stdout.contains("RAWKEY"), leaked.stderr)

        try "{\"version\": 7}".write(to: url, atomically: true, encoding: .utf8)
        let future = try Keysync.run(["plan"], in: dir, environment: clock)
        XCTAssertEqual(future.exitCode, 1)
        XCTAssertTrue(future.stderr.contains("error[state-version]"), future.stderr)
    }

    func testCreatingAnAlreadyExpiredKeyIsAnError() throws {
        let dir = try folder(for: "no-changes")
        let url = dir.appendingPathComponent("keys.yaml")
        let yaml = try String(contentsOf: url, encoding: .utf8) + "      - name: stale\n        expires: 2026-11-01\n"
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        let result = try Keysync.run(["plan", "--detailed-exitcode", "--out", "plan.json"], in: dir, environment: clock)
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("keys.yaml:19:18: error[expires-in-past]"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("plan.json").path))
    }

    func testWarnWithin() throws {
        let dir = try folder(for: "no-changes")
        let wide = try Keysync.run(["plan", "--warn-within", "120d"], in: dir, environment: clock)
        XCTAssertEqual(wide.exitCode, 0, wide.stderr)
        XCTAssertTrue(wide.stdout.contains("Warning: key payments/checkout-api expires at 2027-03-01T23:59:59Z"), wide.stdout)

        let bad = try Keysync.run(["plan", "--warn-within", "soon"], in: dir, environment: clock)
        XCTAssertEqual(bad.exitCode, 64)
        XCTAssertTrue(bad.stderr.contains("--warn-within"), bad.stderr)
    }
}
