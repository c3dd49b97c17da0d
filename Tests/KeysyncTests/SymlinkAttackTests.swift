import Foundation
import XCTest

/// A pull request commits a symbolic link where keysync reads or writes (the audit log, the
/// state, its backup, its lock, the sealed folder, a saved plan), pointing at a secret CI can
/// read or at a place outside the repository. keysync refuses, names the path, and neither
/// reads the target nor writes through it: the secret's text appears in no output and no file.
final class SymlinkAttackTests: XCTestCase {
    private let manifest = """
        version: 1
        prefix: acme
        teams:
          search:
            plan: enterprise
            owner: sam@example.com
            recipients: [age1c9vz9za7flk50tyz47edc7nvlh274sjsw2d0y3mk59dkk88ysp6qwq7zh0]
            keys:
              - name: indexer

        """
    private let secretText = "CI-SECRET-\(UUID().uuidString)"

    private func run(_ arguments: [String], in dir: URL) throws -> ProcessResult {
        try Keysync.run(arguments, in: dir, environment: ["KEYSYNC_NOW": "2026-11-03T10:00:00Z"])
    }

    /// A repository after one apply, a secret file outside it, and a second change pending.
    private func setUp(_ function: String = #function) throws -> (repo: URL, secret: URL, outside: URL) {
        let root = try makeTemporaryDirectory(function)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let repo = root.appendingPathComponent("repo"), outside = root.appendingPathComponent("outside")
        for dir in [repo, outside] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        let secret = outside.appendingPathComponent("secret.txt")
        try Data(secretText.utf8).write(to: secret)
        try Data(manifest.utf8).write(to: repo.appendingPathComponent("keys.yaml"))
        XCTAssertEqual(try run(["apply"], in: repo).exitCode, 0)
        try Data((manifest + "      - name: crawler\n").utf8).write(to: repo.appendingPathComponent("keys.yaml"))
        return (repo, secret, outside)
    }

    private func contents(_ dir: URL) -> String {
        var text = ""
        let enumerator = FileManager.default.enumerator(atPath: dir.path)
        while let name = enumerator?.nextObject() as? String {
            text += String(decoding: FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) ?? Data(), as: UTF8.self)
        }
        return text
    }

    private func plant(_ name: String, pointingAt target: URL, in repo: URL) throws {
        let link = repo.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: link.path) { try FileManager.default.removeItem(at: link) }
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
    }

    func testASymlinkAtEveryPathApplyTouchesIsRefusedAndNothingLeaks() throws {
        for name in ["keysync.audit.jsonl", "keysync.state.json", "keysync.state.json.backup", "keysync.state.json.lock"] {
            let (repo, secret, _) = try setUp()
            try plant(name, pointingAt: secret, in: repo)
            let before = contents(repo)
            for arguments in [["apply"], ["plan"]] where !(name.hasSuffix(".lock") || name.hasSuffix(".backup")) || arguments == ["apply"] {
                let result = try run(arguments, in: repo)
                XCTAssertEqual(result.exitCode, 1, "\(name) \(arguments): \(result.stdout)")
                XCTAssertTrue(result.stderr.contains(name) && result.stderr.contains("symbolic link"), "\(name) \(arguments): \(result.stderr)")
                XCTAssertFalse(result.stdout.contains(secretText) || result.stderr.contains(secretText), "\(name): the secret was printed")
            }
            XCTAssertEqual(try String(contentsOf: secret, encoding: .utf8), secretText, "\(name): the target was written")
            XCTAssertEqual(contents(repo), before, "\(name): apply wrote something")
            XCTAssertFalse(contents(repo).replacingOccurrences(of: before, with: "").contains(secretText))
        }
    }

    /// Diagnostics quote the manifest's lines into CI logs: a manifest (or a file of a manifest
    /// folder, or the folder) linked to a secret must not be read at all.
    func testASymlinkedManifestIsNotReadSoNothingOfItsTargetIsQuoted() throws {
        let (repo, secret, outside) = try setUp()
        try Data("\(secretText): [unclosed\n".utf8).write(to: secret)
        try plant("keys.yaml", pointingAt: secret, in: repo)
        let folder = repo.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("teams.yaml"), withDestinationURL: secret)
        try FileManager.default.createSymbolicLink(at: repo.appendingPathComponent("linked"), withDestinationURL: outside)
        try FileManager.default.copyItem(at: secret, to: outside.appendingPathComponent("more.yaml"))
        for arguments in [["validate", "keys.yaml"], ["plan"], ["plan", "-m", "keys"], ["validate", "linked"]] {
            let result = try run(arguments, in: repo)
            XCTAssertEqual(result.exitCode, 1, "\(arguments)")
            XCTAssertTrue((result.stdout + result.stderr).contains("is a symbolic link"), "\(arguments): \(result.stdout)\(result.stderr)")
            XCTAssertFalse((result.stdout + result.stderr).contains(secretText), "\(arguments): the secret was quoted")
        }
    }

    func testASymlinkedSealedFolderIsRefusedBeforeAnythingIsWritten() throws {
        let (repo, _, outside) = try setUp()
        try FileManager.default.moveItem(at: repo.appendingPathComponent("sealed"), to: outside.appendingPathComponent("sealed"))
        try plant("sealed", pointingAt: outside.appendingPathComponent("sealed"), in: repo)
        let result = try run(["apply"], in: repo)
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertTrue(result.stderr.contains("sealed") && result.stderr.contains("symbolic link"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside.appendingPathComponent("sealed").path), ["000001-search.age"])
    }

    func testASymlinkedSavedPlanIsRefused() throws {
        let (repo, _, outside) = try setUp()
        XCTAssertEqual(try run(["plan", "--out", "../outside/plan.json"], in: repo).exitCode, 0)
        try plant("plan.json", pointingAt: outside.appendingPathComponent("plan.json"), in: repo)
        let result = try run(["apply", "plan.json"], in: repo)
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertTrue(result.stderr.contains("plan.json") && result.stderr.contains("symbolic link"), result.stderr)
    }
}

