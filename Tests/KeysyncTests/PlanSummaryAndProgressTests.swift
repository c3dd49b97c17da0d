import Foundation
import XCTest

/// Large plans summarised, `--full`, and progress on standard error, through the built binary:
/// a generated manifest of 60 teams (330 changes, past the 200-change threshold), real files,
/// exact exit codes. Below the threshold the golden files (PlanCommandTests) pin the output.
final class PlanSummaryAndProgressTests: XCTestCase {
    private let clock = ["KEYSYNC_NOW": "2026-11-25T12:00:00Z"]
    /// Team `i` has 3 + i % 4 keys: 270 key changes and 60 team changes.
    static let teams = 60
    static func keyCount(_ team: Int) -> Int { 3 + team % 4 }

    /// A folder with an identity and a manifest of `teams` teams sealing to it, team `t` with
    /// `keys(t)` keys.
    private func project(teams: Int = teams, keys: (Int) -> Int = keyCount, _ function: String = #function) throws -> URL {
        let dir = try makeTemporaryDirectory(function)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let keygen = try Keysync.run(["keygen", "-o", "id.txt"], in: dir)
        XCTAssertEqual(keygen.exitCode, 0, keygen.stderr)
        let recipient = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var yaml = "version: 1\nprefix: prog\nteams:\n"
        for t in 0..<teams {
            yaml += "  team-\(t < 10 ? "0" : "")\(t):\n    plan: enterprise\n    owner: lead-\(t)@example.com\n"
            yaml += "    recipients: [\(recipient)]\n    keys:\n"
            for k in 0..<keys(t) {
                yaml += "      - name: service-\(k)\n        owner: dev-\(t)-\(k)@example.com\n        expires: 2027-03-01\n"
            }
        }
        try Data(yaml.utf8).write(to: dir.appendingPathComponent("keys.yaml"))
        return dir
    }

    private func lines(_ text: String, containing word: String) -> Int {
        text.split(separator: "\n").filter { $0.contains(word) }.count
    }

    func testLargeTextPlanIsSummarisedAndFullShowsEveryChange() throws {
        let dir = try project()
        let summary = try Keysync.run(["plan", "--quiet"], in: dir, environment: clock)
        XCTAssertEqual(summary.exitCode, 0, summary.stderr)
        XCTAssertEqual(summary.stderr, "")
        let out = summary.stdout
        XCTAssertTrue(out.hasPrefix("""
            keysync will perform the following actions (330 changes, summarised):

            Changes by action:
              + 270 to create
                 60 team changes

            Teams with the most changes (10 of 60):
              team-03  7 (6 to create, 1 team change)
              team-07  7 (6 to create, 1 team change)

            """), out)
        XCTAssertTrue(out.contains("  team-39  7 (6 to create, 1 team change)\n\nThe first 50 changes:\n\nTeam team-00:\n"), out)
        XCTAssertFalse(out.contains("team-43  7"), "only the top 10 teams are ranked")
        // The first 50 changes, whole blocks, in the full plan's order: 4, 5, 6, 7 changes a
        // team from team-00, so team-08 ends at 48 and team-09 shows its first two.
        XCTAssertEqual(lines(out, containing: "will be added"), 10)
        XCTAssertEqual(lines(out, containing: "will be created"), 40)
        XCTAssertTrue(out.contains("Team team-09:\n"), out)
        XCTAssertFalse(out.contains("Team team-10:"), out)
        XCTAssertTrue(out.hasSuffix("""

            ...and 280 more changes. Run with --full to see every change; --format json and `keysync plan --out FILE` always hold the whole plan.

            Plan: 270 to create, 60 team changes.

            """), out)

        let full = try Keysync.run(["plan", "--full", "--quiet"], in: dir, environment: clock)
        XCTAssertEqual(full.exitCode, 0, full.stderr)
        XCTAssertTrue(full.stdout.hasPrefix("keysync will perform the following actions:\n\nTeam team-00:\n"), full.stdout)
        XCTAssertEqual(lines(full.stdout, containing: "will be added"), 60)
        XCTAssertEqual(lines(full.stdout, containing: "will be created"), 270)
        XCTAssertFalse(full.stdout.contains("summarised"))
        // The first changes of the summary are the full plan's first blocks, byte for byte.
        let firstBlocks = try XCTUnwrap(out.components(separatedBy: "The first 50 changes:\n").last?
            .components(separatedBy: "\n...and 280 more").first)
        XCTAssertTrue(full.stdout.contains(firstBlocks))
    }

