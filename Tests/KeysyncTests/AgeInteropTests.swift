import Foundation
import XCTest

/// `keysync keygen` and `keysync unseal` through the built binary, against the real age CLI.
final class AgeInteropTests: XCTestCase {
    private let recipientPattern = #"^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$"#
    private let identityPattern = #"^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$"#
    private let timestampPattern = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$"#

    private func matches(_ text: some StringProtocol, _ pattern: String) -> Bool {
        String(text).range(of: pattern, options: .regularExpression) != nil
    }

    /// Runs `keysync keygen -o name` in `folder` and returns the printed recipient.
    private func keygen(_ name: String, in folder: URL) throws -> String {
        let result = try Keysync.run(["keygen", "-o", name], in: folder)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// Exit 1, nothing on stdout, and one diagnostic (code, message, hint) with the summary line.
    private func assertFailsCleanly(_ result: ProcessResult, mentioning words: [String] = [], _ context: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.exitCode, 1, "\(context): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stdoutBytes.isEmpty, "\(context): nothing on stdout", file: file, line: line)
        let command = context.hasPrefix("unseal") ? "unseal" : "keygen"
        // A sealed file that does not open says what age says (`age-…`); the rest is the command's.
        assertDiagnosticText(result.stderr, code: command == "unseal" ? "" : "keygen-",
                             summary: command == "unseal" ? "unseal failed: nothing was printed" : "keygen failed: no key file was written",
                             context, file: file, line: line)
        for word in words {
            XCTAssertTrue(result.stderr.contains(word), "\(context): \(result.stderr) should mention \(word)", file: file, line: line)
        }
    }

    // MARK: keygen

    func testKeygenWritesAPrivateIdentityFileAndPrintsItsRecipient() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Keysync.run(["keygen", "-o", "team.key"], in: folder)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let recipient = result.stdout.trimmingCharacters(in: .newlines)
        XCTAssertEqual(result.stdout, recipient + "\n")
        XCTAssertTrue(matches(recipient, recipientPattern), recipient)

        let path = folder.appendingPathComponent("team.key").path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 4, "three lines and a final newline")
        XCTAssertTrue(lines[0].hasPrefix("# created: "))
        XCTAssertTrue(matches(lines[0].dropFirst("# created: ".count), timestampPattern), String(lines[0]))
        XCTAssertEqual(lines[1], "# public key: \(recipient)")
        XCTAssertTrue(matches(lines[2], identityPattern))
        XCTAssertEqual(lines[3], "")
        XCTAssertFalse(result.stdout.contains(String(lines[2])), "the secret never reaches stdout with -o")