/// A saved plan is a CI artifact anyone with access to the run can replace. apply makes the plan
/// again from the manifest and state at the saved plan's time and refuses a file that acts
/// otherwise: a recipient swapped (keys sealed to someone else), the prefix or a limit changed.
final class SavedPlanTamperingTests: XCTestCase {
    func testAnEditedSavedPlanIsRefusedAndNothingIsWritten() throws {
        let dir = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let demo = "age1c9vz9za7flk50tyz47edc7nvlh274sjsw2d0y3mk59dkk88ysp6qwq7zh0"
        let attacker = try Keysync.run(["keygen", "-o", "attacker.txt"], in: dir).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try Data("""
            version: 1
            prefix: acme
            teams:
              search:
                plan: enterprise
                owner: sam@example.com
                recipients: [\(demo)]
                keys:
                  - name: indexer

            """.utf8).write(to: dir.appendingPathComponent("keys.yaml"))
        let env = ["KEYSYNC_NOW": "2026-11-03T10:00:00Z"]
        XCTAssertEqual(try Keysync.run(["plan", "--out", "plan.json"], in: dir, environment: env).exitCode, 0)
        let original = try String(contentsOf: dir.appendingPathComponent("plan.json"), encoding: .utf8)
        XCTAssertTrue(original.contains(demo))
        let edits = [
            original.replacingOccurrences(of: demo, with: attacker),
            original.replacingOccurrences(of: "\"prefix\": \"acme\"", with: "\"prefix\": \"evil\""),
            original.replacingOccurrences(of: "\"rate_limit\": 60", with: "\"rate_limit\": 10000"),
        ]
        for edited in edits {
            XCTAssertNotEqual(edited, original)
            try Data(edited.utf8).write(to: dir.appendingPathComponent("plan.json"))
            let result = try Keysync.run(["apply", "plan.json"], in: dir, environment: env)
            XCTAssertEqual(result.exitCode, 1, result.stdout)
            XCTAssertTrue(result.stderr.contains("error[plan-tampered]: the saved plan is not the plan the manifest and the state give"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("keysync.state.json").path))
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("sealed").path))
        }
        try Data(original.utf8).write(to: dir.appendingPathComponent("plan.json"))
        let honest = try Keysync.run(["apply", "plan.json"], in: dir, environment: env)
        XCTAssertEqual(honest.exitCode, 0, honest.stderr)
    }
}