    func testJSONAndOutAlwaysHoldEveryChange() throws {
        let dir = try project()
        let json = try Keysync.run(["plan", "--format", "json", "--out", "plan.json", "--quiet"], in: dir, environment: clock)
        XCTAssertEqual(json.exitCode, 0, json.stderr)
        let saved = try Data(contentsOf: dir.appendingPathComponent("plan.json"))
        XCTAssertEqual(json.stdoutBytes, saved)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: saved) as? [String: Any])
        XCTAssertEqual((document["key_changes"] as? [Any])?.count, 270)
        XCTAssertEqual((document["team_changes"] as? [Any])?.count, 60)
        let full = try Keysync.run(["plan", "--format", "json", "--full", "--quiet"], in: dir, environment: clock)
        XCTAssertEqual(full.stdoutBytes, saved, "--full changes nothing in JSON")
    }

    func testLargeMarkdownPlanIsSummarised() throws {
        let dir = try project()
        let summary = try Keysync.run(["plan", "--format", "markdown", "--quiet"], in: dir, environment: clock)
        XCTAssertEqual(summary.exitCode, 0, summary.stderr)
        XCTAssertTrue(summary.stdout.hasPrefix("""
            ### keysync plan

            **Plan: 270 to create, 60 team changes.**

            _330 changes, summarised. Run with --full to see every change; --format json and `keysync plan --out FILE` always hold the whole plan._

            | | Action | Changes |
            |---|---|---:|
            | `+` | to create | 270 |
            |  | team changes | 60 |

            #### Teams with the most changes (10 of 60)

            | Team | Changes | Actions |
            |---|---:|---|
            | `team-03` | 7 | 6 to create, 1 team change |

            """), summary.stdout)
        XCTAssertEqual(lines(summary.stdout, containing: "| new key |"), 40)
        XCTAssertEqual(lines(summary.stdout, containing: "| new team |"), 10)
        XCTAssertTrue(summary.stdout.hasSuffix("\n_...and 280 more changes._\n"), summary.stdout)
        XCTAssertFalse(summary.stdout.contains("<details>"))

        let full = try Keysync.run(["plan", "--format", "markdown", "--full", "--quiet"], in: dir, environment: clock)
        XCTAssertEqual(lines(full.stdout, containing: "| new team |"), 60)
        XCTAssertEqual(lines(full.stdout, containing: "| new key |"), 270)
    }

    func testApplyPrintsTheSummaryAndProgressGoesToStandardErrorOnly() throws {
        let dir = try project()
        let copy = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: copy) }
        for name in ["keys.yaml", "id.txt"] {
            try FileManager.default.copyItem(at: dir.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        let plan = try Keysync.run(["plan", "--quiet"], in: dir, environment: clock)

        let shown = try Keysync.run(["apply"], in: dir, environment: clock.merging(["KEYSYNC_PROGRESS": "always"]) { $1 })
        XCTAssertEqual(shown.exitCode, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.hasPrefix(plan.stdout + "\n"), "apply shows the same summary as plan")
        XCTAssertTrue(shown.stdout.contains("Apply complete: 270 created, 60 team records changed. State serial 1."))
        let bytes = try Data(contentsOf: dir.appendingPathComponent("keys.yaml")).count
        XCTAssertTrue((10_000..<1_000_000).contains(bytes), "the manifest is \(bytes) bytes")
        let grouped = "\(bytes / 1000)," + String(String(bytes % 1000 + 1000).dropFirst())
        for line in [
            "read \(grouped) / \(grouped) bytes of the manifest", "read the state", "planned",
            "prepared 270 / 270 key changes", "encoded the audit log and the state", "sealed 60 / 60 teams", "wrote 60 / 60 sealed files",
            "wrote the audit log and the state",
        ] {
            XCTAssertTrue(shown.stderr.contains(line + "\n"), "\(line) in: \(shown.stderr)")
        }
        // Standard error not being a terminal, progress is plain lines: no bar, no escapes.
        XCTAssertFalse(shown.stderr.contains("\r"))
        XCTAssertFalse(shown.stderr.contains("\u{1B}"))
        // Only counts: no key, no preview (`prog_...`), no team name.
        XCTAssertFalse(shown.stderr.contains("prog_"))
        XCTAssertFalse(shown.stderr.contains("team-"))

        let quiet = try Keysync.run(["apply", "--quiet"], in: copy, environment: clock.merging(["KEYSYNC_PROGRESS": "always"]) { $1 })
        XCTAssertEqual(quiet.exitCode, 0, quiet.stderr)
        XCTAssertEqual(quiet.stderr, "", "--quiet wins over KEYSYNC_PROGRESS=always")
        XCTAssertEqual(quiet.stdout, shown.stdout, "progress never changes standard output")

        // The commands that read a large state say so too, and print the same.
        for (command, status, steps) in [
            (["list"], Int32(0), ["reading the state...", "read the state"]),
            (["expiring", "--within", "1000d"], 2, ["reading the state...", "read the state"]),
            (["audit", "verify"], 0, ["checking the audit log...", "checked the audit log", "reading the state...", "read the state"]),
        ] {
            let progress = try Keysync.run(command, in: dir, environment: clock.merging(["KEYSYNC_PROGRESS": "always"]) { $1 })
            let silent = try Keysync.run(command + ["--quiet"], in: dir, environment: clock.merging(["KEYSYNC_PROGRESS": "always"]) { $1 })
            XCTAssertEqual(progress.exitCode, status, "\(command): \(progress.stderr)")
            XCTAssertEqual(progress.stderr, steps.map { $0 + "\n" }.joined(), "\(command)")
            XCTAssertEqual(silent.exitCode, status)
            XCTAssertEqual(silent.stderr, "")
            XCTAssertEqual(progress.stdout, silent.stdout, "\(command)")
            XCTAssertFalse(progress.stdout.isEmpty)
        }

        // verify and notify read the whole state as well (usage too, but it needs a usage database
        // that serve made). verify's key (not one of this state's) comes on standard input;
        // notify is a dry run, whose own warnings may follow.
        let stranger = Data("prog_live_00000000000000000000000000000000000000".utf8)
        for (command, stdin, status) in [
            (["verify"], stranger, Int32(1)),
            (["notify", "--within", "1000d", "--sendmail", "/bin/true", "--from", "keys@example.com", "--dry-run"], nil, 0),
        ] as [([String], Data?, Int32)] {
            let progress = try Keysync.run(command, stdin: stdin, in: dir, environment: clock.merging(["KEYSYNC_PROGRESS": "always"]) { $1 })
            let silent = try Keysync.run(command + ["--quiet"], stdin: stdin, in: dir, environment: clock.merging(["KEYSYNC_PROGRESS": "always"]) { $1 })
            XCTAssertEqual(progress.exitCode, status, "\(command): \(progress.stderr)")
            XCTAssertTrue(progress.stderr.hasPrefix("reading the state...\nread the state\n"), "\(command): \(progress.stderr)")
            XCTAssertEqual(silent.exitCode, status)
            XCTAssertFalse(silent.stderr.contains("the state"), "\(command): \(silent.stderr)")
            XCTAssertEqual(progress.stdout, silent.stdout, "\(command)")
            XCTAssertFalse(progress.stdout.isEmpty)
        }
    }

    func testApplyCountsSealedFilesPastTheThresholdAndFullNamesThem() throws {
        let dir = try project(teams: 201, keys: { _ in 1 })
        let copy = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: copy) }
        for name in ["keys.yaml", "id.txt"] {
            try FileManager.default.copyItem(at: dir.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        let counted = try Keysync.run(["apply", "--quiet"], in: dir, environment: clock)
        XCTAssertEqual(counted.exitCode, 0, counted.stderr)
        XCTAssertTrue(counted.stdout.hasSuffix("""
            Apply complete: 201 created, 201 team records changed. State serial 1. Sealed files: 201 in sealed, \
            one per team (sealed/000001-team-00.age for team team-00, and so on; --full lists them).

            """), counted.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("sealed").path).count, 201)

        let named = try Keysync.run(["apply", "--quiet", "--full"], in: copy, environment: clock)
        XCTAssertEqual(named.exitCode, 0, named.stderr)
        XCTAssertEqual(lines(named.stdout, containing: "will be created"), 201)
        let result = try XCTUnwrap(named.stdout.split(separator: "\n").last)
        XCTAssertEqual(result.components(separatedBy: "(give it to team ").count - 1, 201)
    }

    /// At a terminal (a pseudo-terminal from util-linux's `script`) progress is a bar redrawn
    /// in place; with `TERM=dumb` it is lines again.
    func testABarAtATerminal() throws {
        let script = URL(fileURLWithPath: "/usr/bin/script")
        guard FileManager.default.isExecutableFile(atPath: script.path) else { throw XCTSkip("no /usr/bin/script for a pseudo-terminal") }
        let dir = try project()
        func atTerminal(_ extra: [String: String]) throws -> String {
            let process = Process()
            process.executableURL = script
            // Only standard error reaches the terminal: standard output goes to a file.
            process.arguments = ["-qec", "'\(Keysync.binary.path)' validate > out.txt", "/dev/null"]
            process.environment = Keysync.environment(extra.merging(["KEYSYNC_PROGRESS": "always"]) { $1 })
            process.currentDirectoryURL = dir
            let output = Pipe()
            process.standardOutput = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            return String(decoding: data, as: UTF8.self)
        }
        let bar = try atTerminal(["TERM": "xterm"])
        XCTAssertTrue(bar.hasPrefix("\r[------------------------]   0% read 0 / "), bar)
        XCTAssertTrue(bar.contains("\r[########################] 100% read "), bar)
        let lines = try atTerminal(["TERM": "dumb"])
        XCTAssertTrue(lines.hasPrefix("read 0 / "), lines)
        XCTAssertFalse(lines.contains("\r["), lines)
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("out.txt"), encoding: .utf8).hasPrefix("valid: 60 teams"))
    }

    func testProgressSettings() throws {
        let dir = try project()
        let never = try Keysync.run(["validate"], in: dir, environment: ["KEYSYNC_PROGRESS": "never"])
        XCTAssertEqual(never.exitCode, 0, never.stderr)
        XCTAssertEqual(never.stderr, "")
        // auto (the default): a run this short shows nothing; always: the manifest's bytes.
        let auto = try Keysync.run(["validate"], in: dir)
        XCTAssertEqual(auto.stderr, "")
        let always = try Keysync.run(["validate"], in: dir, environment: ["KEYSYNC_PROGRESS": "always"])
        XCTAssertEqual(always.exitCode, 0, always.stderr)
        XCTAssertEqual(always.stdout, never.stdout)
        XCTAssertTrue(always.stderr.hasSuffix(" bytes of the manifest\n"), always.stderr)
        XCTAssertTrue(always.stderr.hasPrefix("read 0 / "), always.stderr)

        let wrong = try Keysync.run(["plan"], in: dir, environment: ["KEYSYNC_PROGRESS": "sometimes"])
        XCTAssertEqual(wrong.exitCode, 64)
        XCTAssertTrue(wrong.stderr.contains("KEYSYNC_PROGRESS must be auto, always or never"), wrong.stderr)
        XCTAssertEqual(wrong.stdout, "")
    }
}
