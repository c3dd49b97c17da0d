import Foundation
@testable import Reconciler
import XCTest
import TestSupport

final class AuditLogTests: XCTestCase {
    static let applyTime = Date(timeIntervalSince1970: 1_795_597_200) // 2026-11-25T09:00:00Z

    /// Three events of two applies, the shapes apply will write.
    static let sample: [AuditEvent] = [
        AuditEvent(
            time: applyTime, event: .keyCreated, actor: "alice", commit: nil, serial: 1,
            keyID: KeyID(rawValue: "key_mfrggzdfmztwq2lknnwg")!, team: "payments", name: "checkout-api",
            changes: [
                "status": AuditChange(from: nil, to: "active"),
                "rate_limit": AuditChange(from: nil, to: 600),
                "hash": AuditChange(from: nil, to: "sha256:3e3bd18116bdcfe1ec91d3ed02ac78ba1e430db068e43e268c68005074a18aab"),
                "preview": AuditChange(from: nil, to: "thig_Pmnl...1orA"),
            ]),
        AuditEvent(
            time: applyTime.addingTimeInterval(3600.75), event: .keyRenamed, actor: "octo-bot",
            commit: "0123456789abcdef0123456789abcdef01234567", serial: 2,
            keyID: KeyID(rawValue: "key_mfrggzdfmztwq2lknnwg")!, team: "payments", name: "checkout",
            changes: ["name": AuditChange(from: "checkout-api", to: "checkout")]),
        AuditEvent(
            time: applyTime.addingTimeInterval(3601), event: .keyRevoked, actor: "octo-bot",
            commit: "0123456789abcdef0123456789abcdef01234567", serial: 2,
            keyID: KeyID(rawValue: "key_ovzgkdtforwwkdtbaaaa")!, team: "search/eu", name: "indexer \"ü\"",
            changes: ["status": AuditChange(from: "active", to: "revoked"), "active": AuditChange(from: true, to: false)]),
    ]

