import AgeFormat
import Foundation
import Manifest
import Reconciler
import XCTest

/// Stops an apply at every failure point of its writes (before and after each one) and checks
/// what is left on disk: the state is whole and is the old or the new one; every active key of
/// that state has its raw key in exactly one sealed file; and the next apply recovers.
final class ApplyCrashTests: XCTestCase {
    private let firstAt = Fixture.now
    private let secondAt = Fixture.date("2026-12-01T08:30:00Z")
    private let recoverAt = Fixture.date("2026-12-01T09:00:00Z")

    private static let before = """
              - name: checkout-api
              - name: ledger-export
        """
    private static let after = """
              - name: checkout-api
                rate_limit: 900
              - name: ledger-export
                rotate: 1
              - name: search-indexer
        """

    /// A sharded state (one shard per team, an index naming them by hash) at every write point:
    /// the new shard is written beside the old one, the index switches, the old one goes.
    func testEveryFailurePointLeavesAConsistentStateAndTheNextApplyRecovers() throws {
        try checkEveryFailurePoint(migrating: false)
    }

    /// The apply that migrates a version 2 state (one file) to the sharded layout, at every
    /// write point: the one file stays readable until the index replaces it.
    func testEveryFailurePointOfTheMigrationFromOneFileLeavesAConsistentState() throws {
        try checkEveryFailurePoint(migrating: true)
    }

