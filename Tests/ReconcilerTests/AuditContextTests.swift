import Foundation
import Reconciler
import XCTest

final class AuditContextTests: XCTestCase {
    private let sha = "0123456789abcdef0123456789abcdef01234567"

    private func resolve(
        _ actor: String? = nil, _ environment: [String: String], git: String? = nil
    ) -> AuditContext {
        AuditContext.resolve(actor: actor, environment: environment, gitHead: { git })
    }

    func testActorComesFromTheFlagThenCIThenTheUser() {
        let everything = ["GITHUB_ACTOR": "octocat", "GITLAB_USER_LOGIN": "tanuki", "USER": "runner", "LOGNAME": "login"]
        XCTAssertEqual(resolve("alice", everything).actor, "alice")
        XCTAssertEqual(resolve(nil, everything).actor, "octocat")
        XCTAssertEqual(resolve(nil, everything.filter { $0.key != "GITHUB_ACTOR" }).actor, "tanuki")
        XCTAssertEqual(resolve(nil, ["USER": "runner", "LOGNAME": "login"]).actor, "runner")
        XCTAssertEqual(resolve(nil, ["LOGNAME": "login"]).actor, "login")
        XCTAssertEqual(resolve(nil, [:]).actor, "unknown")
        XCTAssertEqual(AuditContext.unknownActor, "unknown")
    }

    func testBlankValuesCountAsAbsentAndAreTrimmed() {
        XCTAssertEqual(resolve("  ", ["GITHUB_ACTOR": "", "GITLAB_USER_LOGIN": " tanuki\n"]).actor, "tanuki")
        XCTAssertEqual(resolve(nil, ["GITHUB_SHA": " ", "CI_COMMIT_SHA": "\(sha)\n"]).commit, sha)
        XCTAssertNil(resolve(nil, ["GITHUB_SHA": ""], git: "  ").commit)
    }

    func testCommitComesFromCIVariablesThenGit() {
        XCTAssertEqual(resolve(nil, ["GITHUB_SHA": "aaa", "CI_COMMIT_SHA": "bbb"], git: "ccc").commit, "aaa")
        XCTAssertEqual(resolve(nil, ["CI_COMMIT_SHA": "bbb"], git: "ccc").commit, "bbb")
        XCTAssertEqual(resolve(nil, [:], git: "ccc").commit, "ccc")
        XCTAssertNil(resolve(nil, [:], git: nil).commit)
    }

    func testGitIsAskedOnlyWhenNoVariableNamesTheCommit() {
        var calls = 0
        _ = AuditContext.resolve(actor: nil, environment: ["GITHUB_SHA": sha]) { calls += 1; return nil }
        XCTAssertEqual(calls, 0)
        let context = AuditContext.resolve(actor: "ci", environment: [:]) { calls += 1; return self.sha }
        XCTAssertEqual(calls, 1)
        XCTAssertEqual(context, AuditContext(actor: "ci", commit: sha))
    }
}
