import Foundation
import Reconciler
import XCTest

/// The audit log in segment files: where lines go (`AuditLogEnd`), how the files are named and
/// found (`AuditLogSegments`), a crash at every write point of an apply that opens segments,
/// and the move from today's single file.
final class AuditLogSegmentsTests: XCTestCase {
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
              - name: refunds
        """

    // MARK: placement

    func testLinesFillTheLastSegmentThenOpenTheNextWithoutEverBeingSplit() {
        let lines = Array("aaaa\nbbbbbbbb\ncc\n".utf8)
        let end = AuditLogEnd(segment: 1, length: 3, events: 1, limit: 10)
        let (appends, after) = end.appending(lines)
        XCTAssertEqual(appends, [
            AuditLogEnd.Append(segment: 1, keepingFirst: 3, bytes: Array("aaaa\n".utf8)),
            AuditLogEnd.Append(segment: 2, keepingFirst: 0, bytes: Array("bbbbbbbb\n".utf8)),
            AuditLogEnd.Append(segment: 3, keepingFirst: 0, bytes: Array("cc\n".utf8)),
        ])
        XCTAssertEqual(after, AuditLogEnd(segment: 3, length: 3, events: 1, eventsBefore: 3, limit: 10))
        XCTAssertEqual(after.anchor(head: "h"), AuditAnchor(events: 4, head: "h", segment: 3, segmentLine: 1))
        XCTAssertEqual(end.anchor(head: "h"), AuditAnchor(events: 1, head: "h"), "segment 1 records no segment")

        // A line longer than the limit gets a segment of its own; a full segment is left alone.
        let long = AuditLogEnd(limit: 4).appending(Array("aaaaaa\nb\n".utf8))
        XCTAssertEqual(long.appends.map(\.segment), [1, 2])
        XCTAssertEqual(long.appends.map(\.bytes.count), [7, 2])
    }

    func testAHalfWrittenLineInAFullSegmentIsCutBeforeTheNextOneOpens() {
        let full = AuditLogEnd(segment: 2, length: 10, events: 2, eventsBefore: 5, halfLine: true, limit: 10)
        let (appends, after) = full.appending(Array("x\n".utf8))
        XCTAssertEqual(appends, [
            AuditLogEnd.Append(segment: 2, keepingFirst: 10, bytes: []),
            AuditLogEnd.Append(segment: 3, keepingFirst: 0, bytes: Array("x\n".utf8)),
        ])
        XCTAssertEqual(after, AuditLogEnd(segment: 3, length: 2, events: 1, eventsBefore: 7, limit: 10))
    }

    /// The real bound: lines past it land in several segments, none over 16 MiB (well under
    /// GitHub's 50 MB warning).
    func testNoSegmentExceedsTheBound() {
        XCTAssertLessThan(AuditLogSegments.maximumBytes, 50_000_000)
        let line = Array(repeating: UInt8(ascii: "a"), count: 699) + [UInt8(ascii: "\n")]
        let lines = Array([[UInt8]](repeating: line, count: 1_500).joined())
        let (appends, end) = AuditLogEnd(length: AuditLogSegments.maximumBytes - 1_000, events: 10).appending(lines)
        XCTAssertEqual(appends.map(\.segment), [1, 2])
        XCTAssertEqual(appends.first?.bytes.count, 700, "one more line fits in segment 1, the next would not")
        var sizes: [Int: Int] = [:]
        for append in appends { sizes[append.segment] = append.keepingFirst + append.bytes.count }
        XCTAssertTrue(sizes.values.allSatisfy { $0 <= AuditLogSegments.maximumBytes }, "\(sizes)")
        XCTAssertEqual(end.eventsBefore + end.events, 1_510)
        XCTAssertEqual(appends.reduce(0) { $0 + $1.bytes.count }, lines.count, "every byte placed once")
    }

    /// The anchor's segment fields: both or neither, and read back as written.
    func testTheStateRecordsTheHeadsSegmentOnlyPastTheFirst() throws {
        var state = StateFile.empty
        state.serial = 3
        state.log = AuditAnchor(events: 9, head: AuditLog.genesis.replacingOccurrences(of: "e3b0", with: "aaaa"), segment: 3, segmentLine: 4)
        let bytes = state.encoded()
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains(#""segment": 3"#))
        XCTAssertEqual(try StateFile.decode(Data(bytes)).log, state.log)
        state.log?.segment = nil
        XCTAssertFalse(String(decoding: state.encoded(), as: UTF8.self).contains(#""segment":"#))
        XCTAssertThrowsError(try StateFile.decode(Data(state.encoded())), "segment_line without segment")
        state.log = AuditAnchor(events: 9, head: state.log!.head)
        XCTAssertFalse(String(decoding: state.encoded(), as: UTF8.self).contains("segment"), "absent for the first segment")
        XCTAssertNoThrow(try StateFile.decode(Data(state.encoded())))
    }

    // MARK: names

    func testSegmentFilesAreNamedBesideTheFirstAndFoundWithoutGaps() throws {
        XCTAssertEqual(AuditLogSegments.path(1, base: "repo/keysync.audit.jsonl"), "repo/keysync.audit.jsonl")
        XCTAssertEqual(AuditLogSegments.path(2, base: "repo/keysync.audit.jsonl"), "repo/keysync.audit.000002.jsonl")
        XCTAssertEqual(AuditLogSegments.path(1_234_567, base: "keysync.audit.jsonl"), "keysync.audit.1234567.jsonl")
        XCTAssertEqual(AuditLogSegments.path(3, base: "/tmp/audit.log"), "/tmp/audit.log.000003")

        let folder = try makeTemporaryFolder(self)
        let base = folder + "/keysync.audit.jsonl"
        func count() throws -> Int { try AuditLogSegments.count(base: base, storage: FileSystemStorage()) }
        func touch(_ name: String) { _ = FileManager.default.createFile(atPath: folder + "/" + name, contents: Data("{}\n".utf8)) }
        func remove(_ name: String) { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
        func assertBroken(_ expected: String, line: UInt = #line) {
            XCTAssertThrowsError(try count(), line: line) { error in
                guard case .history(.auditSegmentsBroken(let reason), _)? = error as? RepositoryError else {
                    return XCTFail("expected broken segments, got \(error)", line: line)
                }
                XCTAssertTrue(reason.contains(expected), reason, line: line)
            }
        }

        XCTAssertEqual(try count(), 0)
        touch("keysync.audit.jsonl")
        touch("keysync.audit.jsonl.backup")
        touch("keysync.audit.notes.jsonl")
        XCTAssertEqual(try count(), 1)
        touch("keysync.audit.000002.jsonl")
        touch("keysync.audit.000003.jsonl")
        XCTAssertEqual(try count(), 3)
        remove("keysync.audit.000002.jsonl")
        assertBroken("segment 2 is missing")
        touch("keysync.audit.000002.jsonl")
        touch("keysync.audit.4.jsonl")
        assertBroken("keysync.audit.4.jsonl looks like one of its segment files")
        remove("keysync.audit.4.jsonl")
        touch("keysync.audit.000001.jsonl")
        assertBroken("keysync.audit.000001.jsonl looks like")
        remove("keysync.audit.000001.jsonl")
        remove("keysync.audit.jsonl")
        assertBroken("its first segment is missing")
    }

    // MARK: crashes

    /// A crash before or after every write of an apply whose lines open two new segments, and
    /// whose completion line lands in another: the log verifies, no event is lost, the next apply
    /// completes, and no file exceeds the limit.
    func testEveryFailurePointOfAnApplyThatOpensSegmentsLeavesALogThatVerifies() throws {
        var harness = ApplyHarness(seed: 18)
        let baseline = try makeTemporaryFolder(self)
        let limit = 900
        let layout = { (folder: String) in ApplyLayout(statePath: folder + "/keysync.state.json", auditSegmentLimit: limit) }
        let first = try apply(&harness, Self.before, in: layout(baseline), at: firstAt)
        XCTAssertGreaterThan(segmentFiles(layout(baseline)).count, 1, "the first apply already fills segment 1")

        let read = try RepositoryReader.read(layout(baseline), storage: FileSystemStorage())
        let second = try harness.apply(harness.payments(Self.after), to: first.state, history: read.continuation, at: secondAt).prepared
        let dry = try copy(baseline)
        let recorder = FaultInjectingStorage(FileSystemStorage())
        try ApplyWriter.write(second, to: layout(dry), storage: recorder)
        let appended = recorder.points.compactMap { point -> String? in
            if case .after(let step) = point, step.operation == .append { return String(step.path.dropFirst(dry.count + 1)) }
            return nil
        }
        XCTAssertGreaterThanOrEqual(Set(appended).count, 3, "the apply appends to several segments: \(appended)")
        XCTAssertEqual(try allLines(layout(dry)).count, first.events.count + second.events.count + 4)

        var old = 0, new = 0
        for (index, point) in recorder.points.enumerated() {
            let folder = try copy(baseline)
            let paths = layout(folder)
            let occurrence = recorder.points[...index].filter { $0 == point }.count
            let crashing = FaultInjectingStorage(FileSystemStorage(), failAt: translate(point, from: dry, to: folder), occurrence: occurrence)
            XCTAssertThrowsError(try ApplyWriter.write(second, to: paths, storage: crashing), "point \(index)")
            XCTAssertTrue(crashing.hasFailed, "point \(index) not reached")

            // What a crash leaves verifies, and a state that says the apply happened has its events.
            XCTAssertEqual(try verify(paths), [], "point \(index): \(point)")
            let snapshot = try RepositoryReader.read(paths, storage: FileSystemStorage())
            XCTAssertTrue([first.state, second.state].contains(snapshot.state), "point \(index)")
            if snapshot.state == second.state {
                new += 1
                XCTAssertEqual(try keyEvents(paths, serial: 2), second.events, "point \(index)")
            } else {
                old += 1
            }

            // The next apply completes from what is on disk, and the log still verifies.
            var recovery = harness
            let next = try recovery.apply(harness.payments(Self.after), to: snapshot.state, history: snapshot.continuation,
                                          at: recoverAt).prepared
            try ApplyWriter.write(next, to: paths, storage: FileSystemStorage())
            let recovered = try RepositoryReader.read(paths, storage: FileSystemStorage())
            XCTAssertEqual(try verify(paths), [], "point \(index)")
            XCTAssertFalse(recovery.plan(harness.payments(Self.after), recovered.state, at: recoverAt).hasChanges, "point \(index)")
            XCTAssertEqual(try keyEvents(paths, serial: recovered.state.serial).count, second.events.count, "point \(index)")
            if snapshot.state == first.state {
                let markers = try allLines(paths).compactMap { if case .apply(let m) = $0 { "\(m.event.rawValue) \(m.serial)" } else { nil } }
                XCTAssertEqual(markers.last, "apply.completed \(recovered.state.serial)", "point \(index)")
            }
            for name in segmentFiles(paths) {
                XCTAssertLessThanOrEqual(fileBytes(folder + "/" + name)?.count ?? 0, limit, "point \(index): \(name)")
            }
        }
        XCTAssertEqual(old + new, recorder.points.count)
        XCTAssertGreaterThan(new, 0)
    }

    /// A crash in the middle of an append leaves a half line in the last segment; the next apply
    /// cuts it even when its own lines all go to a new segment.
    func testAHalfWrittenLastLineIsCutWhenTheNextApplyOpensASegment() throws {
        var harness = ApplyHarness(seed: 19)
        let folder = try makeTemporaryFolder(self)
        let layout = ApplyLayout(statePath: folder + "/keysync.state.json", auditSegmentLimit: 900)
        let first = try apply(&harness, Self.before, in: layout, at: firstAt)
        let last = try XCTUnwrap(segmentFiles(layout).last)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: folder + "/" + last))
        handle.seekToEndOfFile()
        handle.write(Data(String(repeating: "{\"half\":", count: 120).utf8))
        try handle.close()
        XCTAssertFalse(try verify(layout).isEmpty, "the half line is seen")

        _ = try apply(&harness, Self.after, in: layout, at: secondAt, after: first.state)
        XCTAssertEqual(try verify(layout), [])
        XCTAssertEqual(fileBytes(folder + "/" + last)?.last, UInt8(ascii: "\n"))
    }

    // MARK: migration and tampering

    /// Today's single file, already past the limit, stays as it is (segment 1, never rewritten);
    /// the next apply opens segment 2, and the state records where its head is. Reading then
    /// starts at segment 2, so a plan does not hash the closed file; `verify` still does.
    func testASingleFileLogPastTheLimitIsContinuedInSegmentTwo() throws {
        var harness = ApplyHarness(seed: 20)
        let folder = try makeTemporaryFolder(self)
        let single = ApplyLayout(statePath: folder + "/keysync.state.json")
        let first = try apply(&harness, Self.before, in: single, at: firstAt)
        XCTAssertNil(first.state.log?.segment)
        XCTAssertEqual(folderEntries(folder).filter { $0.hasPrefix("keysync.audit") }, ["keysync.audit.jsonl"])
        let legacy = try XCTUnwrap(fileBytes(single.auditLogPath))
        let readOld = try RepositoryReader.read(single, storage: FileSystemStorage())
        XCTAssertEqual(readOld.continuation.logEnd, AuditLogEnd(length: legacy.count, events: 4))

        let small = ApplyLayout(statePath: single.statePath, auditSegmentLimit: legacy.count - 1)
        let second = try apply(&harness, Self.after, in: small, at: secondAt, after: first.state)
        XCTAssertEqual(fileBytes(single.auditLogPath), legacy, "segment 1 is never rewritten")
        let anchor = try XCTUnwrap(second.state.log)
        XCTAssertGreaterThanOrEqual(anchor.headSegment, 2)
        XCTAssertEqual(anchor.events, 4 + second.events.count + 1, "apply.began, the events")
        XCTAssertEqual(try verify(small), [])
        XCTAssertEqual(try allLines(small).count, 4 + second.events.count + 2)

        // An edit inside the closed first segment: plan's read does not look there, verify does.
        var edited = legacy
        let actor = Array("ci-bot".utf8)
        let at = try XCTUnwrap((0...(edited.count - actor.count)).first { Array(edited[$0..<$0 + actor.count]) == actor })
        edited[at + 3] = UInt8(ascii: "B")  // line 1's actor, still a valid line
        try Data(edited).write(to: URL(fileURLWithPath: single.auditLogPath))
        XCTAssertNoThrow(try RepositoryReader.read(small, storage: FileSystemStorage()))
        let problems = try verify(small)
        XCTAssertEqual(problems.map(\.line), [2])
        let log = try loadAll(small)
        XCTAssertEqual(log.locate(line: 2).path, single.auditLogPath)
        XCTAssertEqual(log.locate(line: 6).path, folder + "/keysync.audit.000002.jsonl")
        XCTAssertEqual(log.locate(line: 5).line, 1)
        XCTAssertEqual(log.locate(line: 6).line, 2)
    }

    func testACutSwappedOrLinkedSegmentIsRefused() throws {
        var harness = ApplyHarness(seed: 21)
        let folder = try makeTemporaryFolder(self)
        let layout = ApplyLayout(statePath: folder + "/keysync.state.json", auditSegmentLimit: 2400)
        let first = try apply(&harness, Self.before, in: layout, at: firstAt)
        _ = try apply(&harness, Self.after, in: layout, at: secondAt, after: first.state)
        let names = segmentFiles(layout)
        XCTAssertGreaterThanOrEqual(names.count, 3)
        let state = try RepositoryReader.read(layout, storage: FileSystemStorage()).state
        let headName = try XCTUnwrap(URL(fileURLWithPath: AuditLogSegments.path(state.log?.headSegment ?? 1, base: layout.auditLogPath)).lastPathComponent)
        func refusal() -> HistoryError? {
            do {
                _ = try RepositoryReader.read(layout, storage: FileSystemStorage())
                return nil
            } catch {
                guard case .history(let history, _) = error else { return .notADescendant("\(error)") }
                return history
            }
        }
        func swapped(_ name: String, with bytes: [UInt8]?, check: (HistoryError?) -> Void) throws {
            let path = folder + "/" + name
            let saved = try XCTUnwrap(fileBytes(path))
            if let bytes { try Data(bytes).write(to: URL(fileURLWithPath: path)) } else { try FileManager.default.removeItem(atPath: path) }
            check(refusal())
            try Data(saved).write(to: URL(fileURLWithPath: path))
        }
        XCTAssertNil(refusal())

        // The segment holding the head, cut just before the head line, or swapped for another one.
        let headBytes = try XCTUnwrap(fileBytes(folder + "/" + headName))
        let breaks = headBytes.indices.filter { headBytes[$0] == UInt8(ascii: "\n") }
        let kept = (state.log?.segmentLine ?? 1) - 1
        try swapped(headName, with: kept == 0 ? [] : Array(headBytes[...breaks[kept - 1]])) { error in
            XCTAssertTrue([.auditLogMismatch, .auditLogTruncated, .auditLogUnreadable].contains(error?.diagnosticCode),
                          "\(String(describing: error))")
        }
        let other = try XCTUnwrap(names.first { $0 != headName && $0 != "keysync.audit.jsonl" })
        try swapped(headName, with: fileBytes(folder + "/" + other)) { error in
            XCTAssertTrue([.auditLogMismatch, .auditLogTruncated].contains(error?.diagnosticCode), "\(String(describing: error))")
        }
        // The segment holding the head removed.
        try swapped(headName, with: nil) { error in
            XCTAssertNotNil(error, "a removed head segment is noticed")
        }
        // A gap.
        try swapped(names[1], with: nil) { error in
            guard case .auditSegmentsBroken? = error else { return XCTFail("\(String(describing: error))") }
        }
        // A link where a segment should be: the head's, or a closed one that plans do not read.
        let closed = folder + "/keysync.audit.jsonl"
        let closedBytes = try XCTUnwrap(fileBytes(closed))
        try FileManager.default.removeItem(atPath: closed)
        try Data(closedBytes).write(to: URL(fileURLWithPath: folder + "/closed-elsewhere"))
        try FileManager.default.createSymbolicLink(atPath: closed, withDestinationPath: folder + "/closed-elsewhere")
        XCTAssertThrowsError(try RepositoryReader.read(layout, storage: FileSystemStorage())) { error in
            guard case .storage(let storage)? = error as? RepositoryError else { return XCTFail("\(error)") }
            XCTAssertTrue(storage.reason.contains("symbolic link"), storage.reason)
        }
        try FileManager.default.removeItem(atPath: closed)
        try Data(closedBytes).write(to: URL(fileURLWithPath: closed))
        XCTAssertNil(refusal())
        let linked = folder + "/" + headName
        let saved = try XCTUnwrap(fileBytes(linked))
        try FileManager.default.removeItem(atPath: linked)
        try Data(saved).write(to: URL(fileURLWithPath: folder + "/elsewhere"))
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: folder + "/elsewhere")
        XCTAssertThrowsError(try RepositoryReader.read(layout, storage: FileSystemStorage())) { error in
            guard case .storage(let storage)? = error as? RepositoryError else { return XCTFail("\(error)") }
            XCTAssertTrue(storage.reason.contains("symbolic link"), storage.reason)
        }
    }

    // MARK: helpers

    /// Reads the repository, plans `keys` against its state and writes the apply.
    @discardableResult
    private func apply(
        _ harness: inout ApplyHarness, _ keys: String, in layout: ApplyLayout, at now: Date, after state: StateFile = .empty
    ) throws -> PreparedApply {
        let read = try RepositoryReader.read(layout, storage: FileSystemStorage())
        XCTAssertEqual(read.state, state)
        let prepared = try harness.apply(harness.payments(keys), to: read.state, history: read.continuation, at: now).prepared
        try ApplyWriter.write(prepared, to: layout, storage: FileSystemStorage())
        return prepared
    }

    private func loadAll(_ layout: ApplyLayout) throws -> AuditLogSegments.Loaded {
        let storage = FileSystemStorage()
        let count = try AuditLogSegments.count(base: layout.auditLogPath, storage: storage)
        return try AuditLogSegments.load(base: layout.auditLogPath, from: 1, count: count, eventsBefore: 0, storage: storage)
    }

    /// Every problem in the whole log's chain, over all its segments.
    private func verify(_ layout: ApplyLayout) throws -> [AuditProblem] {
        AuditLog.verify(try loadAll(layout).file.bytes)
    }

    private func allLines(_ layout: ApplyLayout) throws -> [AuditLine] {
        let file = try loadAll(layout).file
        return (0..<file.count).compactMap { file.decode(line: $0 + 1) }
    }

    private func keyEvents(_ layout: ApplyLayout, serial: Int) throws -> [AuditEvent] {
        try allLines(layout).compactMap { if case .key(let event) = $0, event.serial == serial { event } else { nil } }
    }

    private func segmentFiles(_ layout: ApplyLayout) -> [String] {
        let folder = URL(fileURLWithPath: layout.auditLogPath).deletingLastPathComponent().path
        // In log order: the first segment, then the numbered ones.
        return folderEntries(folder).filter { $0.hasPrefix("keysync.audit.") && $0.hasSuffix(".jsonl") }
            .sorted { ($0 == "keysync.audit.jsonl" ? "" : $0) < ($1 == "keysync.audit.jsonl" ? "" : $1) }
    }

    private func copy(_ folder: String) throws -> String {
        let target = try makeTemporaryFolder(self)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: target + "/" + name)
        }
        return target
    }

    private func translate(_ point: FailurePoint, from: String, to: String) -> FailurePoint {
        func moved(_ step: StorageStep) -> StorageStep { StorageStep(step.operation, to + step.path.dropFirst(from.count)) }
        switch point {
        case .before(let step): return .before(moved(step))
        case .after(let step): return .after(moved(step))
        }
    }
}