    private func checkEveryFailurePoint(migrating: Bool) throws {
        var harness = ApplyHarness(seed: 5)
        let baseline = try makeTemporaryFolder(self)
        let layout = { (folder: String) in ApplyLayout(statePath: folder + "/keysync.state.json") }

        // A first, completed apply: the old state, its sealed file and audit log on disk.
        let first = try harness.apply(harness.payments(Self.before), to: .empty, at: firstAt).prepared
        try ApplyWriter.write(first, to: layout(baseline), storage: FileSystemStorage())
        var oldState = first.state
        if migrating {
            // Today's layout: the same state as one version 2 file, no shard folder.
            oldState.version = 2
            oldState = oldState.withoutSignature
            try FileManager.default.removeItem(atPath: StateFile.shardFolder(forStateAt: layout(baseline).statePath))
            try oldState.encoded().write(to: URL(fileURLWithPath: layout(baseline).statePath))
        }
        let oldShards = folderEntries(StateFile.shardFolder(forStateAt: layout(baseline).statePath))
        XCTAssertEqual(oldShards.count, migrating ? 0 : 1)

        // The apply under test, prepared once from what is on disk: the same bytes are written at every stop.
        let manifest = harness.payments(Self.after)
        let read = try RepositoryReader.read(layout(baseline), storage: FileSystemStorage())
        let baselineLog = AuditLogFile(fileBytes(layout(baseline).auditLogPath) ?? [])
        XCTAssertEqual(baselineLog.count, 4, "apply.began, two key.created, apply.completed")
        XCTAssertEqual(read.continuation, RepositoryHistory.Continuation(
            nextSerial: 2, logAnchor: baselineLog.anchor, logLength: baselineLog.bytes.count))
        let second = try harness.apply(manifest, to: oldState, history: read.continuation, at: secondAt).prepared
        XCTAssertEqual(second.events.map(\.event), [.keyUpdated, .keyRotated, .keyCreated])
        let newState = second.state

        // Learn the failure points from a run that does not fail.
        let dry = try copy(baseline)
        let recorder = FaultInjectingStorage(FileSystemStorage())
        try ApplyWriter.write(second, to: layout(dry), storage: recorder)
        let sealed = layout(dry).sealedPath("000002-payments.age")
        let state = layout(dry).statePath
        let log = layout(dry).auditLogPath
        let shards = StateFile.shardFolder(forStateAt: state)
        let newShard = try XCTUnwrap(second.stateFiles?.shards.first?.file)
        XCTAssertEqual(second.stateFiles?.shards.count, 1, "one team")
        XCTAssertFalse(oldShards.contains(newShard))
        XCTAssertEqual(recorder.points.map(\.description), [
            "before create-directory \(layout(dry).sealedDirectory)", "after create-directory \(layout(dry).sealedDirectory)",
            "before write \(sealed)", "after write \(sealed)",
            "before create-directory \(shards)", "after create-directory \(shards)",
            "before write \(shards)/\(newShard)", "after write \(shards)/\(newShard)",
            "before create-directory \(dry)", "after create-directory \(dry)",
            "before append \(log)", "after append \(log)",
            "before copy \(state).backup", "after copy \(state).backup",
            "before write \(state)", "after write \(state)",
            "before append \(log)", "after append \(log)",
        ] + oldShards.flatMap { ["before remove \(shards)/\($0)", "after remove \(shards)/\($0)"] })
        XCTAssertEqual(folderEntries(shards), [newShard], "only the shard the index names is left")
        try checkInvariants(in: layout(dry), harness: harness, oneOf: [newState])

        var stops = 0, old = 0, new = 0
        for (index, point) in recorder.points.enumerated() {
            let folder = try copy(baseline)
            let paths = layout(folder)
            let occurrence = recorder.points[...index].filter { $0 == point }.count
            let crashing = FaultInjectingStorage(
                FileSystemStorage(), failAt: translate(point, from: dry, to: folder), occurrence: occurrence)
            XCTAssertThrowsError(try ApplyWriter.write(second, to: paths, storage: crashing), "point \(index)") { error in
                guard case .storage(let storageError)? = error as? ApplyError else {
                    return XCTFail("expected a storage error at \(point), got \(error)")
                }
                XCTAssertEqual(storageError.operation, "crash")
            }
            XCTAssertTrue(crashing.hasFailed, "point \(index) not reached")
            stops += 1
            let onDisk = try checkInvariants(in: paths, harness: harness, oneOf: [oldState, newState])
            if onDisk == oldState { old += 1 } else { new += 1 }
            if onDisk == newState {
                // Every change the state records has its event in the log already.
                XCTAssertEqual(keyEvents(in: paths, serial: 2), second.events, "point \(index)")
            }

            // The next apply, from what is on disk: plans again and completes.
            let snapshot = try RepositoryReader.read(paths, storage: FileSystemStorage())
            XCTAssertEqual(snapshot.state, onDisk)
            let logHasBegun = lines(in: paths).contains { if case .apply(let m) = $0 { m.event == .began && m.serial == 2 } else { false } }
            let sealedOnDisk = folderEntries(paths.sealedDirectory).contains("000002-payments.age")
            var recovery = harness
            let (plan, next) = try recovery.apply(manifest, to: onDisk, history: snapshot.continuation, at: recoverAt)
            XCTAssertEqual(plan.hasChanges, onDisk == oldState, "point \(index)")
            try ApplyWriter.write(next, to: paths, storage: FileSystemStorage())
            let recovered = try checkInvariants(in: paths, harness: harness, oneOf: [next.state])
            // A serial the crashed apply used (in a sealed file or the log) is never used again.
            XCTAssertEqual(recovered.serial, onDisk == newState ? 2 : (sealedOnDisk || logHasBegun ? 3 : 2), "point \(index)")
            XCTAssertEqual(recovered.keys.filter { $0.status == .active }.count, 3)
            XCTAssertEqual(AuditLog.verify(fileBytes(paths.auditLogPath) ?? []), [], "point \(index)")
            XCTAssertNoThrow(try RepositoryReader.read(paths, storage: FileSystemStorage()), "point \(index)")
            XCTAssertFalse(recovery.plan(manifest, recovered, at: recoverAt).hasChanges)
            let markers = lines(in: paths).compactMap { if case .apply(let m) = $0 { "\(m.event.rawValue) \(m.serial)" } else { nil } }
            if onDisk == oldState {
                // Keys of the crashed apply were never recorded: the new state has other ones.
                XCTAssertTrue(Set(recovered.keys.map(\.hash)).isDisjoint(with: Set(newState.keys.map(\.hash)).subtracting(oldState.keys.map(\.hash))))
                // The log says which apply did not complete, and has every event of the one that did.
                XCTAssertEqual(markers.contains("apply.incomplete 2"), logHasBegun, "point \(index): \(markers)")
                XCTAssertEqual(keyEvents(in: paths, serial: recovered.serial).count, 3, "point \(index)")
                XCTAssertEqual(markers.last, "apply.completed \(recovered.serial)")
            } else {
                // The state proves apply 2 completed; its completion line is there once, or
                // missing (a crash just before it) and then written by the next apply with changes.
                let completed = recorder.points[...index].filter { $0 == .after(StorageStep(.append, log)) }.count == 2
                XCTAssertEqual(markers.filter { $0 == "apply.completed 2" }.count, completed ? 1 : 0, "point \(index)")
            }
        }
        XCTAssertEqual(stops, migrating ? 18 : 20)
        XCTAssertEqual(old, 15)  // up to and including "before write state"
        XCTAssertEqual(new, migrating ? 3 : 5)
    }

    func testACrashBeforeTheStateLeavesSealedFilesThatAreReportedAsNeverValid() throws {
        var harness = ApplyHarness(seed: 6)
        let folder = try makeTemporaryFolder(self)
        let layout = ApplyLayout(statePath: folder + "/state.json", sealedDirectory: folder + "/out")
        let prepared = try harness.apply(harness.payments(Self.before), to: .empty).prepared
        // No previous state, so no backup copy: the state write is the step after the sealed file.
        let crashing = FaultInjectingStorage(FileSystemStorage(), failAt: .before(StorageStep(.write, layout.statePath)))
        XCTAssertThrowsError(try ApplyWriter.write(prepared, to: layout, storage: crashing))
        XCTAssertTrue(crashing.hasFailed)
        // The new shard is there, named by no index: ignored by readers, removed by the next apply.
        XCTAssertEqual(folderEntries(folder), ["keysync.audit.jsonl", "out", "state.d"])
        XCTAssertEqual(ApplyWriter.neverValidSealedFiles(in: layout.sealedDirectory, stateSerial: 0), ["000001-payments.age"])
        XCTAssertEqual(ApplyWriter.neverValidSealedFiles(in: layout.sealedDirectory, stateSerial: 1), [])
        XCTAssertEqual(ApplyWriter.neverValidSealedFiles(in: folder + "/missing", stateSerial: 0), [])
    }

