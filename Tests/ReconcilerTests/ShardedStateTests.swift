import Foundation
import Manifest
import Reconciler
import XCTest

/// The sharded state (version 3) on disk: a signed index naming each shard (a bucket of teams)
/// by hash.
/// What one apply writes, what readers refuse, and the migration from one file.
final class ShardedStateTests: XCTestCase {
    private var harness = ApplyHarness(seed: 31)
    private var signingGenerator = SeededGenerator(seed: 32)
    private lazy var signingKey = StateSigningKey.generate(using: &signingGenerator)

    /// Three teams of two keys; `rate` is payments' checkout-api rate limit.
    private func manifest(rate: Int = 60) -> Manifest {
        var teams = ""
        for team in ["ledger", "payments", "search"] {
            teams += """
                  \(team):
                    plan: enterprise
                    owner: lead@example.com
                    recipients: [RECIPIENT]
                    keys:
                      - name: checkout-api
                        rate_limit: \(team == "payments" ? rate : 60)
                      - name: export

                """
        }
        return harness.manifest(teams)
    }

    private let payments = StateShard.bucket(ofTeam: "payments")

    private func layout(_ folder: String) -> ApplyLayout { ApplyLayout(statePath: folder + "/keysync.state.json") }
    private func shardFolder(_ folder: String) -> String { StateFile.shardFolder(forStateAt: layout(folder).statePath) }

    /// Reads the repository, plans `manifest`, prepares (signed) and writes through `storage`.
    @discardableResult
    private func apply(
        _ manifest: Manifest, in folder: String, at now: Date = Fixture.now,
        storage: some DurableStorage = FileSystemStorage()
    ) throws -> PreparedApply {
        let read = try RepositoryReader.read(layout(folder), storage: FileSystemStorage(), allowInit: true)
        let plan = harness.plan(manifest, read.state, at: now)
        let prepared = try ApplyEngine.prepare(
            plan: plan, state: read.state, history: read.continuation, now: now, context: harness.context,
            signingKey: signingKey, using: &harness.generator)
        try ApplyWriter.write(prepared, to: layout(folder), storage: storage)
        return prepared
    }

    /// The diagnostic code a trusting reader of `folder` refuses it with (`nil`: accepted).
    private func refusal(_ folder: String) -> String? {
        let trust = StateTrust.signer(signingKey.publicKey)
        do {
            let snapshot = try RepositoryReader.read(layout(folder), storage: FileSystemStorage(), trusting: trust)
            return trust.refusal(of: snapshot, path: layout(folder).statePath)?.code
        } catch {
            return error.diagnostic.code
        }
    }

    private func shards(_ folder: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in folderEntries(shardFolder(folder)) { files[name] = fileBytes(shardFolder(folder) + "/" + name) }
        return files
    }

    // MARK: layout

