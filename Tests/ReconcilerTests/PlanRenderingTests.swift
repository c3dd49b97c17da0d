import Foundation
import PlanRendering
import Manifest
import XCTest
import Reconciler
import TestSupport

final class PlanRenderingTests: XCTestCase {
    typealias F = Fixture

    /// `count` new teams with `perTeam` keys each, created from an empty state, and a change
    /// with long descriptions per key: a plan far past one comment.
    func bigPlan(teams count: Int, perTeam: Int) -> Plan {
        let teams = (0..<count).map { t in
            F.team(String(format: "team-%03d", t), keys: (0..<perTeam).map { k in
                F.key(String(format: "key-%04d", k), line: 10 + k * 8,
                      description: String(repeating: "a long description ", count: 10), owner: "o@example.com")
            })
        }
        return Planner.plan(manifest: F.manifest(teams), state: .empty, now: F.now).plan
    }

    /// At the threshold (key and team changes together) text and Markdown are the whole plan,
    /// byte for byte; one change past it, a summary. JSON is the same at any detail.
    func testPlansAreSummarisedOnlyPastTheThreshold() {
        let atThreshold = bigPlan(teams: 2, perTeam: 99)  // 198 creates + 2 team changes = 200
        for format in [PlanFormat.text, .markdown] {
            XCTAssertEqual(atThreshold.rendered(as: format, detail: .standard), atThreshold.rendered(as: format))
        }
        XCTAssertEqual(atThreshold.rendered(as: .text, color: true, detail: .standard),
                       TextPlanRenderer.render(atThreshold, color: true))

        let past = bigPlan(teams: 2, perTeam: 100)  // 202 changes
        let text = past.rendered(as: .text, detail: .standard)
        XCTAssertTrue(text.hasPrefix("keysync will perform the following actions (202 changes, summarised):\n"), text)
        XCTAssertTrue(text.contains("\n  team-000  101 (100 to create, 1 team change)\n  team-001  101 (100 to create, 1 team change)\n"), text)
        XCTAssertTrue(text.contains("\n...and 152 more changes. "), text)
        XCTAssertTrue(past.rendered(as: .markdown, detail: .standard).contains("_202 changes, summarised. "))
        XCTAssertEqual(past.rendered(as: .json, detail: .standard), past.rendered(as: .json))
        XCTAssertEqual(past.rendered(as: .text, detail: .summarisedPast(202)), past.rendered(as: .text))
    }

    func testMarkdownStaysUnderGitHubsLimitBySummarising() {
        let plan = bigPlan(teams: 40, perTeam: 100)  // 4,000 creates
        XCTAssertGreaterThan(TextPlanRenderer.render(plan).utf16.count, 200_000)
        let markdown = MarkdownPlanRenderer.render(plan)
        XCTAssertLessThanOrEqual(markdown.utf16.count, MarkdownPlanRenderer.defaultLimit)
        XCTAssertLessThan(markdown.utf16.count, 65_535)
        XCTAssertTrue(markdown.contains("**Plan: 4000 to create, 40 team changes.**"))
        XCTAssertFalse(markdown.contains("<details>"))
        XCTAssertTrue(markdown.contains("more of 4040 changes and all per-key details are left out"), String(markdown.suffix(300)))
        // The rows kept are complete table rows.
        XCTAssertTrue(markdown.contains("| `+` | `key-0000` | create | new key |\n"))
    }

    func testMarkdownDropsDetailsFirstWhenOnlyTheyDoNotFit() {
        let plan = bigPlan(teams: 2, perTeam: 60)
        let full = MarkdownPlanRenderer.render(plan, limit: 10_000_000)
        XCTAssertTrue(full.contains("<details>"))
        let tablesOnlySize = full.components(separatedBy: "<details>").first!.utf16.count + 200
        let limited = MarkdownPlanRenderer.render(plan, limit: tablesOnlySize)
        XCTAssertFalse(limited.contains("<details>"))
        XCTAssertTrue(limited.contains("Per-key details are left out"))
        XCTAssertTrue(limited.contains("| `+` | `key-0059` | create | new key |"))
        XCTAssertLessThanOrEqual(limited.utf16.count, tablesOnlySize)
    }

