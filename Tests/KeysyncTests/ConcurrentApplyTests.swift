import Crypto
import Foundation
import Reconciler
import XCTest

/// Twenty applies of different manifests started at once against one state, each waiting for
/// the lock: every apply plans from the state the previous one left (no lost update), and every
/// key ever minted is in exactly one sealed file.
final class ConcurrentApplyTests: XCTestCase {
    func testTwentyConcurrentAppliesLoseNoUpdateAndDeliverEveryKeyOnce() throws {
        let dir = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let keygen = try Keysync.run(["keygen", "-o", "id.txt"], in: dir)
        let recipient = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let count = 20
        for index in 0..<count {
            let folder = dir.appendingPathComponent("m\(index)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("""
                version: 1
                prefix: acme
                teams:
                  team-\(index):
                    plan: enterprise
                    owner: o\(index)@example.com
                    recipients: [\(recipient)]
                    keys:
                      - name: key

                """.utf8).write(to: folder.appendingPathComponent("keys.yaml"))
        }
        let processes: [(Process, Pipe)] = try (0..<count).map { index in
            let process = Process()
            process.executableURL = Keysync.binary
            process.arguments = ["apply", "-m", "m\(index)/keys.yaml", "--state", "keysync.state.json",
                                 "--sealed-dir", "sealed", "--audit-log", "keysync.audit.jsonl", "--lock-timeout", "2m"]
            process.environment = Keysync.environment()
            process.currentDirectoryURL = dir
            let err = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = err
            try process.run()
            return (process, err)
        }
        for (index, (process, err)) in processes.enumerated() {
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "apply \(index): \(stderr)")
        }

        let state = try StateFileReader.read(at: dir.appendingPathComponent("keysync.state.json").path)
        XCTAssertEqual(state.serial, count, "an apply planned from a state another had already replaced")
        XCTAssertEqual(state.keys.count, count, "one key per team, each minted once")
        XCTAssertEqual(Set(state.keys.map(\.team)).count, count)
        XCTAssertEqual(state.keys.filter { $0.status == .active }.count, 1, "the last manifest's key; the others revoked with their teams")

        var deliveries: [String: Int] = [:]
        let sealed = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("sealed").path).sorted()
        XCTAssertEqual(sealed.count, count)
        for name in sealed {
            let opened = try Keysync.run(["unseal", "sealed/\(name)", "-i", "id.txt"], in: dir)
            XCTAssertEqual(opened.exitCode, 0, opened.stderr)
            let document = try XCTUnwrap(JSONSerialization.jsonObject(with: opened.stdoutBytes) as? [String: Any])
            for entry in document["keys"] as? [[String: Any]] ?? [] {
                let raw = try XCTUnwrap(entry["key"] as? String)
                let hash = "sha256:" + SHA256.hash(data: Data(raw.utf8)).map { String(format: "%02x", $0) }.joined()
                deliveries[hash, default: 0] += 1
            }
        }
        for key in state.keys {
            XCTAssertEqual(deliveries[key.hash.rawValue], 1, "key \(key.id) is not in exactly one sealed file")
        }
        XCTAssertEqual(deliveries.count, count)

        let verify = try Keysync.run(["audit", "verify"], in: dir)
        XCTAssertEqual(verify.exitCode, 0, verify.stderr)
        XCTAssertTrue(verify.stdout.contains("head as recorded by the state at serial \(count)"), verify.stdout)
        let log = try String(contentsOf: dir.appendingPathComponent("keysync.audit.jsonl"), encoding: .utf8)
        XCTAssertEqual(log.components(separatedBy: "\"event\":\"apply.completed\"").count - 1, count)
    }
}
