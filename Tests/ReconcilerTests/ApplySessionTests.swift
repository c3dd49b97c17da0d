import AgeFormat
import Foundation
import Manifest
import Reconciler
import XCTest

/// The plan and apply workflows as the command line runs them — lock, read, trust, plan or a
/// saved plan, prepare, write — through `PlanSession` and `ApplySession` on a real folder, with
/// the storage wrapped to record every write.
final class ApplySessionTests: XCTestCase {
    private var harness = ApplyHarness(seed: 11)
    private var signingGenerator = SeededGenerator(seed: 77)
    private lazy var signingKey = StateSigningKey.generate(using: &signingGenerator)
    private let holder = LockHolder(pid: 4242, host: "build-7", startedAt: Fixture.now)

    /// A repository folder holding only `keys.yaml` with the payments team and `keys`.
    private func repository(_ keys: String = "      - name: checkout-api\n") throws -> String {
        let folder = try makeTemporaryFolder(self)
        try writeManifest(keys, in: folder)
        return folder
    }

    private func writeManifest(_ keys: String, in folder: String) throws {
        let text = """
            version: 1
            prefix: thig
            teams:
              payments:
                plan: enterprise
                owner: lead@example.com
                recipients: [\(harness.identity.recipient)]
                keys:

            """ + keys
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/keys.yaml"))
    }

    private func configuration(_ folder: String, trusting key: StatePublicKey? = nil) -> ReconcileConfiguration {
        ReconcileConfiguration(
            manifestPath: folder + "/keys.yaml", layout: ApplyLayout(statePath: folder + "/keysync.state.json"),
            trust: .signer(key ?? signingKey.publicKey))
    }

    private func session(
        _ folder: String, trusting key: StatePublicKey? = nil, at now: Date = Fixture.now
    ) -> ApplySession<FaultInjectingStorage<FileSystemStorage>> {
        ApplySession(configuration: configuration(folder, trusting: key),
                     storage: FaultInjectingStorage(FileSystemStorage()), now: now, lockHolder: holder)
    }

    /// Plans and applies in one go, as `keysync apply` without a plan file does.
    @discardableResult
    private func apply(_ folder: String, at now: Date = Fixture.now, seed: UInt64? = nil) throws -> PreparedApply {
        var apply = session(folder, at: now)
        defer { apply.release() }
        XCTAssertNotNil(apply.plan(), "\(apply.report.diagnostics)")
        var generator = seed.map(SeededGenerator.init(seed:)) ?? harness.generator
        let prepared = apply.apply(context: harness.context, signingKey: signingKey, using: &generator)
        return try XCTUnwrap(prepared, "\(apply.report.diagnostics)")
    }

    /// Every file under `folder` with its bytes, to show that a refused run changed nothing.
    /// The lock file is left out: taking the lock creates it, and it stays, empty, once released.
    private func snapshot(_ folder: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let path = enumerator?.nextObject() as? String {
            if !path.hasSuffix(".lock"), let bytes = fileBytes(folder + "/" + path) { files[path] = bytes }
        }
        return files
    }

    private func assertUnchanged(_ folder: String, since before: [String: [UInt8]],
                                 file: StaticString = #filePath, line: UInt = #line) {
        let after = snapshot(folder)
        let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
        XCTAssertEqual(changed, [], "files written by a refused run", file: file, line: line)
    }

    private func writes(_ storage: FaultInjectingStorage<FileSystemStorage>) -> [String] {
        storage.points.compactMap { point in
            guard case .before(let step) = point else { return nil }
            return step.description
        }
    }

    private func codes(_ report: SessionReport) -> [String] { report.diagnostics.map(\.code) }

    // MARK: the happy path

