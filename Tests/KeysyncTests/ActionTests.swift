import Foundation
import XCTest

/// The GitHub Action's logic (`scripts/action/run`, what action.yml runs), driven the way GitHub
/// drives it: its inputs and GitHub's variables in the environment, the summary and outputs in
/// files, the "release" a file:// folder holding what `scripts/release` built.
final class ActionTests: XCTestCase {
    private var folder: URL!
    private var release: URL!
    private var work: URL!
    private var asset = ""

    override func setUpWithError() throws {
        let built = try ReleaseArtifacts.built()
        // The action's script downloads with curl and reads the plan's counts with jq, as a
        // GitHub runner has both; a machine without them cannot run it.
        for tool in ["curl", "jq"] where Program.find(tool) == nil {
            throw XCTSkip("\(tool) is not installed (the action's script needs curl and jq); CI installs both")
        }
        asset = built.asset
        folder = try makeTemporaryDirectory()
        release = folder.appendingPathComponent("releases/v0.1.0")
        work = folder.appendingPathComponent("repo")
        for made in [release!, work!, folder.appendingPathComponent("runner")] {
            try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(at: built.binary, to: release.appendingPathComponent(asset))
        try FileManager.default.copyItem(at: built.checksum, to: release.appendingPathComponent(asset + ".sha256"))
        try FileManager.default.copyItem(at: YAMLTool.repository.appendingPathComponent("examples/keys.yaml"),
                                         to: work.appendingPathComponent("keys.yaml"))
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    private func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
    private func text(_ name: String) -> String { (try? String(contentsOf: file(name), encoding: .utf8)) ?? "" }

    /// `name=value` lines of $GITHUB_OUTPUT.
    private var outputs: [String: String] {
        var found: [String: String] = [:]
        for line in text("output").split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { found[parts[0]] = parts[1] }
        }
        return found
    }

    private func action(_ inputs: [String: String], environment extra: [String: String] = [:]) throws -> Program.Output {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GITHUB_") && !$0.key.hasPrefix("KEYSYNC_") }
        environment.merge([
            "KEYSYNC_VERSION": "0.1.0", "KEYSYNC_RELEASE_URL": "file://" + release.path,
            "KEYSYNC_STATE_PUBLIC_KEY": Keysync.testPublicKey,
            "RUNNER_TEMP": file("runner").path, "GITHUB_OUTPUT": file("output").path,
            "GITHUB_STEP_SUMMARY": file("summary").path, "GITHUB_PATH": file("path").path, "GITHUB_ACTOR": "octocat",
        ]) { _, new in new }
        environment.merge(inputs) { _, new in new }
        environment.merge(extra) { _, new in new }
        return try Program.run(YAMLTool.repository.appendingPathComponent("scripts/action/run").path, [],
                               environment: environment, in: work)
    }

    private func clearReports() throws {
        for name in ["output", "summary", "path"] { try? FileManager.default.removeItem(at: file(name)) }
    }

    func testPlanWritesTheMarkdownSummaryAndCountsAndPassesOnChanges() throws {
        let run = try action(["KEYSYNC_COMMAND": "plan"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(text("summary").hasPrefix("### keysync plan\n"), text("summary"))
        XCTAssertTrue(text("summary").contains("**Plan: 6 to create, 3 team changes.**"), text("summary"))
        XCTAssertTrue(text("summary").contains("| `+` | `checkout-api` | create | new key |"), text("summary"))
        let outputs = outputs
        XCTAssertEqual(outputs["has-changes"], "true")
        XCTAssertEqual(outputs["create"], "6")
        XCTAssertEqual(outputs["team-changes"], "3")
        XCTAssertEqual(outputs["update"], "0")
        XCTAssertEqual(outputs["revoke"], "0")
        XCTAssertEqual(outputs["exit-code"], "2")
        let plan = try XCTUnwrap(outputs["plan-file"])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: plan))) as? [String: Any])
        XCTAssertEqual(json["has_changes"] as? Bool, true)
        // The checked binary is on the PATH of the job's later steps.
        let bin = text("path").trimmingCharacters(in: .newlines)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: bin + "/keysync"), bin)
    }

    func testPlanMarkdownOutputIsTheSummary() throws {
        let run = try action(["KEYSYNC_COMMAND": "plan"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let markdown = try XCTUnwrap(outputs["plan-markdown"])
        XCTAssertEqual(try String(contentsOfFile: markdown, encoding: .utf8), text("summary"))
    }

    func testPreviousStateIsPassedWhenTheBaseBranchHasOne() throws {
        // Before the first apply the base branch has no state: planned without the check.
        let first = try action(["KEYSYNC_COMMAND": "plan", "KEYSYNC_PREVIOUS_STATE": "base/keysync.state.json"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("no base/keysync.state.json (the base branch has no state yet)"), first.stdout)
        XCTAssertEqual(outputs["has-changes"], "true")

        let applied = try action(["KEYSYNC_COMMAND": "apply", "KEYSYNC_SIGNING_KEY": Keysync.testSigningKey])
        XCTAssertEqual(applied.status, 0, applied.stderr)
        let base = work.appendingPathComponent("base")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        // The base branch's state as the template checks it out: the index and its shard folder.
        try FileManager.default.copyItem(at: work.appendingPathComponent("keysync.state.json"),
                                         to: base.appendingPathComponent("keysync.state.json"))
        try FileManager.default.copyItem(at: work.appendingPathComponent("keysync.state.d"),
                                         to: base.appendingPathComponent("keysync.state.d"))
        try clearReports()
        let same = try action(["KEYSYNC_COMMAND": "plan", "KEYSYNC_PREVIOUS_STATE": "base/keysync.state.json"])
        XCTAssertEqual(same.status, 0, same.stdout + same.stderr)
        XCTAssertFalse(same.stdout.contains("no base/keysync.state.json"), same.stdout)
        XCTAssertEqual(outputs["has-changes"], "false")

        // The file reaches keysync: one that is not a state fails the plan.
        try "{}".write(to: base.appendingPathComponent("keysync.state.json"), atomically: true, encoding: .utf8)
        try clearReports()
        let refused = try action(["KEYSYNC_COMMAND": "plan", "KEYSYNC_PREVIOUS_STATE": "base/keysync.state.json"])
        XCTAssertEqual(refused.status, 1, refused.stdout + refused.stderr)
        XCTAssertEqual(outputs["exit-code"], "1")
        XCTAssertNil(outputs["has-changes"])
    }

    func testPinnedChecksumIsCheckedBesideThePublishedOne() throws {
        let published = try String(contentsOf: release.appendingPathComponent(asset + ".sha256"), encoding: .utf8)
        let pinned = String(published.prefix(64))
        let run = try action(["KEYSYNC_COMMAND": "validate", "KEYSYNC_SHA256": pinned])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)

        // The release's asset and .sha256 replaced together: only the pin notices.
        try clearReports()
        let binary = try FileHandle(forWritingTo: release.appendingPathComponent(asset))
        try binary.seekToEnd()
        try binary.write(contentsOf: Data([0]))
        try binary.close()
        let replaced = try Program.run("/usr/bin/sha256sum", [asset], in: release)
        try replaced.stdout.write(to: release.appendingPathComponent(asset + ".sha256"), atomically: true, encoding: .utf8)
        let refused = try action(["KEYSYNC_COMMAND": "validate", "KEYSYNC_SHA256": pinned])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("the workflow pins sha256 \(pinned)"), refused.stderr)
        XCTAssertEqual(text("output"), "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("runner/keysync-0.1.0/\(asset)").path))

        let malformed = try action(["KEYSYNC_COMMAND": "validate", "KEYSYNC_SHA256": "ABC"])
        XCTAssertEqual(malformed.status, 1)
        XCTAssertTrue(malformed.stderr.contains("sha256 'ABC' is not a SHA-256"), malformed.stderr)
    }

    func testApplyTakesTheSigningKeyFromTheEnvironmentThenPlanHasNoChanges() throws {
        let applied = try action(["KEYSYNC_COMMAND": "apply", "KEYSYNC_SIGNING_KEY": Keysync.testSigningKey])
        XCTAssertEqual(applied.status, 0, applied.stderr)
        XCTAssertTrue(text("summary").contains("Apply complete: 6 created"), text("summary"))
        XCTAssertFalse(text("summary").contains("KEYSYNC-SIGNING-KEY"))
        XCTAssertEqual(outputs["exit-code"], "0")
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("sealed/000001-search.age").path))
        let audit = try String(contentsOf: work.appendingPathComponent("keysync.audit.jsonl"), encoding: .utf8)
        XCTAssertTrue(audit.contains("octocat"), "the actor is GITHUB_ACTOR")

        try clearReports()
        let planned = try action(["KEYSYNC_COMMAND": "plan"])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertEqual(outputs["has-changes"], "false")
        XCTAssertEqual(outputs["create"], "0")
        XCTAssertEqual(outputs["exit-code"], "0")
    }

    func testInvalidManifestFailsWithAnnotations() throws {
        try "version: 1\nprefix: thig\nteams: [\n".write(to: work.appendingPathComponent("keys.yaml"), atomically: true, encoding: .utf8)
        let validated = try action(["KEYSYNC_COMMAND": "validate"])
        XCTAssertEqual(validated.status, 1)
        XCTAssertTrue(validated.stdout.contains("::error file=keys.yaml"), validated.stdout)
        XCTAssertEqual(outputs["exit-code"], "1")

        try clearReports()
        let planned = try action(["KEYSYNC_COMMAND": "plan"])
        XCTAssertEqual(planned.status, 1)
        XCTAssertNil(outputs["has-changes"])
        XCTAssertEqual(text("summary"), "")
    }

    func testValidatePassesOnTheExample() throws {
        let run = try action(["KEYSYNC_COMMAND": "validate", "KEYSYNC_ARGS": ""])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(outputs["exit-code"], "0")
    }

    func testWrongChecksumIsRefusedAndNothingRuns() throws {
        let checksum = release.appendingPathComponent(asset + ".sha256")
        try (String(repeating: "0", count: 64) + "  \(asset)\n").write(to: checksum, atomically: true, encoding: .utf8)
        let run = try action(["KEYSYNC_COMMAND": "plan"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("::error title=keysync action::checksum mismatch for \(asset)"), run.stderr)
        XCTAssertEqual(text("output"), "")
        XCTAssertEqual(text("summary"), "")
        XCTAssertEqual(text("path"), "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("runner/keysync-0.1.0/keysync").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("plan.json").path))
    }

    func testTamperedBinaryIsRefused() throws {
        let binary = try FileHandle(forWritingTo: release.appendingPathComponent(asset))
        try binary.seekToEnd()
        try binary.write(contentsOf: Data([0]))
        try binary.close()
        let run = try action(["KEYSYNC_COMMAND": "validate"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("checksum mismatch"), run.stderr)
        XCTAssertEqual(text("output"), "")
    }

    func testMissingReleaseFails() throws {
        let run = try action(["KEYSYNC_COMMAND": "validate", "KEYSYNC_VERSION": "9.9.9"],
                             environment: ["KEYSYNC_RELEASE_URL": "file://" + folder.appendingPathComponent("releases/v9.9.9").path])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("::error title=keysync action::cannot download"), run.stderr)
    }

    func testSecretInArgsIsRefused() throws {
        let run = try action(["KEYSYNC_COMMAND": "apply",
                              "KEYSYNC_ARGS": "--actor x " + Keysync.testSigningKey.split(separator: "\n")[1]])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("args holds a secret key"), run.stderr)
        XCTAssertFalse(run.stderr.contains("wr6o5RBi"), "the key is not echoed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("keysync.state.json").path))
    }

    func testExpiringSetsHasExpiringAndPassesExitTwoThrough() throws {
        let applied = try action(["KEYSYNC_COMMAND": "apply", "KEYSYNC_SIGNING_KEY": Keysync.testSigningKey])
        XCTAssertEqual(applied.status, 0, applied.stderr)

        // The example's checkout-api expires on 2027-03-01: listed (expiring or expired) within 400 days.
        try clearReports()
        let some = try action(["KEYSYNC_COMMAND": "expiring", "KEYSYNC_ARGS": "--within 400d"])
        XCTAssertEqual(some.status, 2, some.stdout + some.stderr)
        XCTAssertEqual(outputs["has-expiring"], "true")
        XCTAssertEqual(outputs["exit-code"], "2")
        XCTAssertTrue(text("summary").contains("checkout-api"), text("summary"))
    }
}