    /// A crash just after the state: the state proves the apply completed, so the next apply
    /// with changes writes the missing `apply.completed` first, and the chain stays whole.
    func testAMissingCompletionIsWrittenByTheNextApply() throws {
        var harness = ApplyHarness(seed: 8)
        let folder = try makeTemporaryFolder(self)
        let layout = ApplyLayout(statePath: folder + "/keysync.state.json")
        let first = try harness.apply(harness.payments(Self.before), to: .empty).prepared
        let crashing = FaultInjectingStorage(FileSystemStorage(), failAt: .before(StorageStep(.append, layout.auditLogPath)), occurrence: 2)
        XCTAssertThrowsError(try ApplyWriter.write(first, to: layout, storage: crashing))
        let read = try RepositoryReader.read(layout, storage: FileSystemStorage())
        XCTAssertEqual(read.state, first.state)
        XCTAssertEqual(read.continuation.missingCompletion, 1)
        let second = try harness.apply(harness.payments(Self.after), to: read.state, history: read.continuation, at: secondAt).prepared
        try ApplyWriter.write(second, to: layout, storage: FileSystemStorage())
        let file = AuditLogFile(fileBytes(layout.auditLogPath) ?? [])
        let markers = (1...file.count).compactMap { number -> String? in
            if case .apply(let marker)? = file.decode(line: number) { return "\(marker.event.rawValue) \(marker.serial)" }
            return nil
        }
        XCTAssertEqual(markers, ["apply.began 1", "apply.completed 1", "apply.began 2", "apply.completed 2"])
        XCTAssertEqual(AuditLog.verify(file.bytes), [])
        XCTAssertNil(try RepositoryReader.read(layout, storage: FileSystemStorage()).continuation.missingCompletion)
    }

    func testAPlanWithoutChangesWritesNothing() throws {
        var harness = ApplyHarness(seed: 7)
        let folder = try makeTemporaryFolder(self)
        let layout = ApplyLayout(statePath: folder + "/keysync.state.json")
        let manifest = harness.payments(Self.before)
        let first = try harness.apply(manifest, to: .empty).prepared
        try ApplyWriter.write(first, to: layout, storage: FileSystemStorage())
        let snapshot = try snapshotFolder(folder)
        let again = try harness.apply(manifest, to: first.state, at: secondAt).prepared
        let recorder = FaultInjectingStorage(FileSystemStorage())
        XCTAssertEqual(try ApplyWriter.write(again, to: layout, storage: recorder), [])
        XCTAssertEqual(recorder.points, [])
        XCTAssertEqual(try snapshotFolder(folder), snapshot)
    }

    // MARK: helpers

    /// Checks both invariants and returns the state on disk.
    @discardableResult
    private func checkInvariants(
        in layout: ApplyLayout, harness: ApplyHarness, oneOf states: [StateFile],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> StateFile {
        let state = try XCTUnwrap(readState(at: layout.statePath), "no state on disk", file: file, line: line)
        XCTAssertTrue(states.contains(state), "the state on disk is neither version", file: file, line: line)
        var deliveries: [KeyHash?: Int] = [:]
        for name in folderEntries(layout.sealedDirectory) {
            XCTAssertNotNil(SealedFile.parseName(name), "stray file \(name) in the sealed folder", file: file, line: line)
            let document = try harness.open(fileBytes(layout.sealedPath(name)) ?? [], file: file, line: line)
            for entry in document.keys { deliveries[entry.hash, default: 0] += 1 }
        }
        for key in state.keys where key.status == .active {
            XCTAssertEqual(deliveries[key.hash], 1, "active key \(key.id) is not in exactly one sealed file", file: file, line: line)
            XCTAssertNotNil(fileBytes(layout.sealedPath(key.sealedFile)), file: file, line: line)
        }
        return state
    }

    private func lines(in layout: ApplyLayout) -> [AuditLine] {
        let file = AuditLogFile(fileBytes(layout.auditLogPath) ?? [])
        return (0..<file.count).compactMap { file.decode(line: $0 + 1) }
    }

    private func keyEvents(in layout: ApplyLayout, serial: Int) -> [AuditEvent] {
        lines(in: layout).compactMap { if case .key(let event) = $0, event.serial == serial { event } else { nil } }
    }

    private func copy(_ folder: String) throws -> String {
        let target = try makeTemporaryFolder(self)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: target + "/" + name)
        }
        return target
    }

    private func translate(_ point: FailurePoint, from: String, to: String) -> FailurePoint {
        func moved(_ step: StorageStep) -> StorageStep {
            StorageStep(step.operation, to + step.path.dropFirst(from.count))
        }
        switch point {
        case .before(let step): return .before(moved(step))
        case .after(let step): return .after(moved(step))
        }
    }

    private func snapshotFolder(_ folder: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let name = enumerator?.nextObject() as? String {
            if let bytes = fileBytes(folder + "/" + name) { files[name] = bytes }
        }
        return files
    }
}
