import Foundation
import XCTest

/// `keysync audit verify` on a real log (the golden file apply's encoder produces, shared with
/// the Reconciler tests) and on tampered copies; expected stderr lives in golden files.
final class AuditCommandTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/audit")

    private func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: Self.fixtures.appendingPathComponent(name))
    }

    private func logLines() throws -> [Data] {
        try fixture("three-events.jsonl").split(separator: UInt8(ascii: "\n")).map { Data($0) }
    }

    private func joined(_ lines: [Data]) -> Data {
        lines.reduce(into: Data()) { $0 += $1 + Data("\n".utf8) }
    }

    /// Writes `log` as `keysync.audit.jsonl` in a fresh folder and runs the default invocation there.
    private func verify(_ log: Data?) throws -> ProcessResult {
        let folder = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        if let log { try log.write(to: folder.appendingPathComponent("keysync.audit.jsonl")) }
        return try Keysync.run(["audit", "verify"], in: folder)
    }

    private func assertFails(_ result: ProcessResult, golden: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(result.exitCode, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        XCTAssertEqual(result.stderr, String(decoding: try fixture(golden), as: UTF8.self), file: file, line: line)
    }

    func testIntactLogIsReportedWithItsEventCount() throws {
        let result = try verify(try fixture("three-events.jsonl"))
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertEqual(result.stdout, "ok: 3 events, chain intact (no state file to check the head against)\n")
        XCTAssertEqual(result.stderr, "")
    }

    func testExplicitPathAndEmptyLog() throws {
        let folder = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("elsewhere.jsonl")
        try fixture("three-events.jsonl").write(to: path)
        let result = try Keysync.run(["audit", "verify", path.path])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertEqual(result.stdout, "ok: 3 events, chain intact (no state file to check the head against)\n")
        let empty = try verify(Data())
        XCTAssertEqual(empty.exitCode, 0, empty.stderr)
        XCTAssertEqual(empty.stdout, "ok: 0 events, chain intact (no state file to check the head against)\n")
        let one = try verify(joined(Array(try logLines().prefix(1))))
        XCTAssertEqual(one.stdout, "ok: 1 event, chain intact (no state file to check the head against)\n")
    }

    func testEditedLineIsNamed() throws {
        var lines = try logLines()
        lines[0] = Data(String(decoding: lines[0], as: UTF8.self)
            .replacingOccurrences(of: #""rate_limit":{"from":null,"to":600}"#, with: #""rate_limit":{"from":null,"to":6000}"#).utf8)
        try assertFails(try verify(joined(lines)), golden: "edited-line-1.stderr")
    }

    func testRemovedLineIsNamed() throws {
        let lines = try logLines()
        try assertFails(try verify(joined([lines[0], lines[2]])), golden: "removed-line-2.stderr")
    }

    func testReorderedLinesAreNamed() throws {
        let lines = try logLines()
        try assertFails(try verify(joined([lines[0], lines[2], lines[1]])), golden: "reordered.stderr")
    }

    func testCutOffLastLineIsNamed() throws {
        try assertFails(try verify(try fixture("three-events.jsonl").dropLast(20)), golden: "cut-off.stderr")
    }

    func testMissingLogFails() throws {
        try assertFails(try verify(nil), golden: "missing.stderr")
    }
}