    func testAOneKeyChangeWritesOneShardAndTheIndexAndLeavesTheOtherShardsAsTheyWere() throws {
        let folder = try makeTemporaryFolder(self)
        let first = try apply(manifest(), in: folder)
        // Three teams, three buckets (by the hash of each name), listed in bucket order.
        XCTAssertEqual(first.stateFiles?.shards.map(\.bucket), ["ledger", "payments", "search"].map(StateShard.bucket(ofTeam:)).sorted())
        let before = shards(folder)
        XCTAssertEqual(before.count, 3)
        XCTAssertNil(refusal(folder))

        let recorder = FaultInjectingStorage(FileSystemStorage())
        let second = try apply(manifest(rate: 900), in: folder, at: Fixture.date("2026-11-26T12:00:00Z"), storage: recorder)
        // Only payments' records changed: the other teams' shards were not even encoded again.
        XCTAssertEqual(second.stateFiles?.shards.filter { !$0.bytes.isEmpty }.map(\.bucket), [payments])
        let after = shards(folder)
        let newPayments = try XCTUnwrap(second.stateFiles?.shards.first { $0.bucket == payments }?.file)
        let oldPayments = try XCTUnwrap(before.keys.first { $0.hasPrefix(payments + ".") })
        let state = layout(folder).statePath
        XCTAssertEqual(recorder.points.compactMap { if case .after(let step) = $0 { step.description } else { nil } }, [
            "create-directory \(shardFolder(folder))", "write \(shardFolder(folder))/\(newPayments)",
            "create-directory \(folder)", "append \(layout(folder).auditLogPath)",
            "copy \(state).backup", "write \(state)", "append \(layout(folder).auditLogPath)",
            "remove \(shardFolder(folder))/\(oldPayments)",
        ], "one shard and the index written, the replaced shard removed")
        XCTAssertEqual(Set(after.keys), Set(before.keys).subtracting([oldPayments]).union([newPayments]))
        for (name, bytes) in before where name != oldPayments {
            XCTAssertEqual(after[name], bytes, "\(name) is byte for byte as it was")
        }
        // The replaced shard differs from the old one in the changed record's line only.
        let oldLines = String(decoding: before[oldPayments]!, as: UTF8.self).split(separator: "\n")
        let newLines = String(decoding: after[newPayments]!, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(oldLines.count, newLines.count)
        XCTAssertEqual(zip(oldLines, newLines).filter { $0 != $1 }.map { String($1) }, ["      \"rate_limit\": 900,"])
        XCTAssertNil(refusal(folder))
        XCTAssertEqual(try readState(at: state), second.state)
    }

    func testEveryShardIsSmallerThanTheStateAndTheIndexHoldsNoKeyRecord() throws {
        let folder = try makeTemporaryFolder(self)
        let prepared = try apply(manifest(), in: folder)
        let index = String(decoding: try XCTUnwrap(fileBytes(layout(folder).statePath)), as: UTF8.self)
        XCTAssertFalse(index.contains("\"hash\""), "key records live in the shards")
        XCTAssertFalse(index.contains("lead@example.com"), "team records live in the shards")
        XCTAssertTrue(index.contains("\"version\": 3"))
        for shard in try XCTUnwrap(prepared.stateFiles?.shards) {
            XCTAssertEqual(shard.keyCount, 2)
            XCTAssertTrue(index.contains(shard.sha256))
        }
    }

    // MARK: what readers refuse

    func testAnEditedMissingOrSwappedShardIsRefused() throws {
        let folder = try makeTemporaryFolder(self)
        try apply(manifest(), in: folder)
        let oldShards = shards(folder)
        try apply(manifest(rate: 900), in: folder, at: Fixture.date("2026-11-26T12:00:00Z"))
        let current = shards(folder)
        let paymentsFile = try XCTUnwrap(current.keys.first { $0.hasPrefix(payments + ".") })
        let paymentsPath = shardFolder(folder) + "/" + paymentsFile
        let original = try XCTUnwrap(fileBytes(paymentsPath))
        let restore = { try Data(original).write(to: URL(fileURLWithPath: paymentsPath)) }

        // Edited: one byte of a record.
        try Data(String(decoding: original, as: UTF8.self).replacingOccurrences(of: "900", with: "901").utf8)
            .write(to: URL(fileURLWithPath: paymentsPath))
        XCTAssertEqual(refusal(folder), "state-shard-mismatch")
        try restore()
        XCTAssertNil(refusal(folder))

        // Swapped for the same team's shard of the older signed state.
        let older = try XCTUnwrap(oldShards.first { $0.key.hasPrefix(payments + ".") }?.value)
        try Data(older).write(to: URL(fileURLWithPath: paymentsPath))
        XCTAssertEqual(refusal(folder), "state-shard-mismatch")
        try restore()

        // Missing.
        try FileManager.default.removeItem(atPath: paymentsPath)
        XCTAssertEqual(refusal(folder), "state-shard-mismatch")
        try restore()

        // A shard file no index names is ignored by readers and removed by the next apply.
        let stray = shardFolder(folder) + "/" + (try XCTUnwrap(oldShards.keys.first { $0.hasPrefix(payments + ".") }))
        try Data(older).write(to: URL(fileURLWithPath: stray))
        XCTAssertNil(refusal(folder))
        try apply(manifest(rate: 600), in: folder, at: Fixture.date("2026-11-27T12:00:00Z"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: stray))
        XCTAssertEqual(shards(folder).count, 3)
        XCTAssertNil(refusal(folder))
    }

    func testSymbolicLinksForAShardOrTheShardFolderAreRefused() throws {
        let folder = try makeTemporaryFolder(self)
        try apply(manifest(), in: folder)
        let elsewhere = try makeTemporaryFolder(self)
        let name = try XCTUnwrap(folderEntries(shardFolder(folder)).first)
        let path = shardFolder(folder) + "/" + name
        try FileManager.default.moveItem(atPath: path, toPath: elsewhere + "/" + name)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: elsewhere + "/" + name)
        XCTAssertEqual(refusal(folder), "state-unreadable")
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: elsewhere + "/" + name, toPath: path)
        XCTAssertNil(refusal(folder))

