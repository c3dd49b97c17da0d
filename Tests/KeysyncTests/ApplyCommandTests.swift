import Crypto
import Foundation
import Reconciler
import XCTest

/// `keysync apply` end to end: the built binary on real files, with a `keysync keygen`
/// identity, the stock `age` CLI and a lock held by another process.
final class ApplyCommandTests: XCTestCase {
    private let clock = ["KEYSYNC_NOW": "2026-11-25T12:00:00Z"]
    /// Every result of every command run in this test, for the leak search.
    private var results: [(command: [String], result: ProcessResult)] = []

    static let uncheckedNote =
        "note: no state public key configured (KEYSYNC_STATE_PUBLIC_KEY); the state's signature is not checked\n"

    private static let manifestTemplate = """
        version: 1
        prefix: thig
        teams:
          payments:
            plan: enterprise
            owner: lead@example.com
            recipients: [RECIPIENT]
            keys:
              - name: checkout-api
                rate_limit: 600
                expires: 2027-03-01
              - name: ledger-export
                expires_in: 90d
          search:
            plan: starter
            owner: search@example.com
            recipients: [RECIPIENT]
            keys:
              - name: indexer

        """

    /// A folder with an identity (`id.txt`) and `keys.yaml` sealing to it; returns the folder.
    private func project(_ function: String = #function) throws -> URL {
        let dir = try makeTemporaryDirectory(function)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let keygen = try run(["keygen", "-o", "id.txt"], in: dir)
        XCTAssertEqual(keygen.exitCode, 0, keygen.stderr)
        let recipient = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try writeManifest(Self.manifestTemplate.replacingOccurrences(of: "RECIPIENT", with: recipient), in: dir)
        return dir
    }

    private func writeManifest(_ text: String, in dir: URL) throws {
        try Data(text.utf8).write(to: dir.appendingPathComponent("keys.yaml"))
    }

    private func editManifest(in dir: URL, _ edit: (String) -> String) throws {
        let text = try String(contentsOf: dir.appendingPathComponent("keys.yaml"), encoding: .utf8)
        try writeManifest(edit(text), in: dir)
    }

    @discardableResult
    private func run(_ arguments: [String], in dir: URL, environment: [String: String] = [:],
                     file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        var env = clock
        env.merge(environment) { _, new in new }
        var result = try Keysync.run(arguments, in: dir, environment: env, file: file, line: line)
        results.append((arguments, result))
        // These tests run unsigned on purpose; the note saying so is SignedStateCommandTests' subject.
        result.stderr = result.stderr.replacingOccurrences(of: Self.uncheckedNote, with: "")
        return result
    }