    func testApplyWritesSealedFileAuditLinesStateThenCompletionAndTheNextPlanIsEmpty() throws {
        let folder = try repository()
        var apply = session(folder)
        let plan = try XCTUnwrap(apply.plan(), "\(apply.report.diagnostics)")
        XCTAssertEqual(plan.keyChanges.map(\.actions), [[.create]])
        XCTAssertEqual(folderEntries(folder), ["keys.yaml", "keysync.state.json.lock"], "planning writes nothing but the lock")

        var generator = harness.generator
        let prepared = try XCTUnwrap(apply.apply(context: harness.context, signingKey: signingKey, using: &generator),
                                     "\(apply.report.diagnostics)")
        apply.release()
        XCTAssertEqual(apply.report.diagnostics, [])
        XCTAssertEqual(writes(apply.storage), [
            "create-directory \(folder)",
            "create-directory \(folder)/sealed", "write \(folder)/sealed/000001-payments.age",
            "create-directory \(folder)/keysync.state.d",
            "write \(folder)/keysync.state.d/\(try XCTUnwrap(prepared.stateFiles?.shards.first?.file))",
            "create-directory \(folder)", "append \(folder)/keysync.audit.jsonl",
            "write \(folder)/keysync.state.json",
            "append \(folder)/keysync.audit.jsonl",
        ])

        // What is on disk is what was prepared: a signed state whose key opens from the sealed file.
        let read = try RepositoryReader.read(configuration(folder).layout, storage: FileSystemStorage())
        XCTAssertEqual(read.state, prepared.state)
        XCTAssertNoThrow(try read.state.verifySignature(trusting: signingKey.publicKey))
        let sealed = try harness.open(try XCTUnwrap(fileBytes(folder + "/sealed/000001-payments.age")))
        XCTAssertEqual(sealed.keys.map(\.hash), read.state.keys.map(\.hash))

        let again = PlanSession(configuration: configuration(folder), storage: FileSystemStorage()).run(now: Fixture.now)
        XCTAssertEqual(again.report.diagnostics, [])
        XCTAssertEqual(again.plan?.hasChanges, false, "the apply converged")
    }

    /// The progress seam: every step in order, counts only, each ending at its total.
    func testProgressIsReportedStepByStepWithCountsOnly() throws {
        let folder = try repository("      - name: checkout-api\n      - name: ledger\n      - name: search\n")
        var reports: [WorkProgress] = []
        var apply = session(folder)
        apply.progress = ProgressReporter { reports.append($0) }
        defer { apply.release() }
        XCTAssertNotNil(apply.plan(), "\(apply.report.diagnostics)")
        var generator = harness.generator
        XCTAssertNotNil(apply.apply(context: harness.context, signingKey: signingKey, using: &generator))

        var steps: [WorkProgress.Step] = []
        for report in reports where steps.last != report.step { steps.append(report.step) }
        XCTAssertEqual(steps, [.readManifest, .readState, .plan, .mint, .encodeState, .seal, .writeSealedFiles, .writeState],
                       "each step once, in order")
        let manifestBytes = try XCTUnwrap(fileBytes(folder + "/keys.yaml")).count
        let manifest = reports.filter { $0.step == .readManifest }
        XCTAssertEqual(manifest.first, WorkProgress(step: .readManifest, completed: 0, total: manifestBytes))
        XCTAssertEqual(manifest.last, WorkProgress(step: .readManifest, completed: manifestBytes, total: manifestBytes))
        XCTAssertEqual(manifest.map(\.completed), manifest.map(\.completed).sorted(), "bytes only grow")
        XCTAssertEqual(reports.filter { $0.step == .mint }.map(\.completed), [0, 1, 2, 3])
        XCTAssertEqual(reports.filter { $0.step == .mint }.map(\.total), [3, 3, 3, 3])
        for step in [WorkProgress.Step.seal, .writeSealedFiles] {
            XCTAssertEqual(reports.filter { $0.step == step }.map(\.completed), [0, 1], "one team, one file")
        }
        for step in [WorkProgress.Step.readState, .plan, .encodeState, .writeState] {
            XCTAssertEqual(reports.filter { $0.step == step }.map { [$0.completed, $0.total] }, [[0, 1], [1, 1]])
        }
        XCTAssertTrue(reports.last?.isFinished == true)
    }

    // MARK: refusals

    func testAHeldLockRefusesTheApplyBeforeReadingAnythingAndADryRunNeedsNoLock() throws {
        let folder = try repository()
        let other = try StateLock.acquire(forState: folder + "/keysync.state.json",
                                          holder: LockHolder(pid: 99, host: "runner-2", startedAt: Fixture.now))
        var apply = session(folder)
        XCTAssertNil(apply.plan())
        XCTAssertEqual(codes(apply.report), ["state-locked"])
        XCTAssertTrue(apply.report.diagnostics[0].message.contains("pid 99 on runner-2"), apply.report.diagnostics[0].message)
        XCTAssertNil(apply.plan)
        XCTAssertEqual(folderEntries(folder), ["keys.yaml", "keysync.state.json.lock"])

        var dryRun = session(folder)
        XCTAssertEqual(dryRun.plan(dryRun: true)?.hasChanges, true, "a dry run writes nothing, so it takes no lock")

        other.release()
        var next = session(folder)
        XCTAssertNotNil(next.plan(), "once the other apply is done: \(next.report.diagnostics)")
    }