        let moved = elsewhere + "/shards"
        try FileManager.default.moveItem(atPath: shardFolder(folder), toPath: moved)
        try FileManager.default.createSymbolicLink(atPath: shardFolder(folder), withDestinationPath: moved)
        XCTAssertEqual(refusal(folder), "state-unreadable")
        // Apply refuses before its first write too.
        let before = try XCTUnwrap(fileBytes(layout(folder).auditLogPath))
        XCTAssertThrowsError(try apply(manifest(rate: 900), in: folder, at: Fixture.date("2026-11-26T12:00:00Z")))
        XCTAssertEqual(fileBytes(layout(folder).auditLogPath), before)
    }

    func testAnIndexNamingAPathOutsideTheShardFolderOrAnInvalidBucketIsRefused() throws {
        let folder = try makeTemporaryFolder(self)
        try apply(manifest(), in: folder)
        let statePath = layout(folder).statePath
        let index = String(decoding: try XCTUnwrap(fileBytes(statePath)), as: UTF8.self)
        let ledger = StateShard.bucket(ofTeam: "ledger")
        let name = try XCTUnwrap(folderEntries(shardFolder(folder)).first { $0.hasPrefix(ledger + ".") })
        for (from, to) in [("\"file\": \"\(name)\"", "\"file\": \"../\(name)\""),
                           ("\"file\": \"\(name)\"", "\"file\": \"/etc/passwd\""),
                           ("\"bucket\": \"\(ledger)\"", "\"bucket\": \"..\""),
                           ("\"bucket\": \"\(ledger)\"", "\"bucket\": \"../\(ledger)\"")] {
            XCTAssertTrue(index.contains(from))
            try Data(index.replacingOccurrences(of: from, with: to).utf8).write(to: URL(fileURLWithPath: statePath))
            XCTAssertEqual(refusal(folder), "state-malformed", to)
        }
        try Data(index.utf8).write(to: URL(fileURLWithPath: statePath))
        XCTAssertNil(refusal(folder))
        XCTAssertFalse(StateShard.isBucket(".."))
        XCTAssertFalse(StateShard.isBucket("a/b"))
        XCTAssertTrue(StateShard.isBucket("0af"))
        XCTAssertTrue(StateShard.isShardFileName("0af.0123456789abcdef.json"))
        XCTAssertFalse(StateShard.isShardFileName("../0af.0123456789abcdef.json"))
        XCTAssertFalse(StateShard.isShardFileName("0af.0123456789abcdef.json.tmp"))
    }

    // MARK: migration

    func testASignedOneFileStateIsReadAndTheNextApplyMigratesIt() throws {
        let folder = try makeTemporaryFolder(self)
        let first = try apply(manifest(), in: folder)
        // Today's layout: the same state, anchored to the same audit log, signed as one version 2 file.
        var old = first.state.withoutSignature
        old.version = 2
        old = old.signed(with: signingKey)
        try FileManager.default.removeItem(atPath: shardFolder(folder))
        let oneFile = old.encoded()
        try oneFile.write(to: URL(fileURLWithPath: layout(folder).statePath))
        XCTAssertNil(refusal(folder), "a signed version 2 file is still read")
        XCTAssertEqual(try readState(at: layout(folder).statePath)?.keys, first.state.keys)

        let second = try apply(manifest(rate: 900), in: folder, at: Fixture.date("2026-11-26T12:00:00Z"))
        XCTAssertEqual(second.state.version, 3)
        XCTAssertNil(refusal(folder))
        XCTAssertEqual(shards(folder).count, 3)
        XCTAssertTrue(ShardedStateReader.isIndex(Data(try XCTUnwrap(fileBytes(layout(folder).statePath)))))
        XCTAssertEqual(fileBytes(layout(folder).statePath + ".backup"), Array(oneFile), "the one file is kept as the backup")
        XCTAssertEqual(AuditLog.verify(fileBytes(layout(folder).auditLogPath) ?? []), [])
        let reread = try XCTUnwrap(readState(at: layout(folder).statePath))
        XCTAssertEqual(reread, second.state)
        XCTAssertEqual(Set(reread.keys.map(\.id)).isSuperset(of: first.state.keys.map(\.id)), true, "no key lost")
    }
}