    private func snapshot(_ dir: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: dir.path)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = dir.appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return files
    }

    private struct Sealed: Decodable {
        struct Entry: Decodable { var team: String; var name: String; var id: String; var key: String; var rate_limit: Int; var expires_at: String? }
        var format: String; var version: Int; var team: String; var serial: Int; var created_at: String; var keys: [Entry]
    }

    private func state(_ dir: URL) throws -> StateFile {
        try readState(at: dir.appendingPathComponent("keysync.state.json"))
    }

    private func unseal(_ path: String, in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> (Sealed, Data) {
        // Not recorded in `results`: printing the raw keys is unseal's job.
        let result = try Keysync.run(["unseal", path, "-i", "id.txt"], in: dir, environment: clock)
        XCTAssertEqual(result.exitCode, 0, result.stderr, file: file, line: line)
        return (try JSONDecoder().decode(Sealed.self, from: result.stdoutBytes), result.stdoutBytes)
    }

    private func sha256(_ text: String) -> String {
        "sha256:" + SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: tests

    func testFirstApplyCreatesKeysSealedForEachTeam() throws {
        let dir = try project()
        let plan = try run(["plan"], in: dir)
        XCTAssertEqual(plan.exitCode, 0, plan.stderr)
        let apply = try run(["apply", "--actor", "release-bot"], in: dir)
        XCTAssertEqual(apply.exitCode, 0, apply.stderr)
        XCTAssertEqual(apply.stdout, plan.stdout + "\n" + "Apply complete: 3 created, 2 team records changed. State serial 1. "
            + "Sealed files: sealed/000001-payments.age (give it to team payments), "
            + "sealed/000001-search.age (give it to team search)\n")
        XCTAssertEqual(apply.stderr, "")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("sealed").path).sorted(),
                       ["000001-payments.age", "000001-search.age"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("keysync.state.json.backup").path),
                       "no previous state, no backup")

        let state = try state(dir)
        XCTAssertEqual(state.serial, 1)
        XCTAssertEqual(state.prefix, "thig")
        XCTAssertEqual(state.keys.map(\.name), ["checkout-api", "ledger-export", "indexer"])
        let (payments, _) = try unseal("sealed/000001-payments.age", in: dir)
        XCTAssertEqual(payments.format, "keysync-sealed-keys")
        XCTAssertEqual(payments.version, 1)
        XCTAssertEqual(payments.team, "payments")
        XCTAssertEqual(payments.serial, 1)
        XCTAssertEqual(payments.created_at, "2026-11-25T12:00:00Z")
        XCTAssertEqual(payments.keys.map(\.name), ["checkout-api", "ledger-export"])
        XCTAssertEqual(payments.keys[0].rate_limit, 600)
        XCTAssertEqual(payments.keys[0].expires_at, "2027-03-01T23:59:59Z")
        XCTAssertEqual(payments.keys[1].expires_at, "2027-02-23T12:00:00Z")
        let (search, _) = try unseal("sealed/000001-search.age", in: dir)
        XCTAssertEqual(search.keys.map(\.name), ["indexer"])
        for entry in payments.keys + search.keys {
            XCTAssertTrue(entry.key.range(of: #"^thig_[0-9A-Za-z]{33}$"#, options: .regularExpression) != nil)
            let record = try XCTUnwrap(state.keys.first { $0.id.rawValue == entry.id })
            XCTAssertEqual(record.hash.rawValue, sha256(entry.key))
            XCTAssertEqual(record.sealedFile, "000001-\(entry.team).age")
        }
    }

    func testTheStockAgeCLIOpensTheSealedFiles() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/age") else {
            throw XCTSkip("the age CLI is not installed at /usr/bin/age (Debian package `age`)")
        }
        let dir = try project()
        XCTAssertEqual(try run(["apply"], in: dir).exitCode, 0)
        XCTAssertEqual(try run(["apply", "--armor", "--sealed-dir", "armored", "-m", "keys.yaml"], in: dir).exitCode, 0)
        let (_, plaintext) = try unseal("sealed/000001-payments.age", in: dir)
        let age = Process()
        age.executableURL = URL(fileURLWithPath: "/usr/bin/age")
        age.arguments = ["-d", "-i", "id.txt", "sealed/000001-payments.age"]
        age.currentDirectoryURL = dir
        let out = Pipe()
        age.standardOutput = out
        try age.run()
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        age.waitUntilExit()
        XCTAssertEqual(age.terminationStatus, 0)
        XCTAssertEqual(bytes, plaintext)
    }

    func testArmorWritesTextSealedFiles() throws {
        let dir = try project()
        let apply = try run(["apply", "--armor", "--sealed-dir", "out/sealed", "--state", "state/s.json",
                             "--audit-log", "logs/audit.jsonl"], in: dir)
        XCTAssertEqual(apply.exitCode, 0, apply.stderr)
        XCTAssertTrue(apply.stdout.contains("Sealed files: out/sealed/000001-payments.age (give it to team payments)"), apply.stdout)
        let text = try String(contentsOf: dir.appendingPathComponent("out/sealed/000001-payments.age"), encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("-----BEGIN AGE ENCRYPTED FILE-----\n"))
        let (document, _) = try unseal("out/sealed/000001-payments.age", in: dir)
        XCTAssertEqual(document.keys.count, 2)
        let shards = try snapshot(dir).keys.filter { $0.hasPrefix("state/s.d/") }
        XCTAssertEqual(try snapshot(dir).keys.sorted(), ([
            "id.txt", "keys.yaml", "logs/audit.jsonl", "out/sealed/000001-payments.age", "out/sealed/000001-search.age",
            "state/s.json", "state/s.json.lock",
        ] + shards).sorted())
        XCTAssertEqual(try snapshot(dir).keys.filter { $0.hasPrefix("state/s.d/") }.count, 2, "two teams, two buckets")
    }

    func testSecondApplyChangesNoByteAndPlanShowsNoChanges() throws {
        let dir = try project()
        XCTAssertEqual(try run(["apply"], in: dir).exitCode, 0)
        let before = try snapshot(dir)
        let again = try run(["apply"], in: dir, environment: ["KEYSYNC_NOW": "2026-11-26T08:00:00Z"])
        XCTAssertEqual(again.exitCode, 0, again.stderr)
        XCTAssertEqual(again.stdout, "No changes. The state matches the manifest.\n\nApply complete: no changes; nothing was written.\n")
        XCTAssertEqual(try snapshot(dir), before)
        let plan = try run(["plan", "--detailed-exitcode"], in: dir)
        XCTAssertEqual(plan.exitCode, 0, plan.stdout)
    }

    func testSignedApplyWritesAStateThatPlanTrustsAndRefusesWithoutTheRightKey() throws {
        let dir = try project()
        let keygen = try run(["keygen", "--signing", "-o", "signing.key"], in: dir)
        XCTAssertEqual(keygen.exitCode, 0, keygen.stderr)
        let publicKey = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let signingText = try String(contentsOf: dir.appendingPathComponent("signing.key"), encoding: .utf8)
        let trusted = Keysync.noKeys.merging(["KEYSYNC_STATE_PUBLIC_KEY": publicKey]) { $1 }
        let signing = trusted.merging(["KEYSYNC_SIGNING_KEY": signingText]) { $1 }

        // A public key without its signing key: refused before anything is written.
        let unsignedTry = try run(["apply"], in: dir, environment: trusted)
        XCTAssertEqual(unsignedTry.exitCode, 1)
        XCTAssertTrue(unsignedTry.stderr.contains("signing-key-missing"), unsignedTry.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("keysync.state.json").path))

        // Another signing key than the trusted one's pair: refused too.
        XCTAssertEqual(try run(["keygen", "--signing", "-o", "other.key"], in: dir).exitCode, 0)
        let other = try run(["apply", "--signing-key-file", "other.key"], in: dir, environment: trusted)
        XCTAssertEqual(other.exitCode, 1)
        XCTAssertTrue(other.stderr.contains("signing-key-mismatch"), other.stderr)

        let applied = try run(["apply"], in: dir, environment: signing)
        XCTAssertEqual(applied.exitCode, 0, applied.stderr)
        let statePath = dir.appendingPathComponent("keysync.state.json")
        let state = try stateText(at: statePath)
        XCTAssertTrue(state.contains("\"algorithm\": \"ed25519\""), state)
        let plan = try run(["plan", "--detailed-exitcode"], in: dir, environment: trusted)
        XCTAssertEqual(plan.exitCode, 0, plan.stderr)

        // A hand edit (a raised rate limit) breaks the signature: plan and apply refuse it.
        XCTAssertTrue(state.contains("\"rate_limit\": 600"))
        try forgeState(at: statePath) { $0.replacingOccurrences(of: "\"rate_limit\": 600", with: "\"rate_limit\": 9000") }
        let tamperedPlan = try run(["plan"], in: dir, environment: trusted)
        XCTAssertEqual(tamperedPlan.exitCode, 1)
        XCTAssertTrue(tamperedPlan.stderr.contains("state-signature-bad"), tamperedPlan.stderr)
        let tamperedApply = try run(["apply"], in: dir, environment: signing)
        XCTAssertEqual(tamperedApply.exitCode, 1)
        XCTAssertTrue(tamperedApply.stderr.contains("state-signature-bad"), tamperedApply.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: statePath.path + ".backup"), "nothing was written")
    }

    func testLaterApplyKeepsABackupAndAppendsTheAuditLog() throws {
        let dir = try project()
        XCTAssertEqual(try run(["apply", "--actor", "release-bot"], in: dir, environment: ["GITHUB_SHA": "abc123"]).exitCode, 0)
        let firstState = try Data(contentsOf: dir.appendingPathComponent("keysync.state.json"))
        try editManifest(in: dir) { $0.replacingOccurrences(of: "rate_limit: 600", with: "rate_limit: 900")
            .replacingOccurrences(of: "      - name: indexer\n", with: "      - name: indexer\n        rotate: 1\n") }
        let second = try run(["apply"], in: dir, environment: ["GITHUB_ACTOR": "octocat"])
        XCTAssertEqual(second.exitCode, 0, second.stderr)
        XCTAssertTrue(second.stdout.hasSuffix("Apply complete: 1 updated, 1 rotated. State serial 2. "
            + "Sealed files: sealed/000002-search.age (give it to team search)\n"), second.stdout)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("keysync.state.json.backup")), firstState)

        let log = try String(contentsOf: dir.appendingPathComponent("keysync.audit.jsonl"), encoding: .utf8)
        let events = log.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(events.map { $0["event"] as? String }, [
            "apply.began", "key.created", "key.created", "key.created", "apply.completed",
            "apply.began", "key.updated", "key.rotated", "apply.completed",
        ])
        XCTAssertEqual(events.map { $0["actor"] as? String }, Array(repeating: "release-bot", count: 5) + Array(repeating: "octocat", count: 4))
        XCTAssertEqual(events[0]["commit"] as? String, "abc123")
        XCTAssertEqual(events.map { $0["serial"] as? Int }, [1, 1, 1, 1, 1, 2, 2, 2, 2])
        XCTAssertEqual((events[6]["changes"] as? [String: Any])?.keys.sorted(), ["rate_limit"])
        let verify = try run(["audit", "verify", "keysync.audit.jsonl"], in: dir)
        XCTAssertEqual(verify.exitCode, 0, verify.stderr)
        XCTAssertTrue(verify.stdout.hasPrefix("ok: 9 events, chain intact"), verify.stdout)

        let state = try state(dir)
        let indexers = state.keys.filter { $0.name == "indexer" }
        XCTAssertEqual(indexers.map(\.status.rawValue).sorted(), ["active", "revoked"])
    }

    func testSavedPlanIsAppliedAndThenRefusedAsStale() throws {
        let dir = try project()
        let plan = try run(["plan", "--out", "plan.json"], in: dir)
        XCTAssertEqual(plan.exitCode, 0, plan.stderr)
        let apply = try run(["apply", "plan.json"], in: dir, environment: ["KEYSYNC_NOW": "2026-11-25T12:05:00Z"])
        XCTAssertEqual(apply.exitCode, 0, apply.stderr)
        XCTAssertTrue(apply.stdout.hasPrefix(plan.stdout), apply.stdout)
        XCTAssertEqual(try state(dir).serial, 1)

        let before = try snapshot(dir)
        let stale = try run(["apply", "plan.json"], in: dir)
        XCTAssertEqual(stale.exitCode, 1)
        XCTAssertEqual(stale.stdout, "")
        XCTAssertTrue(stale.stderr.hasPrefix("error[plan-stale]: the plan is stale; run keysync plan again\n"), stale.stderr)
        XCTAssertTrue(stale.stderr.contains("  hint: the plan was made for state lineage (none), but the state has lineage "), stale.stderr)
        XCTAssertEqual(try snapshot(dir), before)

        // A plan made before the manifest changed is refused too.
        XCTAssertEqual(try run(["plan", "--out", "plan2.json"], in: dir).exitCode, 0)
        try editManifest(in: dir) { $0.replacingOccurrences(of: "rate_limit: 600", with: "rate_limit: 601") }
        let changed = try snapshot(dir)
        let refused = try run(["apply", "plan2.json"], in: dir)
        XCTAssertEqual(refused.exitCode, 1)
        XCTAssertTrue(refused.stderr.contains("the manifest changed since the plan was made"), refused.stderr)
        XCTAssertEqual(try snapshot(dir), changed)
    }

    func testDryRunPrintsThePlanAndWritesNothing() throws {
        let dir = try project()
        let before = try snapshot(dir)
        for format in ["text", "markdown", "json"] {
            let plan = try run(["plan", "--format", format], in: dir)
            let dry = try run(["apply", "--dry-run", "--format", format], in: dir)
            XCTAssertEqual(dry.exitCode, 0, dry.stderr)
            XCTAssertEqual(dry.stdout, plan.stdout, format)
            XCTAssertEqual(dry.stderr, plan.stderr, format)
        }
        XCTAssertEqual(try snapshot(dir), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["id.txt", "keys.yaml"])
    }

    func testJSONFormatKeepsStdoutOneDocument() throws {
        let dir = try project()
        let plan = try run(["plan", "--format", "json"], in: dir)
        let apply = try run(["apply", "--format", "json"], in: dir)
        XCTAssertEqual(apply.exitCode, 0, apply.stderr)
        XCTAssertEqual(apply.stdout, plan.stdout)
        XCTAssertTrue(apply.stderr.hasPrefix("Apply complete: 3 created"), apply.stderr)
    }

    func testALockHeldByAnotherProcessFailsNamingItThenWaitingSucceeds() throws {
        let dir = try project()
        // Another process takes the lock with flock(1) and writes its details, as an apply would.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = ["-c", """
            exec 9>>keysync.state.json.lock
            flock -x 9
            printf '%s\\n' '{"host":"build-7","pid":4242,"started_at":"2026-11-25T11:59:00Z"}' > keysync.state.json.lock
            echo locked
            read _
            """]
        holder.currentDirectoryURL = dir
        let toHolder = Pipe(), fromHolder = Pipe()
        holder.standardInput = toHolder
        holder.standardOutput = fromHolder
        try holder.run()
        let ready = fromHolder.fileHandleForReading.availableData
        XCTAssertEqual(String(decoding: ready, as: UTF8.self), "locked\n")

        let before = try snapshot(dir)
        let busy = try run(["apply"], in: dir)
        XCTAssertEqual(busy.exitCode, 1)
        XCTAssertEqual(busy.stdout, "")
        XCTAssertTrue(busy.stderr.contains(
            "error[state-locked]: the state is locked by pid 4242 on build-7 since 2026-11-25T11:59:00Z (keysync.state.json.lock)"),
            busy.stderr)
        XCTAssertEqual(try snapshot(dir), before)

        // A waiting apply goes ahead once the holder lets go.
        let waiting = Process()
        waiting.executableURL = Keysync.binary
        waiting.arguments = ["apply", "--lock-timeout", "2m"]
        waiting.environment = Keysync.environment(clock)
        waiting.currentDirectoryURL = dir
        let waitingOut = Pipe()
        waiting.standardOutput = waitingOut
        waiting.standardError = waitingOut
        try waiting.run()
        try toHolder.fileHandleForWriting.close()
        holder.waitUntilExit()
        let output = waitingOut.fileHandleForReading.readDataToEndOfFile()
        waiting.waitUntilExit()
        XCTAssertEqual(waiting.terminationStatus, 0, String(decoding: output, as: UTF8.self))
        XCTAssertEqual(try state(dir).serial, 1)
        results.append((["apply", "--lock-timeout", "2m"], ProcessResult(
            exitCode: waiting.terminationStatus, stdout: String(decoding: output, as: UTF8.self), stderr: "",
            stdoutBytes: output, stderrBytes: Data())))
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("keysync.state.json.lock")), Data(), "released and emptied")
    }

    func testSealedFilesOfAnApplyThatNeverCompletedAreReportedAndNeverReplaced() throws {
        let dir = try project()
        let sealed = dir.appendingPathComponent("sealed")
        try FileManager.default.createDirectory(at: sealed, withIntermediateDirectories: true)
        // What a crash of a first apply between the sealed files and the state leaves.
        try Data("left by a crashed apply".utf8).write(to: sealed.appendingPathComponent("000001-payments.age"))
        try Data("left by a crashed apply".utf8).write(to: sealed.appendingPathComponent("000001-billing.age"))
        // No state, but history: refused until the apply says it starts a state on purpose.
        let refused = try run(["apply"], in: dir)
        XCTAssertEqual(refused.exitCode, 1)
        XCTAssertTrue(refused.stderr.hasPrefix("error[state-missing-with-history]: there is no state file, but the repository has history (0 audit lines, 2 sealed files)"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("keysync.state.json").path))
        let apply = try run(["apply", "--init"], in: dir)
        XCTAssertEqual(apply.exitCode, 0, apply.stderr)
        XCTAssertEqual(apply.stderr, """
            warning[apply-never-valid]: sealed/000001-billing.age is from an apply that did not complete (the state is at serial 0); the keys in it were never valid
              hint: delete it; it is not a delivery
            warning[apply-never-valid]: sealed/000001-payments.age is from an apply that did not complete (the state is at serial 0); the keys in it were never valid
              hint: delete it; it is not a delivery
            2 warnings

            """)
        // The crashed apply's serial is never used again: nothing is overwritten.
        XCTAssertEqual(try Data(contentsOf: sealed.appendingPathComponent("000001-payments.age")), Data("left by a crashed apply".utf8))
        XCTAssertEqual(try state(dir).serial, 2)
        let (document, _) = try unseal("sealed/000002-payments.age", in: dir)
        XCTAssertEqual(document.keys.count, 2)
        // Reported once: the state has moved past them.
        try editManifest(in: dir) { $0.replacingOccurrences(of: "rate_limit: 600", with: "rate_limit: 601") }
        let next = try run(["apply"], in: dir)
        XCTAssertEqual(next.exitCode, 0, next.stderr)
        XCTAssertEqual(next.stderr, "")
    }

    func testLeakSearchNoRawKeyOutsideItsSealedFile() throws {
        let dir = try project()
        XCTAssertEqual(try run(["plan", "--out", "plan.json"], in: dir).exitCode, 0)
        XCTAssertEqual(try run(["apply", "--dry-run"], in: dir).exitCode, 0)
        XCTAssertEqual(try run(["apply", "plan.json", "--actor", "release-bot"], in: dir).exitCode, 0)
        let recipient = try recipient(dir)
        try editManifest(in: dir) { $0.replacingOccurrences(of: "      - name: indexer\n", with: "      - name: indexer\n        rotate: 1\n        rotate_grace: 1h\n")
            .replacingOccurrences(of: "        expires_in: 90d\n", with: "        expires_in: 90d\n        rotate: 1\n")
            + "  extra:\n    plan: professional\n    owner: extra@example.com\n    recipients: [\(recipient)]\n    keys:\n      - name: one\n" }
        for format in ["text", "markdown", "json"] {
            let plan = try run(["plan", "--format", format], in: dir)
            XCTAssertEqual(plan.exitCode, 0, plan.stderr)
            XCTAssertEqual(try run(["apply", "--dry-run", "--format", format], in: dir).exitCode, 0)
        }
        XCTAssertEqual(try run(["plan", "--out", "plan2.json"], in: dir).exitCode, 0)
        // With every log line on, too: logs name paths and counts, never key material.
        let logged = try run(["apply", "plan2.json", "--armor"], in: dir, environment: ["KEYSYNC_LOG_LEVEL": "trace"])
        XCTAssertEqual(logged.exitCode, 0, logged.stderr)
        for step in ["wrote sealed file", "appended audit lines", "wrote state", "appended apply.completed"] {
            XCTAssertTrue(logged.stderr.contains(step), "debug log lacks \(step): \(logged.stderr)")
        }
        XCTAssertEqual(try run(["apply", "--format", "markdown"], in: dir).exitCode, 0)
        XCTAssertEqual(try run(["apply", "plan.json"], in: dir).exitCode, 1)
        XCTAssertEqual(try run(["audit", "verify", "keysync.audit.jsonl"], in: dir).exitCode, 0)
        _ = try run(["list"], in: dir)

        // Learn every raw key from the sealed files.
        let sealedFolder = dir.appendingPathComponent("sealed")
        let sealedNames = try FileManager.default.contentsOfDirectory(atPath: sealedFolder.path).sorted()
        XCTAssertEqual(sealedNames, ["000001-payments.age", "000001-search.age", "000002-extra.age",
                                     "000002-payments.age", "000002-search.age"])
        var raw: [String] = []
        for name in sealedNames { raw += try unseal("sealed/" + name, in: dir).0.keys.map(\.key) }
        XCTAssertEqual(raw.count, 6)
        XCTAssertEqual(Set(raw).count, 6)
        let needles = raw.flatMap { [Data($0.utf8), Data($0.dropFirst("thig_".count).utf8)] }

        // Every byte of every other file, and every stream of every command.
        var haystacks: [(String, Data)] = []
        for (name, bytes) in try snapshot(dir) where !(name.hasPrefix("sealed/") && name.hasSuffix(".age")) {
            haystacks.append((name, bytes))
        }
        XCTAssertTrue(haystacks.contains { $0.0 == "keysync.state.json.backup" })
        XCTAssertTrue(haystacks.contains { $0.0 == "keysync.audit.jsonl" })
        XCTAssertTrue(haystacks.contains { $0.0 == "keysync.state.json.lock" })
        for (command, result) in results {
            haystacks.append(("stdout of \(command)", result.stdoutBytes))
            haystacks.append(("stderr of \(command)", result.stderrBytes))
        }
        XCTAssertGreaterThan(results.count, 15)
        for (place, bytes) in haystacks {
            for needle in needles {
                XCTAssertNil(bytes.range(of: needle), "a raw key (or its body) is in \(place)")
            }
        }
        // The search itself can fail: a sealed plaintext does contain them.
        let (_, plaintext) = try unseal("sealed/000001-payments.age", in: dir)
        XCTAssertNotNil(plaintext.range(of: needles[1]))
    }

    private func recipient(_ dir: URL) throws -> String {
        let text = try String(contentsOf: dir.appendingPathComponent("keys.yaml"), encoding: .utf8)
        let match = try XCTUnwrap(text.range(of: #"age1[0-9a-z]{58}"#, options: .regularExpression))
        return String(text[match])
    }
}
