import Foundation
import XCTest

/// The binary `scripts/release` builds runs where Swift is not installed: in a minimal Debian
/// root holding only libc, libyaml, zlib and SQLite, it does the shipped example's whole loop
/// (validate, plan, apply, unseal, verify, plan again). The binary comes from KEYSYNC_RELEASE_DIR
/// (`.ci/run` builds it once with `scripts/release`).
final class ReleaseBinaryTests: XCTestCase {
    func testChecksumFileIsInSha256sumFormat() throws {
        let release = try ReleaseArtifacts.built()
        let line = try String(contentsOf: release.checksum, encoding: .utf8)
        XCTAssertNotNil(line.range(of: "^[0-9a-f]{64}  \(release.asset)\n$", options: .regularExpression), line)
        let check = try Program.run("/usr/bin/sha256sum", ["-c", release.checksum.lastPathComponent], in: release.folder)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertEqual(check.stdout, "\(release.asset): OK\n")
    }

    func testReleaseBinaryRunsTheExampleLoopInADebianRootWithoutSwift() throws {
        let release = try ReleaseArtifacts.built()
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = folder.appendingPathComponent("root")
        let started = Date()
        try DebianRoot.make(at: root)
        let rootReady = Date()

        // The root really has no Swift: no toolchain, no runtime library.
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("usr/bin/swift").path))
        let libraries = FileManager.default.enumerator(atPath: root.appendingPathComponent("usr/lib").path)
        while let file = libraries?.nextObject() as? String {
            XCTAssertFalse(file.contains("libswift") || file.contains("libFoundation"), file)
        }

        let name = "keysync-release-test"
        let work = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: false)
        let examples = YAMLTool.repository.appendingPathComponent("examples")
        try FileManager.default.copyItem(at: release.binary, to: work.appendingPathComponent("keysync"))
        try FileManager.default.copyItem(at: examples.appendingPathComponent("keys.yaml"), to: work.appendingPathComponent("keys.yaml"))
        try FileManager.default.copyItem(at: examples.appendingPathComponent("demo-identity.txt"),
                                         to: work.appendingPathComponent("demo-identity.txt"))

        var environment = ["PATH": "/usr/bin:/bin", "HOME": "/root", "LANG": "C"]
        // Each command in a mount namespace of its own with /proc mounted in the root, as on any
        // Linux system or container (Swift reads the command line from /proc/self/cmdline); the
        // mount ends with the command, so nothing is left mounted.
        let unshare = try XCTUnwrap(Program.find("unshare"), "unshare (util-linux)")
        let enter = #"mount -t proc proc "$0/proc" && exec /usr/sbin/chroot "$0" /bin/sh -c 'cd "$0" && exec "$@"' "$@""#
        func inRoot(_ arguments: [String], stdin: String = "") throws -> Program.Output {
            try Program.run(unshare, ["--mount", "--propagation", "private", "/bin/sh", "-c", enter, root.path, "/" + name] + arguments,
                            stdin: Data(stdin.utf8), environment: environment)
        }
        func keysync(_ arguments: [String], stdin: String = "") throws -> Program.Output {
            try inRoot(["./keysync"] + arguments, stdin: stdin)
        }

        // Every shared library the binary asks for is in the root.
        let linked = try inRoot(["ldd", "./keysync"])
        XCTAssertEqual(linked.status, 0, linked.stderr)
        XCTAssertFalse(linked.stdout.contains("not found"), linked.stdout)
        XCTAssertTrue(linked.stdout.contains("libyaml-0.so.2"), linked.stdout)
        XCTAssertFalse(linked.stdout.contains("libswift") || linked.stdout.contains("libFoundation"), linked.stdout)

        let version = try keysync(["--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertFalse(version.stdout.isEmpty)

        let keygen = try keysync(["keygen", "--signing", "-o", "signing.key"])
        XCTAssertEqual(keygen.status, 0, keygen.stderr)
        let publicKey = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(publicKey.hasPrefix("keysync-ed25519:"), publicKey)
        environment["KEYSYNC_STATE_PUBLIC_KEY"] = publicKey

        let validate = try keysync(["validate", "keys.yaml"])
        XCTAssertEqual(validate.status, 0, validate.stdout + validate.stderr)

        let plan = try keysync(["plan", "-m", "keys.yaml", "--detailed-exitcode"])
        XCTAssertEqual(plan.status, 2, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("Plan: 6 to create, 3 team changes."), plan.stdout)

        let apply = try keysync(["apply", "-m", "keys.yaml", "--actor", "release-test", "--signing-key-file", "signing.key"])
        XCTAssertEqual(apply.status, 0, apply.stderr)
        XCTAssertTrue(apply.stdout.contains("Apply complete: 6 created"), apply.stdout)

        let unseal = try keysync(["unseal", "sealed/000001-search.age", "-i", "demo-identity.txt"])
        XCTAssertEqual(unseal.status, 0, unseal.stderr)
        let sealed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(unseal.stdout.utf8)) as? [String: Any])
        let keys = try XCTUnwrap(sealed["keys"] as? [[String: Any]])
        XCTAssertEqual(keys.count, 2)
        let key = try XCTUnwrap(keys.first?["key"] as? String)

        let verify = try keysync(["verify"], stdin: key + "\n")
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let forged = String(key.dropLast()) + (key.hasSuffix("A") ? "B" : "A")
        let refused = try keysync(["verify"], stdin: forged + "\n")
        XCTAssertEqual(refused.status, 1, refused.stdout + refused.stderr)

        let again = try keysync(["plan", "-m", "keys.yaml", "--detailed-exitcode"])
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)

        print("""
            ReleaseBinaryTests timings: debootstrap \(String(format: "%.1f", rootReady.timeIntervalSince(started))) s, \
            loop in the root \(String(format: "%.1f", Date().timeIntervalSince(rootReady))) s
            """)
    }
}
