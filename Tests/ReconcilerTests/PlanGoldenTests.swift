import Foundation
import PlanRendering
import Manifest
import XCTest
import Reconciler

/// Whole-pipeline golden tests: `Fixtures/<case>/keys.yaml` + `state.json` at the fixed clock
/// must render exactly `expected.txt`, `expected.md` and `expected.json`.
/// `KEYSYNC_UPDATE_GOLDEN=1 swift test --filter PlanGoldenTests` rewrites them; review the diff.
final class PlanGoldenTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let expectedCases = ["access", "first-apply", "grace-ended", "key-policy", "mixed", "no-changes"]

    func testEveryCaseFolderIsCovered() throws {
        let found = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path)
            .filter { FileManager.default.fileExists(atPath: Self.fixtures.appendingPathComponent("\($0)/keys.yaml").path) }
            .sorted()
        XCTAssertEqual(found, Self.expectedCases)
    }

    func testFirstApply() throws { try check("first-apply") }
    func testNoChanges() throws { try check("no-changes") }
    func testMixed() throws { try check("mixed") }
    func testGraceEnded() throws { try check("grace-ended") }
    /// `rotate_every` due and recorded, `protect` set on keys and teams.
    func testKeyPolicy() throws { try check("key-policy") }
    /// scopes and allowed_ips: set from a plan, team or key default, widened, removed, and on a new key.
    func testAccess() throws { try check("access") }

    /// Loads a case and plans it, as the CLI would (with the path the digest sees fixed to `keys.yaml`).
    static func plan(_ name: String) throws -> Plan {
        let folder = fixtures.appendingPathComponent(name)
        let yaml = try Data(contentsOf: folder.appendingPathComponent("keys.yaml"))
        let loaded = ManifestLoader.load([ManifestSource(path: "keys.yaml", bytes: [UInt8](yaml))])
        guard let manifest = loaded.manifest else {
            throw FixtureError(message: "fixture \(name) does not load: \(loaded.diagnostics)")
        }
        let state = try StateFile.decode(Data(contentsOf: folder.appendingPathComponent("state.json")))
        let (plan, diagnostics) = Planner.plan(manifest: manifest, state: state, now: Fixture.now)
        XCTAssertFalse(diagnostics.hasErrors, "\(diagnostics)")
        return plan
    }

    struct FixtureError: Error { var message: String }

    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let plan = try Self.plan(name)
        let folder = Self.fixtures.appendingPathComponent(name)
        let outputs = [
            ("expected.txt", TextPlanRenderer.render(plan)),
            ("expected.md", MarkdownPlanRenderer.render(plan)),
            ("expected.json", JSONPlanRenderer.render(plan)),
        ]
        for (fileName, actual) in outputs {
            let url = folder.appendingPathComponent(fileName)
            if ProcessInfo.processInfo.environment["KEYSYNC_UPDATE_GOLDEN"] == "1" {
                try Data(actual.utf8).write(to: url)
                continue
            }
            let expected = try String(contentsOf: url, encoding: .utf8)
            XCTAssertEqual(actual, expected, "\(name)/\(fileName) differs; rerun with KEYSYNC_UPDATE_GOLDEN=1 and review", file: file, line: line)
        }
        // The JSON is the saved plan: it reads back to the same plan.
        XCTAssertEqual(try SavedPlan.decode(Data(outputs[2].1.utf8)), plan, file: file, line: line)
    }
}
