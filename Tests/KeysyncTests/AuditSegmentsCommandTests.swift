import Foundation
import XCTest

/// The audit log in segment files, end to end: `apply` (with the hidden `--audit-segment-bytes`
/// making segments small) spreads its lines over `keysync.audit.jsonl`,
/// `keysync.audit.000002.jsonl`, …; `plan` and `audit verify` read across them, and a break or
/// a stray segment-like file is named by file and line.
final class AuditSegmentsCommandTests: XCTestCase {
    private let clock = ["KEYSYNC_NOW": "2026-11-25T12:00:00Z"]
    private let limit = 1000

    private func run(_ arguments: [String], in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        try Keysync.run(arguments, in: dir, environment: clock, file: file, line: line)
    }

    private func manifest(_ recipient: String, keys: [String]) -> String {
        """
        version: 1
        prefix: thig
        teams:
          payments:
            plan: enterprise
            owner: lead@example.com
            recipients: [\(recipient)]
            keys:
        \(keys.map { "      - name: \($0)" }.joined(separator: "\n"))

        """
    }

    private func segments(in dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasPrefix("keysync.audit.") && $0.hasSuffix(".jsonl") }
            .sorted { ($0 == "keysync.audit.jsonl" ? "" : $0) < ($1 == "keysync.audit.jsonl" ? "" : $1) }
    }

    func testApplySpreadsTheLogOverSegmentsThatPlanAndVerifyReadAcross() throws {
        let dir = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let keygen = try run(["keygen", "-o", "id.txt"], in: dir)
        XCTAssertEqual(keygen.exitCode, 0, keygen.stderr)
        let recipient = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let manifestURL = dir.appendingPathComponent("keys.yaml")
        let small = ["--audit-segment-bytes", "\(limit)", "--actor", "release-bot"]

        try Data(manifest(recipient, keys: ["checkout-api", "ledger-export"]).utf8).write(to: manifestURL)
        XCTAssertEqual(try run(["apply"] + small, in: dir).exitCode, 0)
        let firstSegments = try segments(in: dir)
        XCTAssertEqual(firstSegments.first, "keysync.audit.jsonl")
        try Data(manifest(recipient, keys: ["checkout-api", "ledger-export", "refunds", "search"]).utf8).write(to: manifestURL)
        let second = try run(["apply"] + small, in: dir)
        XCTAssertEqual(second.exitCode, 0, second.stderr)
        let names = try segments(in: dir)
        XCTAssertGreaterThan(names.count, firstSegments.count)
        XCTAssertEqual(names, ["keysync.audit.jsonl"] + (2...names.count).map { String(format: "keysync.audit.%06d.jsonl", $0) })
        for name in names {
            let bytes = try Data(contentsOf: dir.appendingPathComponent(name))
            XCTAssertTrue(bytes.count <= limit || bytes.filter { $0 == UInt8(ascii: "\n") }.count == 1, "\(name): \(bytes.count) bytes")
            XCTAssertEqual(bytes.last, UInt8(ascii: "\n"), name)
        }

        // Plan (without the option: reading needs no limit) sees no changes; verify counts every line.
        let plan = try run(["plan"], in: dir)
        XCTAssertEqual(plan.exitCode, 0, plan.stderr)
        let verify = try run(["audit", "verify"], in: dir)
        XCTAssertEqual(verify.exitCode, 0, verify.stderr)
        // Each apply: apply.began, two key.created, apply.completed.
        XCTAssertEqual(verify.stdout, "ok: 8 events, chain intact, head as recorded by the state at serial 2\n")

        // An edit to the last line of segment 1 shows up at the first line of segment 2.
        let first = dir.appendingPathComponent("keysync.audit.jsonl")
        let original = try String(contentsOf: first, encoding: .utf8)
        var lines = original.split(separator: "\n").map(String.init)
        lines[lines.count - 1] = lines[lines.count - 1].replacingOccurrences(of: "release-bot", with: "release-bob")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: first)
        let broken = try run(["audit", "verify"], in: dir)
        XCTAssertEqual(broken.exitCode, 1)
        XCTAssertTrue(broken.stderr.hasPrefix("keysync.audit.000002.jsonl:1:1: error[audit-chain-broken]: line "), broken.stderr)
        try Data(original.utf8).write(to: first)

        // A file that looks like a segment but is not one is refused by every reader.
        try Data().write(to: dir.appendingPathComponent("keysync.audit.7.jsonl"))
        for command in [["plan"], ["audit", "verify"]] {
            let refused = try run(command, in: dir)
            XCTAssertEqual(refused.exitCode, 1, "\(command)")
            XCTAssertTrue(refused.stderr.contains("error[audit-log-unreadable]: the audit log's segment files do not form one log: keysync.audit.7.jsonl looks like one of its segment files"),
                          "\(command): \(refused.stderr)")
        }
    }
}