    func testAStateSignedByAnotherKeyOrEditedByHandIsRefusedAndNothingIsWritten() throws {
        let folder = try repository()
        try apply(folder)
        try writeManifest("      - name: checkout-api\n      - name: ledger-export\n", in: folder)
        let before = snapshot(folder)

        var otherGenerator = SeededGenerator(seed: 78)
        let stranger = StateSigningKey.generate(using: &otherGenerator)
        var untrusted = session(folder, trusting: stranger.publicKey)
        XCTAssertNil(untrusted.plan())
        untrusted.release()
        XCTAssertEqual(codes(untrusted.report), ["state-signature-other-key"])
        XCTAssertEqual(writes(untrusted.storage), ["create-directory \(folder)"], "only the folder, which exists")
        assertUnchanged(folder, since: before)

        // The signed state changed by hand: who created the key, in the team's shard.
        let statePath = folder + "/keysync.state.json"
        let shardFolder = StateFile.shardFolder(forStateAt: statePath)
        let shardPath = shardFolder + "/" + (try XCTUnwrap(folderEntries(shardFolder).first))
        let text = String(decoding: try XCTUnwrap(fileBytes(shardPath)), as: UTF8.self)
        XCTAssertTrue(text.contains("\"ci-bot\""), text)
        let forged = Data(text.replacingOccurrences(of: "\"ci-bot\"", with: "\"mallory\"").utf8)
        try forged.write(to: URL(fileURLWithPath: shardPath))
        var shardEdited = session(folder)
        XCTAssertNil(shardEdited.plan())
        shardEdited.release()
        XCTAssertEqual(codes(shardEdited.report), ["state-shard-mismatch"])

        // ... and the index's hash of it changed to match: the signature over the index breaks.
        // (Renamed, as its name holds its hash.)
        let index = String(decoding: try XCTUnwrap(fileBytes(statePath)), as: UTF8.self)
        let (oldHash, newHash) = (SHA256Text.of(Array(text.utf8)), SHA256Text.of(forged))
        let bucket = StateShard.bucket(ofTeam: "payments")
        let (oldName, newName) = (StateShard.fileName(bucket: bucket, sha256: oldHash), StateShard.fileName(bucket: bucket, sha256: newHash))
        XCTAssertTrue(index.contains(oldHash) && index.contains(oldName))
        try FileManager.default.moveItem(atPath: shardPath, toPath: shardFolder + "/" + newName)
        try Data(index.replacingOccurrences(of: oldHash, with: newHash).replacingOccurrences(of: oldName, with: newName).utf8)
            .write(to: URL(fileURLWithPath: statePath))
        let edited = snapshot(folder)
        var handEdited = session(folder)
        XCTAssertNil(handEdited.plan())
        handEdited.release()
        XCTAssertEqual(codes(handEdited.report), ["state-signature-bad"])
        assertUnchanged(folder, since: edited)
    }

