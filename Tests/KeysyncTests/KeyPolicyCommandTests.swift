import Foundation
import XCTest
import Reconciler

/// `rotate_every`, `protect` and `--max-revocations` end to end: the built binary on real
/// files, the clock moved with `KEYSYNC_NOW`.
final class KeyPolicyCommandTests: XCTestCase {
    private static let start = "2026-11-25T12:00:00Z"
    /// Every result of every command run in a test, for the leak search at its end.
    private var results: [(command: [String], result: ProcessResult)] = []
    /// Raw keys unsealed during a test: none may appear in any command's output.
    private var rawKeys: Set<String> = []
    /// The project's age recipient, which `write` puts in place of `RECIPIENT`.
    private var recipient = ""

    override func tearDown() {
        for (command, result) in results {
            for key in rawKeys {
                XCTAssertFalse(result.stdout.contains(key) || result.stderr.contains(key), "\(command) printed a raw key")
            }
        }
        super.tearDown()
    }

    private func project(_ manifest: String, _ function: String = #function) throws -> URL {
        let dir = try makeTemporaryDirectory(function)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let keygen = try run(["keygen", "-o", "id.txt"], in: dir)
        XCTAssertEqual(keygen.exitCode, 0, keygen.stderr)
        recipient = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try write(manifest, in: dir)
        return dir
    }

    private func write(_ manifest: String, in dir: URL) throws {
        try Data(manifest.replacingOccurrences(of: "RECIPIENT", with: recipient).utf8).write(to: dir.appendingPathComponent("keys.yaml"))
    }

    private func edit(in dir: URL, _ change: (String) -> String) throws {
        let text = try String(contentsOf: dir.appendingPathComponent("keys.yaml"), encoding: .utf8)
        try write(change(text), in: dir)
    }

    @discardableResult
    private func run(_ arguments: [String], in dir: URL, at now: String = start, stdin: Data? = nil,
                     environment: [String: String] = [:]) throws -> ProcessResult {
        var env = ["KEYSYNC_NOW": now]
        env.merge(environment) { _, new in new }
        let result = try Keysync.run(arguments, stdin: stdin, in: dir, environment: env)
        results.append((arguments, result))
        return result
    }

    private struct Sealed: Decodable {
        struct Entry: Decodable { var name: String; var id: String; var key: String }
        var keys: [Entry]
    }

    /// The raw keys of a sealed file by name (remembered for the leak search).
    private func unseal(_ path: String, in dir: URL) throws -> [String: String] {
        let result = try Keysync.run(["unseal", path, "-i", "id.txt"], in: dir)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let document = try JSONDecoder().decode(Sealed.self, from: result.stdoutBytes)
        var keys: [String: String] = [:]
        for entry in document.keys {
            keys[entry.name] = entry.key
            rawKeys.insert(entry.key)
        }
        return keys
    }

    private func verify(_ key: String, in dir: URL, at now: String) throws -> ProcessResult {
        try run(["verify"], in: dir, at: now, stdin: Data((key + "\n").utf8))
    }

    private func snapshot(_ dir: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: dir.path)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = dir.appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
               !name.hasSuffix(".lock") {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return files
    }

    private struct State: Decodable {
        struct Key: Decodable {
            var id: String; var name: String; var status: String; var generation: Int
            var revoked_reason: String?; var revoke_after: String?; var rotate_due_at: String?; var protected: Bool?
        }
        struct Team: Decodable { var name: String; var protected: Bool? }
        var version: Int; var serial: Int; var keys: [Key]; var teams: [Team]
    }

    private func state(_ dir: URL) throws -> State {
        // Read through the public reader (an index and its shards), then viewed as one document.
        var read = try readState(at: dir.appendingPathComponent("keysync.state.json"))
        let version = read.version
        read.version = StateFile.singleFileVersions.upperBound
        var state = try JSONDecoder().decode(State.self, from: Data(read.encoded()))
        state.version = version
        return state
    }

    // MARK: rotate_every

    private static let scheduled = """
        version: 1
        prefix: thig
        teams:
          payments:
            plan: enterprise
            owner: lead@example.com
            recipients: [RECIPIENT]
            keys:
              - name: api
                rotate_every: 30d
              - name: web
                rotate_every: 30d
                rotate_grace: 24h
              - name: batch

        """

