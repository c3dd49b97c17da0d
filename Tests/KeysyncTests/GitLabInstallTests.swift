import Foundation
import XCTest

/// The GitLab template's install step (`default.before_script`, the download-and-check block) run
/// as written against a `file://` release holding what `scripts/release` built: it installs the
/// binary only when its SHA-256 matches the release's `.sha256` and the pinned `KEYSYNC_SHA256`.
/// The block writes to /tmp and /usr/local/bin; a private mount namespace puts folders of this
/// test there, so the machine is left as it was.
final class GitLabInstallTests: XCTestCase {
    private var folder: URL!
    private var release: URL { folder.appendingPathComponent("tmp/release") }
    private var installed: URL { folder.appendingPathComponent("bin/keysync") }
    private var asset = ""

    override func setUpWithError() throws {
        let built = try ReleaseArtifacts.built()
        guard getuid() == 0, Program.find("unshare") != nil else {
            throw XCTSkip("needs root and unshare (util-linux) for a private /tmp and /usr/local/bin")
        }
        asset = built.asset
        folder = try makeTemporaryDirectory()
        for made in [release, installed.deletingLastPathComponent()] {
            try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(at: built.binary, to: release.appendingPathComponent(asset))
        try FileManager.default.copyItem(at: built.checksum, to: release.appendingPathComponent(asset + ".sha256"))
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// Runs the template's block with this test's folders as /tmp and /usr/local/bin.
    private func install(pin: String = "") throws -> Program.Output {
        // Loaded outside XCTUnwrap, which would turn the loader's skip (no python3) into a failure.
        let loaded = try YAMLTool.load(YAMLTool.repository.appendingPathComponent("examples/ci/gitlab-ci.yml"))
        let pipeline = try XCTUnwrap(loaded as? [String: Any])
        let steps = (pipeline["default"] as? [String: Any])?["before_script"] as? [String] ?? []
        let block = try XCTUnwrap(steps.first { $0.contains("sha256sum") }, "no download-and-check step")
        // /usr/local/bin first: both folders are under /tmp, which the second mount covers.
        let wrapper = #"mount --bind "$2" /usr/local/bin && mount --bind "$1" /tmp && exec bash -e -c "$3""#
        return try Program.run(try XCTUnwrap(Program.find("unshare")),
                               ["--mount", "--propagation", "private", "sh", "-c", wrapper, "sh",
                                folder.appendingPathComponent("tmp").path, installed.deletingLastPathComponent().path, block],
                               environment: ["PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                                             "KEYSYNC_RELEASE_URL": "file:///tmp/release", "KEYSYNC_SHA256": pin])
    }

    private func tamper() throws {
        let binary = try FileHandle(forWritingTo: release.appendingPathComponent(asset))
        try binary.seekToEnd()
        try binary.write(contentsOf: Data([0]))
        try binary.close()
    }

    func testInstallsTheCheckedBinary() throws {
        let published = try String(contentsOf: release.appendingPathComponent(asset + ".sha256"), encoding: .utf8)
        let run = try install(pin: String(published.prefix(64)))
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: installed.path))
        let version = try Program.run(installed.path, ["--version"])
        XCTAssertEqual(run.stdout, version.stdout, "the block ends with keysync --version")
    }

    func testTamperedBinaryIsNotInstalled() throws {
        try tamper()
        let run = try install()
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("keysync: checksum mismatch, not running it"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: installed.path))
    }

    func testReplacedReleaseIsRefusedByThePin() throws {
        let pinned = String(try String(contentsOf: release.appendingPathComponent(asset + ".sha256"), encoding: .utf8).prefix(64))
        try tamper()
        let republished = try Program.run("/usr/bin/sha256sum", [asset], in: release)
        try republished.stdout.write(to: release.appendingPathComponent(asset + ".sha256"), atomically: true, encoding: .utf8)
        let unpinned = try install()  // not inside XCTAssertEqual, which would turn a skip into a failure
        XCTAssertEqual(unpinned.status, 0, "without a pin the republished pair passes")
        try FileManager.default.removeItem(at: installed)
        let run = try install(pin: pinned)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("checksum mismatch"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: installed.path))
    }
}
