import Foundation
import Reconciler
import XCTest

/// The signed state through the binary: `keygen --signing`, and `verify`, `list`, `expiring`
/// and `plan` refusing unsigned, tampered and re-signed states when a public key is configured.
final class SignedStateCommandTests: XCTestCase {
    let clock = ["KEYSYNC_NOW": CLIState.now]

    /// Makes a signing key with the real `keygen --signing -o`, returns it parsed from the file.
    func keygen(in dir: URL, name: String = "signing.key") throws -> (key: StateSigningKey, stdout: String) {
        let result = try Keysync.run(["keygen", "--signing", "-o", name], in: dir)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let path = dir.appendingPathComponent(name).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return (try StateSigningKey(parsing: text), result.stdout)
    }

    func testKeygenSigningWritesAPrivateFileAndPrintsOnlyThePublicKey() throws {
        let dir = try makeTemporaryDirectory()
        let (key, stdout) = try keygen(in: dir)
        XCTAssertEqual(stdout, "\(key.publicKey)\n")
        XCTAssertTrue(stdout.hasPrefix("keysync-ed25519:"))
        let path = dir.appendingPathComponent("signing.key").path
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let secretLine = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("KEYSYNC-SIGNING-KEY-1:") })
        XCTAssertFalse(stdout.contains(secretLine.dropFirst(22)), "keygen printed the private key")

        let again = try Keysync.run(["keygen", "--signing", "-o", "signing.key"], in: dir)
        XCTAssertEqual(again.exitCode, 1)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), text, "the key file was overwritten")
    }

    func testVerifyListAndExpiringTrustOnlyTheConfiguredSigner() throws {
        let fixture = CLIState.make()
        let keys = try makeTemporaryDirectory()
        let trusted = try keygen(in: keys).key
        let other = try keygen(in: keys, name: "other.key").key
        let key = Data(fixture.keys["checkout"]!.reveal().utf8)
        let env = clock.merging(["KEYSYNC_STATE_PUBLIC_KEY": trusted.publicKey.description]) { _, new in new }

        // Signed by the trusted key: works, and no "unchecked" note.
        let signed = try fixture.write(signedWith: trusted)
        for arguments in [["verify"], ["list"], ["expiring"]] {
            let result = try Keysync.run(arguments, stdin: key, in: signed, environment: env)
            XCTAssertNotEqual(result.exitCode, 1, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr, "", "\(arguments)")
        }
        // The flag works as the environment does.
        let flag = try Keysync.run(["verify", "--state-public-key", trusted.publicKey.description], stdin: key, in: signed, environment: clock)
        XCTAssertEqual(flag.exitCode, 0, flag.stderr)

        // The signed file edited by hand: a rate limit raised.
        let path = signed.appendingPathComponent("keysync.state.json")
        var text = try String(contentsOf: path, encoding: .utf8)
        XCTAssertTrue(text.contains("\"rate_limit\": 600,"))
        text = text.replacingOccurrences(of: "\"rate_limit\": 600,", with: "\"rate_limit\": 6000,")
        try text.write(to: path, atomically: true, encoding: .utf8)
        let refusals: [(URL, String)] = [
            (signed, "error[state-signature-bad]: the state file's signature does not match its content: it was changed after it was signed"),
            (try fixture.write(signedWith: nil), "error[state-signature-missing]: the state file is not signed, but a state public key is configured"),
            (try fixture.write(signedWith: other), "error[state-signature-other-key]: the state file is signed by another key (\(other.publicKey)), not by the configured state public key"),
        ]
        for (dir, message) in refusals {
            for arguments in [["verify"], ["list"], ["expiring"]] {
                let result = try Keysync.run(arguments, stdin: key, in: dir, environment: env)
                XCTAssertEqual(result.exitCode, 1, "\(arguments)")
                XCTAssertEqual(result.stdout, "", "\(arguments)")
                XCTAssertTrue(result.stderr.contains("keysync.state.json:1:1: " + message), "\(arguments): \(result.stderr)")
                fixture.assertNoRawKey(in: result.stderr, "stderr")
            }
        }

        let malformed = try Keysync.run(["list"], in: signed, environment: ["KEYSYNC_STATE_PUBLIC_KEY": "ssh-ed25519 AAAA"])
        XCTAssertEqual(malformed.exitCode, 1)
        XCTAssertTrue(malformed.stderr.contains("error[state-public-key-malformed]"), malformed.stderr)
    }

    func testPlanRefusesATamperedStateWhenAPublicKeyIsConfigured() throws {
        let goldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ReconcilerTests/Fixtures/no-changes")
        let dir = try makeTemporaryDirectory()
        try FileManager.default.copyItem(at: goldens.appendingPathComponent("keys.yaml"), to: dir.appendingPathComponent("keys.yaml"))
        let statePath = dir.appendingPathComponent("keysync.state.json")
        let trusted = try keygen(in: dir).key
        let state = try StateFile.decode(Data(contentsOf: goldens.appendingPathComponent("state.json")))
        try state.signed(with: trusted).encoded().write(to: statePath)
        let env = clock.merging(["KEYSYNC_STATE_PUBLIC_KEY": trusted.publicKey.description]) { _, new in new }

        let clean = try Keysync.run(["plan", "--detailed-exitcode"], in: dir, environment: env)
        XCTAssertEqual(clean.exitCode, 0, clean.stderr)
        XCTAssertEqual(clean.stdout, "No changes. The state matches the manifest.\n")
        XCTAssertFalse(clean.stderr.contains("note: no state public key"))

        // Without a key configured (unset, or empty as a secret read as a variable gives) plan
        // fails closed; --insecure-unsigned works without signatures, and says so loudly.
        let noKey = clock.merging(Keysync.noKeys) { _, new in new }
        let unchecked = try Keysync.run(["plan"], in: dir, environment: noKey)
        XCTAssertEqual(unchecked.exitCode, 1, unchecked.stderr)
        XCTAssertEqual(unchecked.stdout, "")
        XCTAssertTrue(unchecked.stderr.hasPrefix("error[state-trust-missing]: no state public key is configured"), unchecked.stderr)
        let insecure = try Keysync.run(["plan", "--insecure-unsigned"], in: dir, environment: noKey)
        XCTAssertEqual(insecure.exitCode, 0, insecure.stderr)
        XCTAssertTrue(insecure.stderr.hasPrefix("WARNING: --insecure-unsigned: the state's signature is NOT checked."), insecure.stderr)
        let conflict = try Keysync.run(["plan", "--insecure-unsigned"], in: dir, environment: env)
        XCTAssertEqual(conflict.exitCode, 1)
        XCTAssertTrue(conflict.stderr.contains("error[state-trust-conflict]"), conflict.stderr)

        // A pull request adds a hash of a key its author chose.
        var forged = state.signed(with: trusted)
        var record = try XCTUnwrap(forged.keys.first)
        record.id = KeyID(rawValue: "key_aaaaaaaaaaaaaaaaaaaa")!
        record.name = "backdoor"
        record.hash = KeyHash(rawValue: "sha256:" + String(repeating: "ab", count: 32))!
        forged.keys.append(record)
        try forged.encoded().write(to: statePath)
        let refused = try Keysync.run(["plan"], in: dir, environment: env)
        XCTAssertEqual(refused.exitCode, 1)
        XCTAssertEqual(refused.stdout, "")
        XCTAssertTrue(refused.stderr.contains("keysync.state.json:1:1: error[state-signature-bad]"), refused.stderr)

        // Unsigned, and re-signed by someone else's key.
        try state.encoded().write(to: statePath)
        let unsigned = try Keysync.run(["plan"], in: dir, environment: env)
        XCTAssertEqual(unsigned.exitCode, 1)
        XCTAssertTrue(unsigned.stderr.contains("error[state-signature-missing]"), unsigned.stderr)
        var generator = SeededGenerator(seed: 5)
        try forged.signed(with: StateSigningKey.generate(using: &generator)).encoded().write(to: statePath)
        let resigned = try Keysync.run(["plan", "--state-public-key", trusted.publicKey.description], in: dir, environment: clock)
        XCTAssertEqual(resigned.exitCode, 1)
        XCTAssertTrue(resigned.stderr.contains("error[state-signature-other-key]"), resigned.stderr)

        // No state file yet (before the first apply): nothing to check.
        try FileManager.default.removeItem(at: statePath)
        let first = try Keysync.run(["plan"], in: dir, environment: env)
        XCTAssertEqual(first.exitCode, 0, first.stderr)
    }
}