    func testScheduledRotationComesDueIsListedAppliedAndThenQuiet() throws {
        let dir = try project(Self.scheduled)
        let first = try run(["apply"], in: dir)
        XCTAssertEqual(first.exitCode, 0, first.stderr)
        var recorded = try state(dir)
        XCTAssertEqual(recorded.version, 3)
        XCTAssertEqual(recorded.keys.map(\.rotate_due_at), ["2026-12-25T12:00:00Z", nil, "2026-12-25T12:00:00Z"])
        let old = try unseal("sealed/000001-payments.age", in: dir)

        // Before it is due: nothing to plan; `expiring` lists it once it is within the window.
        XCTAssertEqual(try run(["plan", "--detailed-exitcode"], in: dir, at: "2026-12-15T12:00:00Z").exitCode, 0)
        let quiet = try run(["expiring", "--within", "7d"], in: dir, at: "2026-12-15T12:00:00Z")
        XCTAssertEqual(quiet.exitCode, 0, quiet.stdout + quiet.stderr)
        let soon = try run(["expiring", "--within", "14d"], in: dir, at: "2026-12-15T12:00:00Z")
        XCTAssertEqual(soon.exitCode, 2, soon.stderr)
        XCTAssertTrue(soon.stdout.hasPrefix("no keys have expired or expire within 14d (as of 2026-12-15T12:00:00Z)\n\n2 keys are due for scheduled rotation (rotate_every) within 14d:\n"), soon.stdout)
        XCTAssertTrue(soon.stdout.contains("2026-12-25T12:00:00Z  coming  payments  api "), soon.stdout)
        let json = try run(["expiring", "--within", "14d", "--format", "json"], in: dir, at: "2026-12-15T12:00:00Z")
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: json.stdoutBytes) as? [String: Any])
        let rotations = try XCTUnwrap(report["rotations"] as? [[String: Any]])
        XCTAssertEqual(rotations.map { $0["name"] as? String }, ["api", "web"])
        XCTAssertEqual(rotations.map { $0["rotate_at"] as? String }, ["2026-12-25T12:00:00Z", "2026-12-25T12:00:00Z"])
        XCTAssertEqual(rotations.map { $0["due"] as? Bool }, [false, false])
        XCTAssertEqual((report["keys"] as? [Any])?.count, 0)

        // The clock moves past rotate_every: the plan proposes both rotations, reason "due".
        let due = "2026-12-26T12:00:00Z"
        let plan = try run(["plan", "--detailed-exitcode"], in: dir, at: due)
        XCTAssertEqual(plan.exitCode, 2, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("-/+ key payments/api (\(recorded.keys[0].id), "), plan.stdout)
        XCTAssertTrue(plan.stdout.contains(") will be rotated: due (its rotate_every has passed)\n"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("rotate_every: 30d after creation"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("Plan: 2 to rotate."), plan.stdout)
        let markdown = try run(["plan", "--format", "markdown"], in: dir, at: due)
        XCTAssertTrue(markdown.stdout.contains("| due; new key; old key revoked at once |"), markdown.stdout)
        let planJSON = try run(["plan", "--format", "json"], in: dir, at: due)
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: planJSON.stdoutBytes) as? [String: Any])
        let changes = try XCTUnwrap(parsed["key_changes"] as? [[String: Any]])
        XCTAssertEqual(changes.map { $0["reason"] as? String }, ["due", "due"])
        let listed = try run(["expiring", "--within", "1d"], in: dir, at: due)
        XCTAssertTrue(listed.stdout.contains("2026-12-25T12:00:00Z  due    payments  api "), listed.stdout)

        let apply = try run(["apply"], in: dir, at: due)
        XCTAssertEqual(apply.exitCode, 0, apply.stderr)
        XCTAssertTrue(apply.stdout.contains("Apply complete: 2 rotated."), apply.stdout)
        recorded = try state(dir)
        let byName = Dictionary(grouping: recorded.keys, by: \.name)
        // api: revoked at once; web: retiring until its grace ends; both successors scheduled again.
        XCTAssertEqual(byName["api"]?.map(\.status).sorted(), ["active", "revoked"])
        let oldAPI = try XCTUnwrap(byName["api"]?.first { $0.status == "revoked" })
        XCTAssertEqual(oldAPI.revoked_reason, "rotated")
        let oldWeb = try XCTUnwrap(byName["web"]?.first { $0.revoke_after != nil })
        XCTAssertEqual(oldWeb.revoke_after, "2026-12-27T12:00:00Z")
        for name in ["api", "web"] {
            let successor = try XCTUnwrap(byName[name]?.first { $0.status == "active" && $0.revoke_after == nil }, name)
            XCTAssertEqual(successor.generation, 0, "a scheduled rotation keeps the generation")
            XCTAssertEqual(successor.rotate_due_at, "2027-01-25T12:00:00Z")
        }
        let new = try unseal("sealed/000002-payments.age", in: dir)
        XCTAssertEqual(new.keys.sorted(), ["api", "web"])
        let audit = try String(contentsOf: dir.appendingPathComponent("keysync.audit.jsonl"), encoding: .utf8)
        XCTAssertEqual(audit.components(separatedBy: "\"key.rotated\"").count - 1, 2, audit)
        XCTAssertEqual(audit.components(separatedBy: "\"to\":\"due\"").count - 1, 2, audit)

        // The old api key is refused at once; the old web key works until its grace ends.
        XCTAssertEqual(try verify(old["api"]!, in: dir, at: due).exitCode, 1)
        XCTAssertEqual(try verify(old["web"]!, in: dir, at: due).exitCode, 0)
        XCTAssertEqual(try verify(new["api"]!, in: dir, at: due).exitCode, 0)
        XCTAssertEqual(try verify(old["batch"]!, in: dir, at: due).exitCode, 0)

        // Afterwards the plan is empty, until the grace ends.
        XCTAssertEqual(try run(["plan", "--detailed-exitcode"], in: dir, at: due).exitCode, 0)
        let graceEnded = try run(["plan"], in: dir, at: "2026-12-27T12:00:00Z")
        XCTAssertTrue(graceEnded.stdout.contains("Plan: 1 to revoke."), graceEnded.stdout)

        // A later manual bump of `rotate` still rotates (generation 0 → 1), reason not "due".
        try edit(in: dir) { $0.replacingOccurrences(of: "      - name: batch\n", with: "      - name: batch\n        rotate: 1\n") }
        let bump = try run(["plan", "--format", "json"], in: dir, at: due)
        let bumped = try XCTUnwrap(JSONSerialization.jsonObject(with: bump.stdoutBytes) as? [String: Any])
        let bumpChanges = try XCTUnwrap(bumped["key_changes"] as? [[String: Any]])
        XCTAssertEqual(bumpChanges.map { $0["name"] as? String }, ["batch"])
        XCTAssertNil(bumpChanges.first?["reason"])
    }

    // MARK: protect

    private static let protected = """
        version: 1
        prefix: thig
        teams:
          payments:
            plan: enterprise
            owner: lead@example.com
            protect: true
            recipients: [RECIPIENT]
            keys:
              - name: api
                protect: true
              - name: web
          search:
            plan: enterprise
            owner: search@example.com
            recipients: [RECIPIENT]
            keys:
              - name: indexer

        """

    func testProtectRefusesRevocationsUntilTheFlagIsRemovedInAnEarlierChange() throws {
        let dir = try project(Self.protected)
        XCTAssertEqual(try run(["apply"], in: dir).exitCode, 0)
        let recorded = try state(dir)
        XCTAssertEqual(recorded.teams.map(\.protected), [true, nil])
        XCTAssertEqual(recorded.keys.map(\.protected), [true, nil, nil])
        let before = try snapshot(dir)

        let refusals: [(name: String, edit: (String) -> String, codes: [String])] = [
            ("key deleted", { $0.replacingOccurrences(of: "      - name: api\n        protect: true\n", with: "") }, ["key-protected"]),
            ("flag and key deleted together",
             { $0.replacingOccurrences(of: "        protect: true\n", with: "").replacingOccurrences(of: "      - name: api\n", with: "") },
             ["key-protected"]),
            ("team deleted (with its flags)", { text in
                "version: 1\nprefix: thig\nteams:\n" + String(text[text.range(of: "  search:")!.lowerBound...]) }, ["team-protected", "key-protected"]),
        ]
        for refusal in refusals {
            try write(Self.protected, in: dir)
            let original = try String(contentsOf: dir.appendingPathComponent("keys.yaml"), encoding: .utf8)
            try edit(in: dir, refusal.edit)
            XCTAssertNotEqual(try String(contentsOf: dir.appendingPathComponent("keys.yaml"), encoding: .utf8), original, refusal.name)
            let plan = try run(["plan"], in: dir)
            XCTAssertEqual(plan.exitCode, 1, "\(refusal.name): \(plan.stdout)")
            for code in refusal.codes {
                XCTAssertTrue(plan.stderr.contains(code), "\(refusal.name): \(plan.stderr)")
            }
            XCTAssertTrue(plan.stderr.contains("remove `protect: true`"), plan.stderr)
            let apply = try run(["apply"], in: dir)
            XCTAssertEqual(apply.exitCode, 1, refusal.name)
            XCTAssertTrue(apply.stderr.contains(refusal.codes[0]), apply.stderr)
            var after = try snapshot(dir)
            after["keys.yaml"] = before["keys.yaml"]
            XCTAssertEqual(after, before, "\(refusal.name): nothing is written")
        }
        XCTAssertTrue(try run(["plan"], in: dir).stderr.contains("key payments/api (\(recorded.keys[0].id)) is protected, but this plan would revoke it"))

        // The way out: remove the flag in its own change and apply it; then the key can go.
        try write(Self.protected, in: dir)
        try edit(in: dir) { $0.replacingOccurrences(of: "      - name: api\n        protect: true\n", with: "      - name: api\n") }
        let unprotect = try run(["apply"], in: dir)
        XCTAssertEqual(unprotect.exitCode, 0, unprotect.stderr)
        XCTAssertTrue(unprotect.stdout.contains("protected: true → false"), unprotect.stdout)
        XCTAssertNil(try state(dir).keys.first { $0.name == "api" }?.protected)
        try edit(in: dir) { $0.replacingOccurrences(of: "      - name: api\n", with: "") }
        let revoke = try run(["apply"], in: dir)
        XCTAssertEqual(revoke.exitCode, 0, revoke.stderr)
        XCTAssertEqual(try state(dir).keys.first { $0.name == "api" }?.status, "revoked")
    }

    // MARK: --max-revocations

    func testApplyRefusesMoreRevocationsThanTheLimitUnlessRaised() throws {
        let keys = (1...12).map { "      - name: key-\($0)\n" }.joined()
        let dir = try project("""
            version: 1
            prefix: thig
            teams:
              payments:
                plan: enterprise
                owner: lead@example.com
                recipients: [RECIPIENT]
                keys:

            """ + keys)
        XCTAssertEqual(try run(["apply"], in: dir).exitCode, 0)
        try edit(in: dir) { text in
            (2...12).reduce(text) { $0.replacingOccurrences(of: "      - name: key-\($1)\n", with: "") }
        }
        let before = try snapshot(dir)

        let plan = try run(["plan", "--out", "plan.json"], in: dir)
        XCTAssertEqual(plan.exitCode, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("Plan: 11 to revoke."), plan.stdout)
        let warning = "Warning: this plan revokes 11 keys, more than the limit of 10: apply will refuse it\n"
        XCTAssertTrue(plan.stdout.contains(warning), plan.stdout)
        let markdown = try run(["plan", "--format", "markdown"], in: dir)
        XCTAssertTrue(markdown.stdout.contains("> - this plan revokes 11 keys, more than the limit of 10: apply will refuse it"), markdown.stdout)
        let json = try run(["plan", "--format", "json"], in: dir)
        let notes = try XCTUnwrap((JSONSerialization.jsonObject(with: json.stdoutBytes) as? [String: Any])?["notes"] as? [[String: Any]])
        XCTAssertEqual(notes.map { $0["kind"] as? String }, ["revocation-limit"])
        XCTAssertEqual(notes.first?["team"] as? String, "")
        XCTAssertFalse(try run(["plan", "--max-revocations", "11"], in: dir).stdout.contains("revocation"))
        XCTAssertTrue(try run(["plan"], in: dir, environment: ["KEYSYNC_MAX_REVOCATIONS": "3"]).stdout
            .contains("more than the limit of 3"))

        let dryRun = try run(["apply", "--dry-run"], in: dir)
        XCTAssertEqual(dryRun.exitCode, 0, "a dry run writes nothing, so it only warns")
        XCTAssertTrue(dryRun.stdout.contains(warning), dryRun.stdout)
        let refused = try run(["apply"], in: dir)
        XCTAssertEqual(refused.exitCode, 1)
        XCTAssertTrue(refused.stderr.contains("revocation-limit"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--max-revocations 11"), refused.stderr)
        let saved = try run(["apply", "plan.json"], in: dir)
        XCTAssertEqual(saved.exitCode, 1, "a saved plan is checked too")
        XCTAssertTrue(saved.stderr.contains("revocation-limit"), saved.stderr)
        XCTAssertEqual(try run(["apply", "--max-revocations", "10"], in: dir).exitCode, 1)
        XCTAssertEqual(try run(["apply"], in: dir, environment: ["KEYSYNC_MAX_REVOCATIONS": "5"]).exitCode, 1)
        let badVariable = try run(["apply"], in: dir, environment: ["KEYSYNC_MAX_REVOCATIONS": "many"])
        XCTAssertEqual(badVariable.exitCode, 1)
        XCTAssertTrue(badVariable.stderr.contains("KEYSYNC_MAX_REVOCATIONS must be a whole number"), badVariable.stderr)
        XCTAssertEqual(try run(["apply", "--max-revocations", "-1"], in: dir).exitCode, 64)
        var after = try snapshot(dir)
        after["plan.json"] = nil
        XCTAssertEqual(after, before, "nothing is written by a refused apply")

        let raised = try run(["apply", "plan.json"], in: dir, environment: ["KEYSYNC_MAX_REVOCATIONS": "11"])
        XCTAssertEqual(raised.exitCode, 0, raised.stderr)
        XCTAssertTrue(raised.stdout.contains("11 revoked"), raised.stdout)
        XCTAssertEqual(try state(dir).keys.filter { $0.status == "revoked" }.count, 11)
    }
}
