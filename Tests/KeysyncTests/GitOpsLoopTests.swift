import CZlib
import Crypto
import Foundation
import Reconciler
import XCTest

/// The whole GitOps loop with real git and the real `age` CLI, as the CI templates run it:
/// a branch adds a key → plan shows it → merge → apply → the sealed file opens with `age -d` and
/// the key verifies; a branch revokes it → plan → apply → verify answers 401; a branch that edits
/// the state by hand fails the plan check once a state public key is configured.
final class GitOpsLoopTests: XCTestCase {
    private var git = ""
    private var repository = URL(fileURLWithPath: "/")
    /// Every raw key the loop saw: none may appear in any output, state, plan or commit.
    private var rawKeys: [String] = []
    private var outputs: [String] = []

    private func gitRun(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try AgeCLI.run(git, ["-c", "user.name=Alice", "-c", "user.email=alice@example.com",
                                          "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"] + arguments,
                                    in: repository)
        XCTAssertEqual(result.status, 0, "git \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
    }

    private func keysync(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        let result = try Keysync.run(arguments, stdin: stdin, in: repository, environment: environment)
        outputs += [result.stdout, result.stderr]
        return result
    }

    private func writeManifest(keys: String) throws {
        let text = """
            version: 1
            prefix: thig
            teams:
              payments:
                plan: professional
                owner: alice@example.com
                recipients: [\(recipient)]
                keys:\(keys.isEmpty ? " []" : "\n" + keys)

            """
        try Data(text.utf8).write(to: repository.appendingPathComponent("keys.yaml"))
    }

    private var recipient = ""

    /// The CI apply job: apply on main with the signing key and actor, then commit what it wrote.
    private func applyOnMain(signingKey: String, publicKey: String) throws -> ProcessResult {
        try gitRun(["checkout", "--quiet", "main"])
        let apply = try keysync(["apply", "-m", "keys.yaml", "--state", "keysync.state.json", "--sealed-dir", "sealed",
                                 "--actor", "alice", "--lock-timeout", "5s"],
                                environment: ["KEYSYNC_SIGNING_KEY": signingKey, "KEYSYNC_STATE_PUBLIC_KEY": publicKey])
        XCTAssertEqual(apply.exitCode, 0, apply.stderr)
        try gitRun(["add", "-A", "keysync.state.json", "keysync.state.d", "keysync.audit.jsonl", "sealed"])
        try gitRun(["commit", "--quiet", "-m", "keysync apply [skip ci]"])
        return apply
    }

    private func mergeIntoMain(_ branch: String) throws {
        try gitRun(["checkout", "--quiet", "main"])
        try gitRun(["merge", "--quiet", "--no-ff", "-m", "Merge \(branch)", branch])
    }

    func testAddApplyUnsealVerifyRevokeAndForgedStateIsRefused() throws {
        git = try AgeCLI.require("git")
        let age = try AgeCLI.require("age")
        let home = try makeTemporaryDirectory()
        repository = home.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }

        // The team's identity (outside the repository) and CI's state signing key.
        let identity = home.appendingPathComponent("payments.txt").path
        let keygen = try keysync(["keygen", "-o", identity])
        XCTAssertEqual(keygen.exitCode, 0, keygen.stderr)
        recipient = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(recipient.hasPrefix("age1"), recipient)
        let signingFile = home.appendingPathComponent("signing.key").path
        let signingKeygen = try keysync(["keygen", "--signing", "-o", signingFile])
        XCTAssertEqual(signingKeygen.exitCode, 0, signingKeygen.stderr)
        let publicKey = signingKeygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(publicKey.hasPrefix("keysync-ed25519:"), publicKey)
        let signingKey = try String(contentsOfFile: signingFile, encoding: .utf8)
        let trusted = ["KEYSYNC_STATE_PUBLIC_KEY": publicKey]

        // main: the team, no keys yet.
        try gitRun(["init", "--quiet"])
        try writeManifest(keys: "")
        try gitRun(["add", "keys.yaml"])
        try gitRun(["commit", "--quiet", "-m", "payments team"])

        // A branch adds a key: plan (as the PR job runs it) exits 2 and names the key.
        try gitRun(["checkout", "--quiet", "-b", "add-checkout-api"])
        try writeManifest(keys: "      - name: checkout-api\n        expires_in: 90d")
        try gitRun(["commit", "--quiet", "-am", "add checkout-api"])
        let addPlan = try keysync(["plan", "-m", "keys.yaml", "--state", "keysync.state.json", "--format", "markdown",
                                   "--detailed-exitcode"], environment: trusted)
        XCTAssertEqual(addPlan.exitCode, 2, addPlan.stderr)
        XCTAssertTrue(addPlan.stdout.contains("checkout-api"), addPlan.stdout)

        // Merge → apply → the sealed file opens with the stock age CLI and holds the key.
        try mergeIntoMain("add-checkout-api")
        _ = try applyOnMain(signingKey: signingKey, publicKey: publicKey)
        let sealedFiles = try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("sealed").path)
            .filter { $0.hasSuffix(".age") }
        XCTAssertEqual(sealedFiles.count, 1, "\(sealedFiles)")
        let sealed = repository.appendingPathComponent("sealed").appendingPathComponent(try XCTUnwrap(sealedFiles.first)).path
        let opened = try AgeCLI.run(age, ["-d", "-i", identity, sealed])
        XCTAssertEqual(opened.status, 0, opened.stderr)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(opened.stdout)) as? [String: Any])
        let entry = try XCTUnwrap((document["keys"] as? [[String: Any]])?.first)
        XCTAssertEqual(entry["name"] as? String, "checkout-api")
        let rawKey = try XCTUnwrap(entry["key"] as? String)
        XCTAssertTrue(rawKey.hasPrefix("thig_"), "not a key: \(rawKey.prefix(5))...")
        rawKeys.append(rawKey)

        let valid = try keysync(["verify", "--state", "keysync.state.json"], stdin: Data((rawKey + "\n").utf8), environment: trusted)
        XCTAssertEqual(valid.exitCode, 0, valid.stdout + valid.stderr)
        XCTAssertTrue(valid.stdout.hasPrefix("VALID (200)"), valid.stdout)
        let noChanges = try keysync(["plan", "--detailed-exitcode"], environment: trusted)
        XCTAssertEqual(noChanges.exitCode, 0, noChanges.stdout + noChanges.stderr)

        // A branch revokes it (removes it from the manifest): plan shows the revoke, apply, 401.
        try gitRun(["checkout", "--quiet", "-b", "revoke-checkout-api"])
        try writeManifest(keys: "")
        try gitRun(["commit", "--quiet", "-am", "revoke checkout-api"])
        let revokePlan = try keysync(["plan", "--format", "markdown", "--detailed-exitcode"], environment: trusted)
        XCTAssertEqual(revokePlan.exitCode, 2, revokePlan.stderr)
        XCTAssertTrue(revokePlan.stdout.lowercased().contains("revoke"), revokePlan.stdout)
        XCTAssertTrue(revokePlan.stdout.contains("checkout-api"), revokePlan.stdout)
        try mergeIntoMain("revoke-checkout-api")
        _ = try applyOnMain(signingKey: signingKey, publicKey: publicKey)
        let revoked = try keysync(["verify", "--format", "json"], stdin: Data(rawKey.utf8), environment: trusted)
        XCTAssertEqual(revoked.exitCode, 1, revoked.stderr)
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(revoked.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(answer["code"] as? String, "KEY_REVOKED")
        XCTAssertEqual(answer["http_status"] as? Int, 401)

        // Branches that edit the state by hand: the plan check fails with the public key set.
        let chosenKey = Self.forgedKey(prefix: "thig")
        rawKeys.append(chosenKey)
        let forgeries: [(String, ([String: Any]) -> [String: Any])] = [
            ("add-a-record", { state in
                var state = state
                var keys = state["keys"] as? [[String: Any]] ?? []
                var record = keys[0]
                record["id"] = "key_aaaaaaaaaaaaaaaaaaaa"
                record["name"] = "backdoor"
                record["hash"] = "sha256:" + SHA256.hash(data: Data(chosenKey.utf8)).map { String(format: "%02x", $0) }.joined()
                let body = chosenKey.dropFirst("thig_".count)
                record["preview"] = "thig_\(body.prefix(4))...\(chosenKey.suffix(4))"
                record["status"] = "active"
                for field in ["revoked_at", "revoked_reason", "revoke_after"] { record[field] = NSNull() }
                keys.append(record)
                state["keys"] = keys
                return state
            }),
            ("unrevoke", { state in
                var state = state
                var keys = state["keys"] as? [[String: Any]] ?? []
                keys[0]["status"] = "active"
                for field in ["revoked_at", "revoked_reason"] { keys[0][field] = NSNull() }
                state["keys"] = keys
                return state
            }),
        ]
        for (name, edit) in forgeries {
            try gitRun(["checkout", "--quiet", "main"])
            try gitRun(["checkout", "--quiet", "-b", "forge-\(name)"])
            let stateURL = repository.appendingPathComponent("keysync.state.json")
            // The whole state (index and shards) as one JSON object, edited as the forger likes.
            let signed = try readState(at: stateURL)
            var oneFile = signed
            oneFile.version = 2
            let state = try XCTUnwrap(try JSONSerialization.jsonObject(with: oneFile.encoded()) as? [String: Any])
            // Written in the canonical form, as a careful forger would (every shard, and the index
            // naming them by their new hashes): only the signature is left to stop it.
            let edited = try JSONSerialization.data(withJSONObject: edit(state), options: [.sortedKeys])
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .custom { try Timestamp.parse($0.singleValueContainer().decode(String.self))! }
            var forged = try decoder.decode(StateFile.self, from: edited)
            forged.version = signed.version
            try writeState(forged, to: stateURL)
            try gitRun(["add", "-A", "keysync.state.json", "keysync.state.d"])
            try gitRun(["commit", "--quiet", "-am", "edit the state by hand: \(name)"])

            let check = try keysync(["plan", "--format", "markdown", "--detailed-exitcode"], environment: trusted)
            XCTAssertEqual(check.exitCode, 1, "\(name): plan accepted a hand-edited state\n\(check.stdout)")
            XCTAssertTrue(check.stderr.contains("signature"), "\(name): \(check.stderr)")
            // The readers refuse it too: neither key verifies against the forged state.
            for key in [chosenKey, rawKey] {
                let verify = try keysync(["verify"], stdin: Data(key.utf8), environment: trusted)
                XCTAssertEqual(verify.exitCode, 1, "\(name)")
                XCTAssertFalse(verify.stdout.contains("VALID (200)"), "\(name): \(verify.stdout)")
            }
        }
        // Without a configured public key the forged record would have been believed: the
        // check above is what stops it.
        try gitRun(["checkout", "--quiet", "forge-add-a-record"])
        let unchecked = try keysync(["verify", "--insecure-unsigned"], stdin: Data(chosenKey.utf8), environment: Keysync.noKeys)
        XCTAssertTrue(unchecked.stdout.hasPrefix("VALID (200)"), "the forged state was not forged well enough: \(unchecked.stdout)")

        // No raw key anywhere: outputs, the state, the audit log, any commit.
        let history = try AgeCLI.run(git, ["log", "--all", "-p", "--text"], in: repository)
        let committed = String(decoding: history.stdout, as: UTF8.self)
        for key in rawKeys {
            XCTAssertFalse(committed.contains(key), "a raw key is in the git history")
            for output in outputs { XCTAssertFalse(output.contains(key), "a raw key was printed") }
        }
    }

    /// A well-formed key of the author's choosing (right length, right CRC32 checksum), computed
    /// here independently of keysync: what someone editing the state by hand would plant.
    static func forgedKey(prefix: String) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        let head = prefix + "_" + String(repeating: "Backd00r", count: 4).prefix(27)
        let bytes = Array(head.utf8)
        var value = UInt64(bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
        var checksum: [Character] = []
        for _ in 0..<6 {
            checksum.insert(alphabet[Int(value % 62)], at: 0)
            value /= 62
        }
        return head + String(checksum)
    }
}