    func testMarkdownCapsWarnings() {
        let teams = [F.team("t", owner: nil, keys: (0..<80).map { F.key(String(format: "k%02d", $0)) })]
        let plan = Planner.plan(manifest: F.manifest(teams), state: .empty, now: F.now).plan
        XCTAssertEqual(plan.notes.count, 80)
        let markdown = MarkdownPlanRenderer.render(plan)
        XCTAssertTrue(markdown.contains("> - …and 30 more\n"))
    }

    func testMarkdownEscapesManifestTextInTables() {
        let state = F.state(teams: [F.teamRecord("t")], keys: [F.record(KeyID.test("a"), team: "t", name: "x")])
        let plan = Planner.plan(manifest: F.manifest([F.team("t", keys: [])]), state: state, now: F.now).plan
        XCTAssertTrue(MarkdownPlanRenderer.render(plan).contains("| `-` | `x` | revoke | removed from the manifest |"))
    }

    func testTextColourOnlyWhenAsked() {
        let plan = try! PlanGoldenTests.plan("mixed")
        XCTAssertFalse(TextPlanRenderer.render(plan).contains("\u{1B}["))
        let coloured = TextPlanRenderer.render(plan, color: true)
        XCTAssertTrue(coloured.contains("\u{1B}[32m+\u{1B}[0m key payments/ledger"))
        XCTAssertTrue(coloured.contains("\u{1B}[31m-\u{1B}[0m/\u{1B}[32m+\u{1B}[0m key payments/search"))
        XCTAssertEqual(coloured.replacingOccurrences(of: "\u{1B}\\[[0-9]+m", with: "", options: .regularExpression),
                       TextPlanRenderer.render(plan))
    }

    func testTextQuotesControlCharactersOnOneLine() {
        let plan = Planner.plan(
            manifest: F.manifest([F.team("t", keys: [F.key("k", description: "two\nlines\u{1B}[31m")])]),
            state: .empty, now: F.now).plan
        let text = TextPlanRenderer.render(plan)
        XCTAssertTrue(text.contains(#"description: "two\nlines\u{1b}[31m""#), text)
        XCTAssertFalse(text.contains("\u{1B}"))
    }

    func testSummaryLine() {
        XCTAssertEqual(TextPlanRenderer.render(try! PlanGoldenTests.plan("no-changes")),
                       "No changes. The state matches the manifest.\n")
        let state = F.state(teams: [F.teamRecord("payments")], keys: [
            F.record(KeyID.test("a"), name: "checkout"), F.record(KeyID.test("b"), name: "gone"),
        ])
        let m = F.manifest([F.team("payments", keys: [
            F.key("checkout-api", rateLimit: 5, renamedFrom: "checkout"), F.key("new1"), F.key("new2"),
        ])])
        let plan = Planner.plan(manifest: m, state: state, now: F.now).plan
        XCTAssertTrue(TextPlanRenderer.render(plan).contains("\nPlan: 2 to create, 1 to update, 1 to rename, 1 to revoke.\n"))
    }

    func testNoRenderingContainsStateHashes() throws {
        let folder = PlanGoldenTests.fixtures.appendingPathComponent("mixed")
        let state = try StateFile.decode(Data(contentsOf: folder.appendingPathComponent("state.json")))
        let plan = try PlanGoldenTests.plan("mixed")
        for format in PlanFormat.allCases {
            let out = plan.rendered(as: format)
            for key in state.keys {
                XCTAssertFalse(out.contains(String(key.hash.rawValue.dropFirst(7).prefix(16))), "\(format) shows a hash")
            }
            XCTAssertFalse(out.contains("sha256:") && format != .json, "\(format)")
        }
        // JSON holds the manifest digest (not secret) and nothing else hash-like.
        let json = plan.rendered(as: .json)
        XCTAssertEqual(json.components(separatedBy: "sha256:").count - 1, 1)
    }
}
