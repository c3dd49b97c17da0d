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

    // MARK: the git edge

    private func git(_ arguments: [String], in folder: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                             "-c", "commit.gpgsign=false"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "git \(arguments)")
    }

    func testGitRevisionReadsHeadInAWorkTreeAndNothingElsewhere() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else {
            throw XCTSkip("git is not installed at /usr/bin/git")
        }
        let folder = try makeTemporaryFolder(self)
        let outside = try makeTemporaryFolder(self, "outside")
        try git(["init", "-q"], in: folder)
        XCTAssertNil(GitRevision.head(in: folder), "no commit yet")
        try git(["commit", "-q", "--allow-empty", "-m", "first"], in: folder)
        let head = try XCTUnwrap(GitRevision.head(in: folder))
        XCTAssertEqual(head.count, 40)
        XCTAssertTrue(head.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        try git(["commit", "-q", "--allow-empty", "-m", "second"], in: folder)
        XCTAssertNotEqual(GitRevision.head(in: folder), head, "follows HEAD")
        // /tmp is outside any work tree unless someone made it one; skip rather than guess.
        if !FileManager.default.fileExists(atPath: "/tmp/.git") {
            XCTAssertNil(GitRevision.head(in: outside))
        }
        XCTAssertEqual(
            AuditContext.resolve(actor: nil, environment: [:], gitHead: { GitRevision.head(in: folder) }).commit,
            GitRevision.head(in: folder))
    }
}