    private static var fixture: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/audit/three-events.jsonl").path
    }

    private func sampleLog() -> [UInt8] { AuditLog.encode(Self.sample.map(AuditLine.key), after: .empty).bytes }

    private func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().map(Array.init)
    }

    private func join(_ lines: [[UInt8]]) -> [UInt8] {
        lines.flatMap { $0 + [UInt8(ascii: "\n")] }
    }

    // MARK: encoding

    /// The golden file was checked independently: each line's `prev` equals Python's
    /// `hashlib.sha256` of the line before, the first one that of b"".
    func testEncodingIsOneSortedLinePerEventAndMatchesTheGoldenFile() throws {
        let golden = try XCTUnwrap(fileBytes(Self.fixture), "missing \(Self.fixture)")
        XCTAssertEqual(String(decoding: sampleLog(), as: UTF8.self), String(decoding: golden, as: UTF8.self))
        XCTAssertEqual(sampleLog(), AuditLog.encode(Self.sample.map(AuditLine.key), after: .empty).bytes, "deterministic")
        let first = String(decoding: lines(golden)[0], as: UTF8.self)
        XCTAssertTrue(first.hasPrefix(#"{"actor":"alice","changes":{"hash":{"from":null,"#), first)
        XCTAssertTrue(first.contains(#""commit":null,"#), "commit is written as null, not left out")
        XCTAssertTrue(first.contains(#""time":"2026-11-25T09:00:00Z""#))
        XCTAssertTrue(first.contains(#""prev":"\#(AuditLog.genesis)","serial":1,"team":"payments","#), first)
    }

    func testGenesisIsTheHashOfNothing() {
        XCTAssertEqual(AuditLog.genesis, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(AuditLog.head(of: []), AuditLog.genesis)
    }

    func testEventsRoundTripAndFractionsOfSecondsAreDropped() throws {
        let decoded = try lines(sampleLog()).map { try JSONDecoder().decode(AuditEvent.self, from: Data($0)) }
        XCTAssertEqual(decoded, Self.sample)
        XCTAssertEqual(decoded[1].time, Self.applyTime.addingTimeInterval(3600))
        XCTAssertEqual(Set(AuditEvent.Kind.allCases.map(\.rawValue)), [
            "key.created", "key.updated", "key.renamed", "key.deactivated", "key.activated", "key.rotated", "key.revoked",
        ])
    }

    // MARK: appending

    func testAppendCreatesTheLogAndChainsAcrossApplies() throws {
        let folder = try makeTemporaryFolder(self)
        let path = folder + "/" + AuditLog.defaultFileName
        let storage = FileSystemStorage()
        let first = AuditLog.encode(Self.sample[0..<1].map(AuditLine.key), after: .empty)
        try storage.append(first.bytes, to: path, keepingFirst: 0)
        let second = AuditLog.encode(Self.sample[1...].map(AuditLine.key), after: first.anchor)
        try storage.append(second.bytes, to: path, keepingFirst: first.bytes.count)
        let log = try XCTUnwrap(fileBytes(path))
        XCTAssertEqual(log, sampleLog(), "two appends give the same bytes as one")
        XCTAssertEqual(AuditLog.verify(log), [])
        XCTAssertEqual(AuditLogFile(log).anchor, second.anchor)
        XCTAssertEqual(AuditLog.eventCount(in: log), 3)
        XCTAssertEqual(folderEntries(folder), [AuditLog.defaultFileName])
    }

    /// Appending costs the new lines: a crash mid-append leaves at most a half-written line,
    /// which the next append cuts; it never cuts a complete line (the log changed since it was
    /// read), and a crash before the step leaves the file as it was.
    func testAppendCutsOnlyAHalfWrittenLastLine() throws {
        let folder = try makeTemporaryFolder(self)
        let path = folder + "/audit.jsonl"
        let storage = FileSystemStorage()
        let log = sampleLog()
        try storage.write(log + Array("{\"actor\":\"half".utf8), to: path)
        let file = AuditLogFile(try XCTUnwrap(fileBytes(path)))
        XCTAssertEqual(file.completeLength, log.count)
        XCTAssertEqual(file.anchor, AuditLogFile(log).anchor)

        let crashing = FaultInjectingStorage(storage, failAt: .before(StorageStep(.append, path)))
        let more = AuditLog.encode([.key(Self.sample[0])], after: file.anchor)
        XCTAssertThrowsError(try crashing.append(more.bytes, to: path, keepingFirst: file.completeLength))
        XCTAssertEqual(fileBytes(path), log + Array("{\"actor\":\"half".utf8))

        XCTAssertThrowsError(try storage.append(more.bytes, to: path, keepingFirst: file.completeLength - 10)) { error in
            XCTAssertTrue("\(error)".contains("changed since it was read"), "\(error)")
        }
        try storage.append(more.bytes, to: path, keepingFirst: file.completeLength)
        let appended = try XCTUnwrap(fileBytes(path))
        XCTAssertEqual(appended, log + more.bytes)
        XCTAssertEqual(AuditLog.verify(appended), [])
        XCTAssertEqual(AuditLog.eventCount(in: appended), 4)
    }

    // MARK: verifying

    func testIntactLogVerifies() {
        XCTAssertEqual(AuditLog.verify(sampleLog()), [])
        XCTAssertEqual(AuditLog.verify([]), [])
    }

    func testEditedLineIsNamedThroughTheLinkOfTheNextLine() {
        var edited = lines(sampleLog())
        edited[0] = Array(String(decoding: edited[0], as: UTF8.self).replacingOccurrences(of: "\"alice\"", with: "\"mallory\"").utf8)
        let problems = AuditLog.verify(join(edited))
        XCTAssertEqual(problems, [AuditProblem(line: 2, kind: .brokenLink(follows: nil))])
        XCTAssertEqual(problems.first?.code, "audit-chain-broken")
        XCTAssertEqual(
            problems.first?.description,
            "line 2 does not follow line 1: line 1 was edited, or lines between them were removed")
    }

    func testEditedLinkIsNamedOnItsOwnLine() {
        var edited = lines(sampleLog())
        let text = String(decoding: edited[2], as: UTF8.self)
        let prev = AuditLog.head(of: join(Array(edited[0..<1])))
        edited[2] = Array(text.replacingOccurrences(of: AuditLog.head(of: join(Array(edited[0..<2]))), with: prev).utf8)
        XCTAssertNotEqual(edited[2], lines(sampleLog())[2])
        XCTAssertEqual(AuditLog.verify(join(edited)), [AuditProblem(line: 3, kind: .brokenLink(follows: 1))])
    }

    func testRemovedLinesAreNamed() {
        let all = lines(sampleLog())
        XCTAssertEqual(AuditLog.verify(join([all[0], all[2]])), [AuditProblem(line: 2, kind: .brokenLink(follows: nil))])
        let withoutFirst = AuditLog.verify(join([all[1], all[2]]))
        XCTAssertEqual(withoutFirst, [AuditProblem(line: 1, kind: .brokenLink(follows: nil))])
        XCTAssertEqual(
            withoutFirst.first?.description,
            "line 1 is not the first event ever written: earlier lines were removed, or line 1 was edited")
    }

    func testReorderedLinesAreNamed() {
        let all = lines(sampleLog())
        let problems = AuditLog.verify(join([all[1], all[0], all[2]]))
        XCTAssertEqual(problems, [
            AuditProblem(line: 1, kind: .brokenLink(follows: 2)),
            AuditProblem(line: 2, kind: .brokenLink(follows: 0)),
            AuditProblem(line: 3, kind: .brokenLink(follows: 1)),
        ])
        XCTAssertEqual(problems.map(\.description), [
            "line 1 was written after line 2, not as the first line: lines were reordered",
            "line 2 was written as the first line, not after line 1: lines were reordered",
            "line 3 was written after line 1, not after line 2: lines were reordered",
        ])
        XCTAssertEqual(
            AuditLog.verify(join([all[0], all[2], all[1]])),
            [AuditProblem(line: 2, kind: .brokenLink(follows: 3)), AuditProblem(line: 3, kind: .brokenLink(follows: 1))])
    }

    /// The documented limit of a chain: the last line can be rewritten or dropped without a
    /// trace inside the file; only a head recorded elsewhere catches it.
    func testRewritingTheLastLineNeedsAnAnchoredHeadToBeCaught() {
        let all = lines(sampleLog())
        let truncated = join(Array(all[0..<2]))
        XCTAssertEqual(AuditLog.verify(truncated), [])
        XCTAssertNotEqual(AuditLog.head(of: truncated), AuditLog.head(of: sampleLog()))
    }

    func testMalformedAndCutOffLinesAreNamed() {
        let all = lines(sampleLog())
        let noPrev = Array(String(decoding: all[1], as: UTF8.self)
            .replacingOccurrences(of: "\"prev\"", with: "\"pre\"").utf8)
        let badKind = Array(String(decoding: all[1], as: UTF8.self)
            .replacingOccurrences(of: "key.renamed", with: "key.stolen").utf8)
        XCTAssertEqual(AuditLog.verify(join([all[0], Array("not json".utf8), all[2]])), [
            AuditProblem(line: 2, kind: .malformed("not a JSON object")),
            AuditProblem(line: 3, kind: .brokenLink(follows: nil)),
        ])
        XCTAssertEqual(AuditLog.verify(join([all[0], noPrev])), [
            AuditProblem(line: 2, kind: .malformed("field 'prev' is missing")),
        ])
        let kindProblems = AuditLog.verify(join([all[0], badKind]))
        XCTAssertEqual(kindProblems, [AuditProblem(line: 2, kind: .malformed("field 'event' has an invalid value"))])
        XCTAssertEqual(kindProblems.first?.code, "audit-line-malformed")
        // An empty line has no `prev` to check; it is malformed, and the next link breaks.
        XCTAssertEqual(AuditLog.verify(join([all[0], [], all[1]])), [
            AuditProblem(line: 2, kind: .malformed("not a JSON object")),
            AuditProblem(line: 3, kind: .brokenLink(follows: 1)),
        ])
        let cut = Array(sampleLog().dropLast(10))
        let cutProblems = AuditLog.verify(cut)
        XCTAssertEqual(cutProblems, [
            AuditProblem(line: 3, kind: .malformed("not a JSON object")),
            AuditProblem(line: 3, kind: .unterminated),
        ])
        XCTAssertEqual(cutProblems.last?.code, "audit-line-unterminated")
    }
}

/// `AuditLogFile.firstBrokenLink` (hashes, no decoding) is a fast path of `AuditLog.verify`'s
/// chain check: on random logs with random damage, both name the same first broken line.
final class AuditChainDifferentialTests: XCTestCase {
    func testFirstBrokenLinkAgreesWithVerify() throws {
        var generator = SeededGenerator(seed: 42)
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        for round in 0..<300 {
            let count = Int.random(in: 1...12, using: &generator)
            let events = (0..<count).map { index in
                AuditEvent(time: base.addingTimeInterval(Double(index)), event: .keyCreated, actor: "a\(round)",
                           commit: nil, serial: 1, keyID: KeyID.test("\(index)"), team: "t", name: "n\(index)",
                           changes: ["name": AuditChange(from: .null, to: .string("x\"prev\":\"sha256:\(index)"))])
            }
            var lines = AuditLog.encode(events.map(AuditLine.key), after: .empty).bytes
                .split(separator: UInt8(ascii: "\n")).map(Array.init)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: break
            case 1: // edit a line
                let i = Int.random(in: 0..<lines.count, using: &generator)
                lines[i] = Array(String(decoding: lines[i], as: UTF8.self).replacingOccurrences(of: "\"actor\":\"a", with: "\"actor\":\"b").utf8)
            case 2: // remove a line
                if lines.count > 1 { lines.remove(at: Int.random(in: 0..<lines.count, using: &generator)) }
            default: // swap two lines
                if lines.count > 1 { lines.swapAt(0, lines.count - 1) }
            }
            let bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")]
            let file = AuditLogFile(bytes)
            let reference = AuditLog.verify(bytes).first { if case .brokenLink = $0.kind { true } else { false } }?.line
            XCTAssertEqual(file.firstBrokenLink(through: file.count), reference, "round \(round)")
        }
    }
}

/// `AuditLogFile.value(after:in:)` (memchr to each quote) against the plain byte-by-byte scan
/// it replaced, on random lines built from the pieces that matter: the key, quotes, text.
final class AuditLinkScanDifferentialTests: XCTestCase {
    /// The scan as first written: every position compared, the only occurrence wins.
    private func reference(_ key: [UInt8], _ line: [UInt8]) -> [UInt8]? {
        var found: ArraySlice<UInt8>?
        var index = line.startIndex
        while index + key.count <= line.endIndex {
            if line[index] == key[0] && line[index..<(index + key.count)].elementsEqual(key) {
                guard found == nil else { return nil }
                let start = index + key.count
                guard let end = line[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
                found = line[start..<end]
                index = end
            }
            index += 1
        }
        return found.map(Array.init)
    }

    func testTheFastScanAgreesWithTheReference() {
        var generator = SeededGenerator(seed: 0xA0D1)
        let key = Array(#""prev":""#.utf8)
        let pieces = [#""prev":""#, "\"", "prev", ":", "sha256:0a", "x", "\\\"", #""prev":"""#, ""].map { Array($0.utf8) }
        var found = 0
        for round in 0..<20_000 {
            let line = (0..<Int.random(in: 0...8, using: &generator)).flatMap { _ in pieces.randomElement(using: &generator)! }
            let fast = line.withUnsafeBufferPointer { AuditLogFile.value(after: key, in: $0).map(Array.init) }
            let expected = reference(key, line)
            XCTAssertEqual(fast, expected, "round \(round): \(String(decoding: line, as: UTF8.self))")
            if expected != nil { found += 1 }
        }
        XCTAssertGreaterThan(found, 1_000)
    }
}
