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
                // `keysync audit verify`: a command group and its subcommand.
                let depth = words[1] == "audit" && words.count >= 3 && !words[2].hasPrefix("-") ? 3 : 2
                let arguments = words.dropFirst(depth).prefix { !$0.hasPrefix(">") && !$0.hasPrefix("2>") && $0 != "||" }
                found.append((words[1..<depth].joined(separator: " "), arguments.filter { $0.hasPrefix("-") && $0 != "-" }
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
            if [ -f log ]; then keysync audit verify --state s.json; fi
            """
        let found = Self.invocations(in: text)
        XCTAssertEqual(found.map(\.subcommand), ["plan", "validate", "audit verify"])
        XCTAssertEqual(found.first?.flags, ["-m", "--format", "--detailed-exitcode"])
        XCTAssertEqual(found[1].flags, ["--format"])
        XCTAssertEqual(found.last?.flags, ["--state"])
    }

    /// Fails when a template runs a subcommand keysync does not have, or gives it a flag its
    /// `--help` does not list.
    private func assertRealCommands(_ shellText: String, file: String, expecting expected: Set<String>) throws {
        let found = Self.invocations(in: shellText)
        XCTAssertEqual(Set(found.map(\.subcommand)), expected, file)
        let root = try Keysync.run(["--help"]).stdout
        for (subcommand, flags) in found {
            let path = subcommand.split(separator: " ").map(String.init)
            XCTAssertTrue(root.contains("\n  \(path[0]) "), "\(file): keysync has no subcommand \(subcommand)")
            let help = try Keysync.run(path + ["--help"]).stdout
            for flag in flags {
                let listed = flag.hasPrefix("--") ? help.contains("\(flag) ") || help.contains("\(flag),")
                    || help.contains("\(flag)\n") : help.contains("\(flag), ")
                XCTAssertTrue(listed, "\(file): `keysync \(subcommand)` has no flag \(flag)")
            }
        }
    }

    /// The steps that run keysync through its GitHub Action (`uses: OWNER/keysync@<commit>`).
    private func actionSteps(_ job: [String: Any]) -> [[String: Any]] {
        (job["steps"] as? [[String: Any]] ?? []).filter { ($0["uses"] as? String)?.hasPrefix("OWNER/keysync@") == true }
    }

    /// An action step as the command line it asks for: `keysync <command> <args>` (the flags the
    /// action adds itself are run for real in ActionTests).
    private func invocation(_ step: [String: Any]) -> String {
        let inputs = step["with"] as? [String: Any] ?? [:]
        return "keysync \(inputs["command"] as? String ?? "") \(inputs["args"] as? String ?? "")"
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
            // keysync comes from the action's checked release binary, never built in the job.
            XCTAssertFalse(shell(job).contains("swift build") || shell(job).contains("git clone"), name)
        }
        func condition(_ job: String) -> String { jobs[job]?["if"] as? String ?? "" }
        XCTAssertTrue(condition("validate").contains("pull_request"))
        XCTAssertTrue(condition("plan").contains("pull_request"))
        XCTAssertTrue(condition("apply").contains("refs/heads/main"))
        XCTAssertTrue(condition("expiring").contains("schedule"))

        func command(_ job: String) throws -> [String: Any] {
            let steps = actionSteps(jobs[job] ?? [:])
            XCTAssertEqual(steps.count, 1, "\(job) runs keysync through the action once")
            let step = try XCTUnwrap(steps.first, job)
            XCTAssertEqual((step["with"] as? [String: Any])?["command"] as? String, job, job)
            XCTAssertEqual((step["with"] as? [String: Any])?["version"] as? String, "${{ env.KEYSYNC_VERSION }}", job)
            return step
        }
        _ = try command("validate")
        let plan = try command("plan"), apply = try command("apply")
        _ = try command("expiring")
        XCTAssertEqual((plan["with"] as? [String: Any])?["previous-state"] as? String, "base/keysync.state.json")
        let comment = shell(jobs["plan"]!)
        XCTAssertTrue(comment.contains("gh pr comment") && comment.contains("$PLAN_MARKDOWN"), comment)
        let commentStep = try XCTUnwrap((jobs["plan"]?["steps"] as? [[String: Any]])?.first { ($0["run"] as? String)?.contains("gh pr comment") == true })
        XCTAssertEqual((commentStep["env"] as? [String: String])?["PLAN_MARKDOWN"], "${{ steps.plan.outputs.plan-markdown }}")
        XCTAssertEqual((jobs["plan"]?["permissions"] as? [String: String])?["pull-requests"], "write")

        // The signing key reaches the apply step alone, and only through its env.
        XCTAssertEqual((apply["env"] as? [String: String])?["KEYSYNC_SIGNING_KEY"], "${{ secrets.KEYSYNC_SIGNING_KEY }}")
        let text = try String(contentsOf: folder.appendingPathComponent("github-actions.yml"), encoding: .utf8)
        XCTAssertEqual(text.components(separatedBy: "secrets.KEYSYNC_SIGNING_KEY").count - 1, 1, "the signing key in one step")
        XCTAssertEqual(jobs["apply"]?["environment"] as? String, "keysync-apply")
        let push = shell(jobs["apply"]!)
        XCTAssertTrue(push.contains("git add -A keysync.state.json keysync.audit*.jsonl sealed/") && push.contains("push origin HEAD:main"))
        XCTAssertTrue(push.contains("if [ -d keysync.state.d ]; then git add -A keysync.state.d; fi"), "a state not yet sharded has no folder to add")
        XCTAssertEqual((jobs["apply"]?["permissions"] as? [String: String])?["contents"], "write")
        let expiring = shell(jobs["expiring"]!)
        XCTAssertTrue(expiring.contains("keysync notify") && expiring.contains("git add keysync.notices.json"))
        XCTAssertEqual((workflow["env"] as? [String: String])?["KEYSYNC_STATE_PUBLIC_KEY"], "${{ vars.KEYSYNC_STATE_PUBLIC_KEY }}")

        let invocations = jobs.values.flatMap(actionSteps).map(invocation) + jobs.values.map(shell)
        try assertRealCommands(invocations.joined(separator: "\n"), file: "github-actions.yml",
                               expecting: ["validate", "plan", "audit verify", "apply", "expiring", "notify"])
    }

    /// Every input the workflow gives the action is one action.yml declares, every required one is
    /// given, and every output it reads is declared.
    func testGitHubWorkflowUsesTheActionAsDeclared() throws {
        // Loaded outside XCTUnwrap, which would turn the loader's skip (no python3) into a failure.
        let loaded = try YAMLTool.load(YAMLTool.repository.appendingPathComponent("action.yml"))
        let action = try XCTUnwrap(loaded as? [String: Any])
        let inputs = try XCTUnwrap(action["inputs"] as? [String: [String: Any]])
        let outputs = try XCTUnwrap(action["outputs"] as? [String: [String: Any]])
        XCTAssertEqual((action["runs"] as? [String: Any])?["using"] as? String, "composite")
        let required = Set(inputs.filter { $0.value["required"] as? Bool == true }.keys)
        XCTAssertEqual(required, ["command", "version"])

        let workflow = try template("github-actions.yml")
        let jobs = try XCTUnwrap(workflow["jobs"] as? [String: [String: Any]])
        let steps = jobs.values.flatMap(actionSteps)
        XCTAssertEqual(steps.count, 4)
        for step in steps {
            let given = Set((step["with"] as? [String: Any] ?? [:]).keys)
            XCTAssertTrue(given.isSubset(of: Set(inputs.keys)), "undeclared inputs: \(given.subtracting(inputs.keys))")
            XCTAssertTrue(required.isSubset(of: given), "missing inputs: \(required.subtracting(given))")
        }
        let text = try String(contentsOf: folder.appendingPathComponent("github-actions.yml"), encoding: .utf8)
        let read = try NSRegularExpression(pattern: #"steps\.[a-z-]+\.outputs\.([a-z-]+)"#)
        let names = read.matches(in: text, range: NSRange(text.startIndex..., in: text))
            .map { String(text[Range($0.range(at: 1), in: text)!]) }
        XCTAssertFalse(names.isEmpty)
        for name in names { XCTAssertNotNil(outputs[name], "action.yml has no output \(name)") }
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
        XCTAssertTrue(apply.contains("git add -A keysync.state.json keysync.audit*.jsonl sealed/") && apply.contains("git push"))
        XCTAssertTrue(apply.contains("if [ -d keysync.state.d ]; then git add -A keysync.state.d; fi"), "a state not yet sharded has no folder to add")
        XCTAssertTrue(shell(jobs["plan"]!).contains("merge_requests/$CI_MERGE_REQUEST_IID/notes"))
        XCTAssertTrue(shell(jobs["expiring"]!).contains("keysync notify") && shell(jobs["expiring"]!).contains("git add keysync.notices.json"))

        // keysync is the release binary, run only after its checksum matched; nothing is built.
        let install = ((pipeline["default"] as? [String: Any])?["before_script"] as? [String] ?? []).joined(separator: "\n")
        XCTAssertTrue(install.contains("$KEYSYNC_RELEASE_URL/$asset.sha256") && install.contains("sha256sum --check"), install)
        XCTAssertTrue(install.contains("${KEYSYNC_SHA256}"), "the pinned checksum is checked too")
        XCTAssertFalse(install.contains("swift build") || install.contains("git clone"), install)

        try assertRealCommands(jobs.values.map(shell).joined(separator: "\n"), file: "gitlab-ci.yml",
                               expecting: ["validate", "plan", "audit verify", "apply", "expiring", "notify"])
    }
}