        if let keygen = try? AgeCLI.require("age-keygen") {
            let derived = try AgeCLI.run(keygen, ["-y", path])
            XCTAssertEqual(String(decoding: derived.stdout, as: UTF8.self), recipient + "\n", "age-keygen agrees")
        }
    }

    func testKeygenNeverOverwrites() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("team.key")
        try Data("keep me\n".utf8).write(to: path)
        let result = try Keysync.run(["keygen", "-o", "team.key"], in: folder)
        assertFailsCleanly(result, mentioning: ["team.key", "already exists", "error[keygen-file-exists]"], "keygen: existing file")
        XCTAssertEqual(try String(contentsOf: path, encoding: .utf8), "keep me\n")

        let missing = try Keysync.run(["keygen", "-o", "no/such/folder/team.key"], in: folder)
        assertFailsCleanly(missing, mentioning: ["cannot create", "error[keygen-write]"], "keygen: missing folder")
    }

    func testKeygenWithoutOutputPrintsTheIdentityFile() throws {
        let result = try Keysync.run(["keygen"])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasPrefix("# created: "))
        XCTAssertTrue(lines[1].hasPrefix("# public key: age1"))
        XCTAssertTrue(matches(lines[2], identityPattern))
        let second = try Keysync.run(["keygen"])
        XCTAssertNotEqual(second.stdout.split(separator: "\n")[2], lines[2], "a fresh key each time")
    }

    // MARK: unseal of files made by age

    func testUnsealOpensAgeFilesForAnAgeKeygenIdentity() throws {
        let age = try AgeCLI.require("age")
        let keygen = try AgeCLI.require("age-keygen")
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = try AgeCLI.run(keygen, ["-o", "age.key"], in: folder)
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let recipient = String(decoding: try AgeCLI.run(keygen, ["-y", "age.key"], in: folder).stdout, as: UTF8.self)
            .trimmingCharacters(in: .newlines)
        let plaintext = Array("team: payments\nkey: thig_RawKeyForTheTest000000000000\n".utf8)
        for armor in [false, true] {
            let sealed = try AgeCLI.run(age, (armor ? ["-a"] : []) + ["-r", recipient], stdin: plaintext)
            XCTAssertEqual(sealed.status, 0, sealed.stderr)
            try Data(sealed.stdout).write(to: folder.appendingPathComponent("secret.age"))
            let result = try Keysync.run(["unseal", "secret.age", "-i", "age.key"], in: folder)
            XCTAssertEqual(result.exitCode, 0, result.stderr)
            XCTAssertEqual([UInt8](result.stdoutBytes), plaintext, "armor \(armor)")
            XCTAssertEqual(result.stderr, "")
        }
    }

    func testKeysyncIdentitiesOpenAgeFilesWithBothTools() throws {
        let age = try AgeCLI.require("age")
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let recipient = try keygen("team.key", in: folder)
        let plaintext = [UInt8]((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        for armor in [false, true] {
            let sealed = try AgeCLI.run(age, (armor ? ["-a"] : []) + ["-r", recipient], stdin: plaintext)
            XCTAssertEqual(sealed.status, 0, sealed.stderr)
            try Data(sealed.stdout).write(to: folder.appendingPathComponent("secret.age"))
            let ours = try Keysync.run(["unseal", "secret.age", "-i", "team.key"], in: folder)
            XCTAssertEqual(ours.exitCode, 0, ours.stderr)
            XCTAssertEqual([UInt8](ours.stdoutBytes), plaintext, "keysync unseal, armor \(armor)")
            // The same identity file works with the stock age CLI.
            let theirs = try AgeCLI.run(age, ["-d", "-i", "team.key", "secret.age"], in: folder)
            XCTAssertEqual(theirs.status, 0, theirs.stderr)
            XCTAssertEqual(theirs.stdout, plaintext, "age -d, armor \(armor)")
        }
    }

    func testUnsealReadsStdinAndSeveralIdentityFiles() throws {
        let age = try AgeCLI.require("age")
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try keygen("other.key", in: folder)
        let recipient = try keygen("team.key", in: folder)
        let plaintext = Array("hello from stdin\n".utf8)
        let sealed = try AgeCLI.run(age, ["-a", "-r", recipient], stdin: plaintext).stdout
        let fromStdin = try Keysync.run(["unseal", "-", "-i", "other.key", "-i", "team.key"], stdin: Data(sealed), in: folder)
        XCTAssertEqual(fromStdin.exitCode, 0, fromStdin.stderr)
        XCTAssertEqual([UInt8](fromStdin.stdoutBytes), plaintext)

        try Data(sealed).write(to: folder.appendingPathComponent("secret.age"))
        let identity = try Data(contentsOf: folder.appendingPathComponent("team.key"))
        let identityFromStdin = try Keysync.run(["unseal", "secret.age", "-i", "-"], stdin: identity, in: folder)
        XCTAssertEqual(identityFromStdin.exitCode, 0, identityFromStdin.stderr)
        XCTAssertEqual([UInt8](identityFromStdin.stdoutBytes), plaintext)
    }

    // MARK: unseal failures: one diagnostic on stderr, nothing on stdout, exit 1

    func testUnsealFailuresPrintNoPlaintext() throws {
        let age = try AgeCLI.require("age")
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let recipient = try keygen("team.key", in: folder)
        _ = try keygen("other.key", in: folder)
        let plaintext = [UInt8]((0..<150_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let sealed = try AgeCLI.run(age, ["-r", recipient], stdin: plaintext).stdout
        func write(_ bytes: [UInt8], _ name: String) throws {
            try Data(bytes).write(to: folder.appendingPathComponent(name))
        }
        try write(sealed, "good.age")
        var lastTag = sealed
        lastTag[lastTag.count - 1] ^= 1
        try write(lastTag, "last-tag.age")
        var firstChunk = sealed
        firstChunk[firstChunk.count - 150_000] ^= 1
        try write(firstChunk, "first-chunk.age")
        try write(Array(sealed.dropLast(150_000 - 2 * 65_536 + 16)), "truncated.age")
        try write(sealed + [0x0A], "appended.age")
        try write(Array("not a sealed file\n".utf8), "garbage.age")
        try write(Array("# no key here\n".utf8), "empty.key")
        try write(Array("AGE-SECRET-KEY-1NOTAREALKEY\n".utf8), "broken.key")

        let good = try Keysync.run(["unseal", "good.age", "-i", "team.key"], in: folder)
        XCTAssertEqual([UInt8](good.stdoutBytes), plaintext, "the untouched file opens")

        let cases: [([String], [String])] = [
            (["unseal", "good.age", "-i", "other.key"], ["good.age", "no identity matches", "error[age-no-match]"]),
            (["unseal", "last-tag.age", "-i", "team.key"], ["payload chunk 3", "authentication"]),
            (["unseal", "first-chunk.age", "-i", "team.key"], ["payload chunk 1"]),
            (["unseal", "truncated.age", "-i", "team.key"], ["truncated"]),
            (["unseal", "appended.age", "-i", "team.key"], ["payload chunk 3"]),
            (["unseal", "garbage.age", "-i", "team.key"], ["not an age file"]),
            (["unseal", "missing.age", "-i", "team.key"], ["cannot read missing.age", "no such file"]),
            (["unseal", "good.age"], ["error[unseal-no-identity]: no identity given", "hint: pass -i IDENTITY_FILE"]),
            (["unseal", "good.age", "-i", "missing.key"], ["cannot read missing.key"]),
            (["unseal", "good.age", "-i", "empty.key"], ["empty.key", "holds no identity"]),
            (["unseal", "good.age", "-i", "broken.key"], ["broken.key", "line 1"]),
            (["unseal", "-", "-i", "-"], ["standard input"]),
        ]
        for (arguments, words) in cases {
            let result = try Keysync.run(arguments, in: folder)
            assertFailsCleanly(result, mentioning: words, arguments.joined(separator: " "))
            XCTAssertFalse(result.stderr.contains("NOTAREALKEY"), "identity text is never echoed")
        }
    }
}
