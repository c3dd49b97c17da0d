import Foundation
import Reconciler
import XCTest
@testable import keysync

/// The one place keysync asks git which commit it runs on: the command line's edge.
final class GitRevisionTests: XCTestCase {
    private func git(_ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                             "-c", "commit.gpgsign=false"] + arguments
        process.currentDirectoryURL = folder
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
        let folder = try makeTemporaryDirectory()
        let outside = try makeTemporaryDirectory("outside")
        addTeardownBlock {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: outside)
        }
        try git(["init", "-q"], in: folder)
        XCTAssertNil(GitRevision.head(in: folder.path), "no commit yet")
        try git(["commit", "-q", "--allow-empty", "-m", "first"], in: folder)
        let head = try XCTUnwrap(GitRevision.head(in: folder.path))
        XCTAssertEqual(head.count, 40)
        XCTAssertTrue(head.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        try git(["commit", "-q", "--allow-empty", "-m", "second"], in: folder)
        XCTAssertNotEqual(GitRevision.head(in: folder.path), head, "follows HEAD")
        // /tmp is outside any work tree unless someone made it one; skip rather than guess.
        if !FileManager.default.fileExists(atPath: "/tmp/.git") {
            XCTAssertNil(GitRevision.head(in: outside.path))
        }
        XCTAssertEqual(
            AuditContext.resolve(actor: nil, environment: [:], gitHead: { GitRevision.head(in: folder.path) }).commit,
            GitRevision.head(in: folder.path))
    }
}
