import Foundation
import XCTest

/// The CI templates in `examples/ci/` parse as YAML, have the jobs docs/ci.md describes, and
/// every `keysync` command they run is a real subcommand with real flags (checked against the
/// built binary's `--help`).
final class CITemplateTests: XCTestCase {
    private let folder = YAMLTool.repository.appendingPathComponent("examples/ci")

    private func template(_ name: String) throws -> [String: Any] {
        // Loaded outside XCTUnwrap, which would turn the tool's XCTSkip into a failure.
        let loaded = try YAMLTool.load(folder.appendingPathComponent(name))
        return try XCTUnwrap(loaded as? [String: Any], name)
    }

    /// Every shell text of a job: GitHub `steps[].run`, GitLab `script` lines.
    private func shell(_ job: [String: Any]) -> String {
        let steps = (job["steps"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String }
        let script = job["script"] as? [String] ?? []
        return (steps + script).joined(separator: "\n")
    }

    /// `keysync <subcommand> <arguments>` invocations in shell text (not in comments or echo).
    static func invocations(in text: String) -> [(subcommand: String, flags: [String])] {
        let joined = text.replacingOccurrences(of: "\\\n", with: " ")
        var found: [(String, [String])] = []
        for line in joined.components(separatedBy: "\n") {
            let code = line.trimmingCharacters(in: .whitespaces)
            if code.hasPrefix("#") || code.hasPrefix("echo") { continue }
            // Split into simple commands at the shell's separators.
            for command in code.components(separatedBy: CharacterSet(charactersIn: "|;&(")) {
                var words = command.split(separator: " ").map(String.init)
                while let first = words.first, ["if", "then", "!", "{", "do"].contains(first) { words.removeFirst() }
                guard words.first == "keysync", words.count >= 2 else { continue }
                let arguments = words.dropFirst(2).prefix { !$0.hasPrefix(">") && !$0.hasPrefix("2>") && $0 != "||" }
                found.append((words[1], arguments.filter { $0.hasPrefix("-") && $0 != "-" }
                    .map { String($0.split(separator: "=").first ?? "") }))
            }
        }
        return found
    }

    func testInvocationParserFindsCommandsAndFlags() {
        let text = """
            # keysync apply --not-this
            status=0
            keysync plan -m keys.yaml --format markdown --detailed-exitcode > plan.md || status=$?
            if keysync validate keys.yaml --format=github; then echo ok; fi
            echo "keysync unseal --nope"
            """
        let found = Self.invocations(in: text)
        XCTAssertEqual(found.map(\.subcommand), ["plan", "validate"])
        XCTAssertEqual(found.first?.flags, ["-m", "--format", "--detailed-exitcode"])
        XCTAssertEqual(found.last?.flags, ["--format"])
    }

    /// Fails when a template runs a subcommand keysync does not have, or gives it a flag its
    /// `--help` does not list.
    private func assertRealCommands(_ shellText: String, file: String, expecting expected: Set<String>) throws {
        let found = Self.invocations(in: shellText)
        XCTAssertEqual(Set(found.map(\.subcommand)), expected, file)
        let root = try Keysync.run(["--help"]).stdout
        for (subcommand, flags) in found {
            XCTAssertTrue(root.contains("\n  \(subcommand) "), "\(file): keysync has no subcommand \(subcommand)")
            let help = try Keysync.run([subcommand, "--help"]).stdout
            for flag in flags {
                let listed = flag.hasPrefix("--") ? help.contains("\(flag) ") || help.contains("\(flag),")
                    || help.contains("\(flag)\n") : help.contains("\(flag), ")
                XCTAssertTrue(listed, "\(file): `keysync \(subcommand)` has no flag \(flag)")
            }
        }
    }

    func testGitHubWorkflow() throws {
        let workflow = try template("github-actions.yml")
        let triggers = try XCTUnwrap(workflow["on"] as? [String: Any], "no `on:` (read as YAML 1.2, `on` is a key)")
        for trigger in ["pull_request", "push", "schedule"] { XCTAssertNotNil(triggers[trigger], trigger) }
        let jobs = try XCTUnwrap(workflow["jobs"] as? [String: [String: Any]])
        XCTAssertEqual(Set(jobs.keys), ["validate", "plan", "apply", "expiring"])
        for (name, job) in jobs {
            XCTAssertNotNil(job["runs-on"], name)
            XCTAssertFalse((job["steps"] as? [Any] ?? []).isEmpty, name)
        }
        func condition(_ job: String) -> String { jobs[job]?["if"] as? String ?? "" }
        XCTAssertTrue(condition("validate").contains("pull_request"))
        XCTAssertTrue(condition("plan").contains("pull_request"))
        XCTAssertTrue(condition("apply").contains("refs/heads/main"))
        XCTAssertTrue(condition("expiring").contains("schedule"))

        let validate = shell(jobs["validate"]!), plan = shell(jobs["plan"]!)
        let apply = shell(jobs["apply"]!), expiring = shell(jobs["expiring"]!)
        XCTAssertTrue(validate.contains("keysync validate keys.yaml --format github"))
        XCTAssertTrue(plan.contains("--format markdown") && plan.contains("--detailed-exitcode"))
        XCTAssertTrue(plan.contains("$GITHUB_STEP_SUMMARY") && plan.contains("gh pr comment"))
        XCTAssertEqual((jobs["plan"]?["permissions"] as? [String: String])?["pull-requests"], "write")
        let applyStep = try XCTUnwrap((jobs["apply"]?["steps"] as? [[String: Any]])?.first { ($0["run"] as? String)?.contains("keysync apply") == true })
        XCTAssertEqual((applyStep["env"] as? [String: String])?["KEYSYNC_SIGNING_KEY"], "${{ secrets.KEYSYNC_SIGNING_KEY }}")
        XCTAssertTrue(apply.contains("--actor"))
        XCTAssertTrue(apply.contains("git add keysync.state.json keysync.audit.jsonl sealed/") && apply.contains("push origin HEAD:main"))
        XCTAssertTrue(plan.contains("--previous-state base/keysync.state.json"))
        XCTAssertEqual((jobs["apply"]?["permissions"] as? [String: String])?["contents"], "write")
        XCTAssertTrue(expiring.contains("keysync expiring"))
        XCTAssertTrue(expiring.contains("keysync notify") && expiring.contains("git add keysync.notices.json"))
        XCTAssertEqual((workflow["env"] as? [String: String])?["KEYSYNC_STATE_PUBLIC_KEY"], "${{ vars.KEYSYNC_STATE_PUBLIC_KEY }}")

        try assertRealCommands(jobs.values.map(shell).joined(separator: "\n"), file: "github-actions.yml",
                               expecting: ["validate", "plan", "apply", "expiring", "notify"])
    }

    func testGitLabPipeline() throws {
        let pipeline = try template("gitlab-ci.yml")
        let stages = try XCTUnwrap(pipeline["stages"] as? [String])
        var jobs: [String: [String: Any]] = [:]
        for (name, value) in pipeline {
            if let job = value as? [String: Any], job["script"] != nil { jobs[name] = job }
        }
        XCTAssertEqual(Set(jobs.keys), ["validate", "plan", "apply", "expiring"])
        for (name, job) in jobs {
            XCTAssertTrue(stages.contains(job["stage"] as? String ?? ""), "\(name) is in no declared stage")
            XCTAssertFalse((job["rules"] as? [Any] ?? []).isEmpty, "\(name) has no rules")
        }
        func rule(_ job: String) -> String {
            ((jobs[job]?["rules"] as? [[String: Any]])?.first?["if"] as? String) ?? ""
        }
        XCTAssertTrue(rule("plan").contains("merge_request_event"))
        XCTAssertTrue(rule("apply").contains("CI_DEFAULT_BRANCH"))
        XCTAssertTrue(rule("expiring").contains("schedule"))
        XCTAssertEqual((jobs["expiring"]?["allow_failure"] as? [String: [Int]])?["exit_codes"], [2])
        let apply = shell(jobs["apply"]!)
        XCTAssertTrue(apply.contains("--actor \"$GITLAB_USER_LOGIN\""))
        XCTAssertTrue(apply.contains("git add keysync.state.json keysync.audit.jsonl sealed/") && apply.contains("git push"))
        XCTAssertTrue(shell(jobs["plan"]!).contains("merge_requests/$CI_MERGE_REQUEST_IID/notes"))
        XCTAssertTrue(shell(jobs["expiring"]!).contains("keysync notify") && shell(jobs["expiring"]!).contains("git add keysync.notices.json"))

        try assertRealCommands(jobs.values.map(shell).joined(separator: "\n"), file: "gitlab-ci.yml",
                               expecting: ["validate", "plan", "apply", "expiring", "notify"])
    }
}
