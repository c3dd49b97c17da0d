import Crypto
import Foundation
import Reconciler
import XCTest

/// The attacks on "revoked stays revoked", done the way someone with write access to the
/// config repository would: files copied back from older commits, deleted, cut, rewritten, a
/// trust variable left empty. Each is refused by the built binary with its own code, and
/// nothing is written.
final class TrustAttackTests: XCTestCase {
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
              - name: crawler

        """

    /// A repository after two applies: both keys created, then `crawler` revoked. Returns the
    /// folder and copies of the files as they were after the first apply ("git history").
    private func repositoryWithHistory(_ function: String = #function) throws -> (URL, old: [String: Data]) {
        let dir = try makeTemporaryDirectory(function)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try Data(manifest.utf8).write(to: dir.appendingPathComponent("keys.yaml"))
        XCTAssertEqual(try run(["apply"], in: dir, at: "2026-11-01T10:00:00Z").exitCode, 0)
        var old = try stateFiles(at: dir.appendingPathComponent("keysync.state.json"))
        old["keysync.audit.jsonl"] = try Data(contentsOf: dir.appendingPathComponent("keysync.audit.jsonl"))
        let revoked = manifest.replacingOccurrences(of: "      - name: crawler\n", with: "")
        try Data(revoked.utf8).write(to: dir.appendingPathComponent("keys.yaml"))
        let second = try run(["apply"], in: dir, at: "2026-11-02T10:00:00Z")
        XCTAssertEqual(second.exitCode, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("1 revoked. State serial 2."), second.stdout)
        return (dir, old)
    }

    @discardableResult
    private func run(_ arguments: [String], in dir: URL, at now: String = "2026-11-03T10:00:00Z",
                     environment: [String: String] = [:], stdin: Data? = nil) throws -> ProcessResult {
        try Keysync.run(arguments, stdin: stdin, in: dir,
                        environment: ["KEYSYNC_NOW": now].merging(environment) { $1 })
    }

    private func files(_ dir: URL) throws -> [String: Data] {
        var found: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: dir.path)
        while let name = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) { found[name] = data }
        }
        return found
    }

    /// Every reader and apply refuse the repository with `code`; nothing is written.
    private func assertRefused(_ dir: URL, code: String, line: UInt = #line) throws {
        let before = try files(dir)
        for arguments in [["plan"], ["apply"], ["list"], ["expiring"], ["audit", "verify"]] {
            let result = try run(arguments, in: dir)
            XCTAssertEqual(result.exitCode, 1, "\(arguments): \(result.stdout)", line: line)
            XCTAssertTrue(result.stderr.contains("error[\(code)]"), "\(arguments): \(result.stderr)", line: line)
        }
        let verify = try run(["verify"], in: dir, stdin: Data("acme_0000000000000000000000000000000000".utf8))
        XCTAssertEqual(verify.exitCode, 1, line: line)
        XCTAssertTrue(verify.stderr.contains("error[\(code)]"), verify.stderr, line: line)
        XCTAssertEqual(try files(dir).filter { !$0.key.hasSuffix(".lock") }, before.filter { !$0.key.hasSuffix(".lock") },
                       "a refused command wrote something", line: line)
    }

    func testRevertingTheStateAloneIsRefused() throws {
        let (dir, old) = try repositoryWithHistory()
        // `git checkout HEAD~1 -- keysync.state.json keysync.state.d`: a validly signed older state.
        try writeFiles(old.filter { $0.key != "keysync.audit.jsonl" }, in: dir)
        try assertRefused(dir, code: "state-rolled-back")
        let plan = try run(["plan"], in: dir)
        XCTAssertTrue(plan.stderr.contains("the state is at serial 1, but the audit log records apply 2 as completed"), plan.stderr)
    }

    func testRevertingStateAndAuditLogTogetherIsCaughtAgainstTheBaseBranch() throws {
        let (dir, old) = try repositoryWithHistory()
        let base = dir.appendingPathComponent("base.json")
        try copyState(dir.appendingPathComponent("keysync.state.json"), to: base)
        try writeFiles(old, in: dir)
        // Alone, the pair tells one consistent (older) story; the pull request check compares
        // it with the base branch's state and refuses.
        let check = try run(["plan", "--previous-state", "base.json"], in: dir)
        XCTAssertEqual(check.exitCode, 1)
        XCTAssertEqual(check.stdout, "")
        XCTAssertTrue(check.stderr.contains("error[state-not-descendant]: the state is not a descendant of the previous state: its serial 1 is below the previous state's 2"), check.stderr)
        // A state of another lineage, signed with the same key.
        let other = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: other) }
        try Data(manifest.utf8).write(to: other.appendingPathComponent("keys.yaml"))
        XCTAssertEqual(try run(["apply"], in: other).exitCode, 0)
        try copyState(other.appendingPathComponent("keysync.state.json"), to: dir.appendingPathComponent("keysync.state.json"))
        try Data(contentsOf: other.appendingPathComponent("keysync.audit.jsonl")).write(to: dir.appendingPathComponent("keysync.audit.jsonl"))
        let lineage = try run(["plan", "--previous-state", "base.json"], in: dir)
        XCTAssertEqual(lineage.exitCode, 1)
        XCTAssertTrue(lineage.stderr.contains("error[state-not-descendant]: the state is not a descendant of the previous state: its lineage is"), lineage.stderr)
        // The same state as the base passes.
        try copyState(base, to: dir.appendingPathComponent("keysync.state.json"))
        try Data(contentsOf: other.appendingPathComponent("keysync.audit.jsonl")).write(to: dir.appendingPathComponent("keysync.audit.jsonl"))
        let mixed = try run(["plan", "--previous-state", "base.json"], in: dir)
        XCTAssertTrue(mixed.stderr.contains("error[audit-log-truncated]"), "the other history's log does not hold this state's head: \(mixed.stderr)")
    }

    func testATombstoneThatDisappearedIsNotADescendant() throws {
        var generator = SeededGenerator(seed: 3)
        let key = try APIKey.mint(prefix: "acme", using: &generator)
        let record = KeyRecord(
            id: KeyID(rawValue: "key_aaaaaaaaaaaaaaaaaaaa")!, team: "search", name: "crawler", generation: 0, hash: key.hash,
            preview: key.preview, createdAt: Date(timeIntervalSince1970: 0), createdBy: "ci", expiresAt: nil,
            rateLimit: 60, status: .revoked, revokedAt: Date(timeIntervalSince1970: 10), revokedReason: .removedFromManifest,
            sealedFile: "000001-search.age")
        let previous = StateFile(lineage: "l", serial: 2, prefix: "acme", keys: [record])
        var edited = previous
        edited.serial = 3
        edited.keys[0].status = .active
        edited.keys[0].revokedAt = nil
        edited.keys[0].revokedReason = nil
        XCTAssertThrowsError(try RepositoryHistory.checkDescends(edited, from: previous)) { error in
            XCTAssertEqual((error as? HistoryError)?.code, "state-not-descendant")
            XCTAssertTrue("\(error)".contains("key key_aaaaaaaaaaaaaaaaaaaa (search/crawler) is revoked in the previous state and not in this one"))
        }
        edited.keys = []
        XCTAssertThrowsError(try RepositoryHistory.checkDescends(edited, from: previous))
        XCTAssertNoThrow(try RepositoryHistory.checkDescends(previous, from: previous))
    }

    func testADeletedStateIsRefusedUntilInitAndInitNeverReusesASerial() throws {
        let (dir, _) = try repositoryWithHistory()
        let sealedBefore = try Data(contentsOf: dir.appendingPathComponent("sealed/000001-search.age"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("keysync.state.json"))
        for arguments in [["plan"], ["apply"]] {
            let result = try run(arguments, in: dir)
            XCTAssertEqual(result.exitCode, 1)
            XCTAssertTrue(result.stderr.hasPrefix("error[state-missing-with-history]: there is no state file, but the repository has history (7 audit lines, 1 sealed files)"), result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("keysync.state.json").path))
        let start = try run(["apply", "--init"], in: dir)
        XCTAssertEqual(start.exitCode, 0, start.stderr)
        XCTAssertTrue(start.stdout.contains("State serial 3."), start.stdout)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("sealed/000001-search.age")), sealedBefore, "a delivery was overwritten")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("sealed/000003-search.age").path))
        XCTAssertEqual(try run(["audit", "verify"], in: dir).exitCode, 0)
    }

    func testCuttingTheLogsTailIsRefused() throws {
        let (dir, _) = try repositoryWithHistory()
        let path = dir.appendingPathComponent("keysync.audit.jsonl")
        let lines = try String(contentsOf: path, encoding: .utf8).split(separator: "\n")
        // The last apply's revocation event and its completion go; the chain of what is left is intact.
        try Data((lines.dropLast(2).joined(separator: "\n") + "\n").utf8).write(to: path)
        let chainOnly = try run(["audit", "verify", "--state", "missing.json"], in: dir)
        XCTAssertEqual(chainOnly.exitCode, 1, "an explicit --state must exist")
        try assertRefused(dir, code: "audit-log-truncated")
    }

    func testRewritingTheLogWithRecomputedLinksIsRefused() throws {
        let (dir, _) = try repositoryWithHistory()
        let path = dir.appendingPathComponent("keysync.audit.jsonl")
        let original = try String(contentsOf: path, encoding: .utf8).split(separator: "\n").map(String.init)
        // Rewrite who did it in every line, then recompute every link so the chain verifies.
        var prev = AuditLog.genesis
        var rewritten: [String] = []
        for line in original {
            var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            object["actor"] = "nobody"
            object["prev"] = prev
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            rewritten.append(String(decoding: data, as: UTF8.self))
            prev = "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
        try Data((rewritten.joined(separator: "\n") + "\n").utf8).write(to: path)
        XCTAssertEqual(AuditLog.verify(Array(try Data(contentsOf: path))), [], "the chain alone cannot tell")
        try assertRefused(dir, code: "audit-log-mismatch")
        let verify = try run(["audit", "verify"], in: dir)
        XCTAssertTrue(verify.stderr.contains("keysync.audit.jsonl:6:1: error[audit-log-mismatch]: line 6 of the audit log is not the one the signed state recorded as its head"), verify.stderr)
    }

    func testEditingALineOfTheLogsHistoryIsRefusedBeforeAnythingIsAppended() throws {
        let (dir, _) = try repositoryWithHistory()
        let path = dir.appendingPathComponent("keysync.audit.jsonl")
        let text = try String(contentsOf: path, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "\"actor\":\"", with: "\"actor\":\"x")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: path)
        try assertRefused(dir, code: "audit-chain-broken")
        let plan = try run(["plan"], in: dir)
        XCTAssertTrue(plan.stderr.contains("keysync.audit.jsonl:3:1: error[audit-chain-broken]: line 3 of the audit log does not follow the line before it"), plan.stderr)
    }

    func testAnEmptyPublicKeyFailsClosedAndApplyTrustsItsOwnSigningKey() throws {
        let (dir, _) = try repositoryWithHistory()
        // A hand edit: the revoked key set active again, the file kept canonical.
        let path = dir.appendingPathComponent("keysync.state.json")
        var state = try StateFileReader.read(at: path.path)
        let index = try XCTUnwrap(state.keys.firstIndex { $0.status == .revoked })
        state.keys[index].status = .active
        state.keys[index].revokedAt = nil
        state.keys[index].revokedReason = nil
        try writeState(state, to: path)
        // KEYSYNC_STATE_PUBLIC_KEY stored as a secret where the workflow reads a variable: empty.
        let empty = ["KEYSYNC_STATE_PUBLIC_KEY": ""]
        let plan = try run(["plan"], in: dir, environment: empty.merging(["KEYSYNC_SIGNING_KEY": ""]) { $1 })
        XCTAssertEqual(plan.exitCode, 1)
        XCTAssertTrue(plan.stderr.hasPrefix("error[state-trust-missing]"), plan.stderr)
        let apply = try run(["apply"], in: dir, environment: empty)
        XCTAssertEqual(apply.exitCode, 1)
        XCTAssertTrue(apply.stderr.contains("error[state-signature-bad]"), apply.stderr)
        let insecure = try run(["apply", "--insecure-unsigned"], in: dir, environment: empty)
        XCTAssertEqual(insecure.exitCode, 1)
        XCTAssertTrue(insecure.stderr.contains("error[state-trust-conflict]: --insecure-unsigned is given, but a signing key is configured"), insecure.stderr)
    }

    func testASubSecondEditOfATimestampIsRefused() throws {
        let (dir, _) = try repositoryWithHistory()
        // In a shard, its hash (and name) in the index updated to match: only the canonical
        // form (and the signature) can tell.
        let path = dir.appendingPathComponent("keysync.state.json")
        var edits = 0
        try forgeState(at: path) { text in
            guard edits == 0, let range = text.range(of: #""created_at": "[0-9T:-]+Z""#, options: .regularExpression) else { return text }
            edits += 1
            return text.replacingCharacters(in: range, with: String(text[range].dropLast(2)) + ".5Z\"")
        }
        XCTAssertEqual(edits, 1)
        try assertRefused(dir, code: "state-not-canonical")
    }

    /// Today's format (version 1, written before this release) keeps working, and the next
    /// apply upgrades it; an older signed copy of it put back is still refused.
    func testAVersionOneRepositoryIsReadThenUpgraded() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/legacy-v1")
        let dir = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        for name in ["keys.yaml", "keysync.state.json", "keysync.audit.jsonl", "sealed"] {
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let signing = try String(contentsOf: fixture.appendingPathComponent("signing.key"), encoding: .utf8)
        let publicKey = try StateSigningKey(parsing: signing).publicKey.description
        let keys = ["KEYSYNC_SIGNING_KEY": signing, "KEYSYNC_STATE_PUBLIC_KEY": publicKey]
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("keysync.state.json"), encoding: .utf8).contains("\"version\": 1"))

        let list = try run(["list", "--status", "all"], in: dir, environment: keys)
        XCTAssertEqual(list.exitCode, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains("revoked"), list.stdout)
        // Version 1 did not record recipients: the plan says the state will learn them.
        let plan = try run(["plan", "--detailed-exitcode"], in: dir, environment: keys)
        XCTAssertEqual(plan.exitCode, 2, plan.stderr + plan.stdout)
        XCTAssertTrue(plan.stdout.contains("recipients: + age1c9vz9za7flk50tyz47edc7nvlh274sjsw2d0y3mk59dkk88ysp6qwq7zh0"), plan.stdout)
        let verify = try run(["audit", "verify"], in: dir, environment: keys)
        XCTAssertEqual(verify.exitCode, 0, verify.stderr)

        // The older signed v1 state put back: refused by serial against the v1 log.
        let current = try Data(contentsOf: dir.appendingPathComponent("keysync.state.json"))
        try Data(contentsOf: fixture.appendingPathComponent("state-serial1.json")).write(to: dir.appendingPathComponent("keysync.state.json"))
        let rolledBack = try run(["plan"], in: dir, environment: keys)
        XCTAssertEqual(rolledBack.exitCode, 1)
        XCTAssertTrue(rolledBack.stderr.contains("error[state-rolled-back]"), rolledBack.stderr)
        try current.write(to: dir.appendingPathComponent("keysync.state.json"))

        // The next apply upgrades: version 3 (sharded), the log anchored, the chain continued.
        let added = try String(contentsOf: dir.appendingPathComponent("keys.yaml"), encoding: .utf8) + "      - name: fresh\n"
        try Data(added.utf8).write(to: dir.appendingPathComponent("keys.yaml"))
        let apply = try run(["apply"], in: dir, environment: keys)
        XCTAssertEqual(apply.exitCode, 0, apply.stderr)
        XCTAssertTrue(apply.stdout.contains("State serial 3."), apply.stdout)
        let upgraded = try StateFileReader.read(at: dir.appendingPathComponent("keysync.state.json").path)
        XCTAssertEqual(upgraded.version, StateFile.currentVersion)
        XCTAssertEqual(upgraded.version, 3)
        XCTAssertEqual(upgraded.log?.events, 3 + 2)
        XCTAssertEqual(upgraded.teams.first?.recipients?.map(\.rawValue), ["age1c9vz9za7flk50tyz47edc7nvlh274sjsw2d0y3mk59dkk88ysp6qwq7zh0"])
        let after = try run(["audit", "verify"], in: dir, environment: keys)
        XCTAssertEqual(after.exitCode, 0, after.stderr)
        XCTAssertTrue(after.stdout.hasPrefix("ok: 6 events, chain intact, head as recorded by the state at serial 3"), after.stdout)
    }
}