    func testATamperedSavedPlanIsRefusedAndTheGenuineOneApplies() throws {
        let folder = try repository()
        let planned = PlanSession(configuration: configuration(folder), storage: FileSystemStorage()).run(now: Fixture.now)
        var plan = try XCTUnwrap(planned.plan, "\(planned.report.diagnostics)")
        let genuine = folder + "/plan.json"
        try SavedPlan.encode(plan).write(to: URL(fileURLWithPath: genuine))

        // The new key sealed to someone else as well: the saved plan is only a claim.
        let stranger = AgeIdentity.generate(using: &harness.generator).recipient
        var changes = plan.keyChanges
        changes[0].newKey?.recipients.append(stranger)
        plan = Plan(lineage: plan.lineage, serial: plan.serial, manifestDigest: plan.manifestDigest, prefix: plan.prefix,
                    plannedAt: plan.plannedAt, teamChanges: plan.teamChanges, keyChanges: changes, notes: plan.notes)
        let tampered = folder + "/tampered.json"
        try SavedPlan.encode(plan).write(to: URL(fileURLWithPath: tampered))
        let before = snapshot(folder)

        var refused = session(folder)
        XCTAssertNil(refused.plan(savedPlanPath: tampered))
        refused.release()
        XCTAssertEqual(codes(refused.report), ["plan-tampered"])
        assertUnchanged(folder, since: before)

        var accepted = session(folder)
        let applied = try XCTUnwrap(accepted.plan(savedPlanPath: genuine), "\(accepted.report.diagnostics)")
        XCTAssertEqual(applied.keyChanges[0].newKey?.recipients, [harness.identity.recipient])
        var generator = harness.generator
        XCTAssertNotNil(accepted.apply(context: harness.context, signingKey: signingKey, using: &generator))
        XCTAssertEqual(folderEntries(folder + "/sealed"), ["000001-payments.age"])
    }

    func testASavedPlanIsStaleOnceTheStateOrTheManifestChanged() throws {
        let folder = try repository()
        let saved = folder + "/plan.json"
        let first = PlanSession(configuration: configuration(folder), storage: FileSystemStorage()).run(now: Fixture.now)
        try SavedPlan.encode(try XCTUnwrap(first.plan)).write(to: URL(fileURLWithPath: saved))

        // Another apply ran since: the state has begun its history (a lineage, serial 1).
        try apply(folder)
        let before = snapshot(folder)
        var stale = session(folder, at: Fixture.date("2026-11-26T12:00:00Z"))
        XCTAssertNil(stale.plan(savedPlanPath: saved))
        stale.release()
        XCTAssertEqual(codes(stale.report), ["plan-stale"])
        XCTAssertTrue(stale.report.diagnostics[0].hint?.contains("lineage") == true, "\(stale.report.diagnostics)")
        assertUnchanged(folder, since: before)

        // A plan of the current state, then the manifest edited.
        let second = PlanSession(configuration: configuration(folder), storage: FileSystemStorage()).run(now: Fixture.now)
        try SavedPlan.encode(try XCTUnwrap(second.plan)).write(to: URL(fileURLWithPath: saved))
        try writeManifest("      - name: checkout-api\n        rate_limit: 120\n", in: folder)
        var edited = session(folder)
        XCTAssertNil(edited.plan(savedPlanPath: saved))
        edited.release()
        XCTAssertEqual(codes(edited.report), ["plan-stale"])
        XCTAssertTrue(edited.report.diagnostics[0].hint?.contains("manifest changed") == true, "\(edited.report.diagnostics)")
    }

    func testAnInvalidManifestIsReportedWithTheLineToQuoteAndNothingElse() throws {
        let folder = try repository("      - name: checkout-api\n        rate_limit: 0\n")
        let outcome = PlanSession(configuration: configuration(folder), storage: FileSystemStorage()).run(now: Fixture.now)
        XCTAssertNil(outcome.plan)
        XCTAssertEqual(codes(outcome.report), ["rate-limit-range"])
        XCTAssertEqual(outcome.report.diagnostics[0].location?.file, folder + "/keys.yaml")
        XCTAssertNotNil(outcome.report.sources[folder + "/keys.yaml"], "the manifest's bytes, to quote the line")
    }

    func testAPlanRefusesAStateThatDoesNotContinueTheBaseBranchs() throws {
        let main = try repository()
        try apply(main)
        let branch = try repository()
        try apply(branch, seed: 999)

        let continues = PlanSession(configuration: configuration(main), storage: FileSystemStorage())
            .run(now: Fixture.now, previousStatePath: main + "/keysync.state.json")
        XCTAssertEqual(continues.report.diagnostics, [], "a state continues itself")
        XCTAssertNotNil(continues.plan)

        let other = PlanSession(configuration: configuration(main), storage: FileSystemStorage())
            .run(now: Fixture.now, previousStatePath: branch + "/keysync.state.json")
        XCTAssertNil(other.plan)
        XCTAssertEqual(codes(other.report), ["state-not-descendant"])
        XCTAssertTrue(other.report.diagnostics.first?.message.contains("lineage") == true, "\(other.report.diagnostics)")
    }
}
