import Foundation
import XCTest

/// `keysync validate` through the built binary: exact output (golden files) and exit codes.
final class ValidateCommandTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/validate")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func golden(_ folder: String, _ name: String) throws -> String {
        try String(decoding: Data(contentsOf: Self.fixtures.appendingPathComponent("\(folder)/\(name)")), as: UTF8.self)
    }

    func testInvalidManifestTextOutput() throws {
        let result = try Keysync.run(["validate"], in: Self.fixtures.appendingPathComponent("invalid"))
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.stdout, try golden("invalid", "expected.text"))
        XCTAssertEqual(result.stderr, "")
    }

    func testInvalidManifestJSONOutput() throws {
        let result = try Keysync.run(["validate", "--format", "json", "keys.yaml"],
                                     in: Self.fixtures.appendingPathComponent("invalid"))
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.stdout, try golden("invalid", "expected.json"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        XCTAssertEqual(object["version"] as? Int, 1)
        XCTAssertEqual(object["valid"] as? Bool, false)
        let first = try XCTUnwrap((object["diagnostics"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(first.keys), ["severity", "code", "message", "hint", "file", "line", "column"])
    }

    func testInvalidManifestGitHubOutput() throws {
        let result = try Keysync.run(["validate", "--format", "github", "keys.yaml"],
                                     in: Self.fixtures.appendingPathComponent("invalid"))
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.stdout, try golden("invalid", "expected.github"))
    }

    func testGitHubOutputEscapesProperties() throws {
        let dir = try makeTemporaryDirectory()
        try Data("version: 1\nprefix: thig\nteams: {x: {plan: gold}}\n".utf8)
            .write(to: dir.appendingPathComponent("a,b:c.yaml"))
        let result = try Keysync.run(["validate", "--format", "github", "a,b:c.yaml"], in: dir)
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.stdout, """
            ::error file=a%2Cb%3Ac.yaml,line=3,col=19,title=unknown-plan::team x is on plan gold, which does not exist%0Ahint: plans: enterprise, free, professional, starter
            invalid: 1 error, 0 warnings

            """)
    }

    func testWarningsDoNotFail() throws {
        let dir = Self.fixtures.appendingPathComponent("valid-with-warning")
        let result = try Keysync.run(["validate"], in: dir)
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertEqual(result.stdout, try golden("valid-with-warning", "expected.text"))
        let json = try Keysync.run(["validate", "--format", "json"], in: dir)
        XCTAssertEqual(json.exitCode, 0)
        XCTAssertTrue(json.stdout.contains("\"valid\": true"), json.stdout)
    }

    func testShippedExampleValidates() throws {
        let result = try Keysync.run(["validate", "examples/keys.yaml"], in: Self.repository)
        XCTAssertEqual(result.exitCode, 0, result.stdout)
        XCTAssertEqual(result.stdout, "valid: 3 teams, 6 keys, 0 warnings\n")
        let json = try Keysync.run(["validate", "--format", "json", "examples/keys.yaml"], in: Self.repository)
        XCTAssertEqual(json.stdout, "{\n  \"version\": 1,\n  \"valid\": true,\n  \"diagnostics\": []\n}\n")
    }

    func testSeveralPathsAndFoldersFormOneManifest() throws {
        let dir = try makeTemporaryDirectory()
        let teams = dir.appendingPathComponent("teams")
        try FileManager.default.createDirectory(at: teams, withIntermediateDirectories: true)
        try Data("version: 1\nprefix: thig\n".utf8).write(to: dir.appendingPathComponent("global.yaml"))
        try Data("teams: {a: {plan: free}}\n".utf8).write(to: teams.appendingPathComponent("a.yaml"))
        try Data("teams: {a: {plan: free}}\n".utf8).write(to: teams.appendingPathComponent("b.yml"))
        let result = try Keysync.run(["validate", "global.yaml", "teams"], in: dir)
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.stdout, """
            teams/b.yml:1:9: error[duplicate-team]: team a is defined in teams/a.yaml:1:9 and again in teams/b.yml:1:9
             1 | teams: {a: {plan: free}}
               |         ^
              hint: define each team in one file only
            invalid: 1 error, 0 warnings

            """)
        try FileManager.default.removeItem(at: teams.appendingPathComponent("b.yml"))
        let fixed = try Keysync.run(["validate", "global.yaml", "teams/"], in: dir)
        XCTAssertEqual(fixed.stdout, "valid: 1 team, 0 keys, 0 warnings\n")
        XCTAssertEqual(fixed.exitCode, 0)
    }

    func testMissingDefaultPathIsReported() throws {
        let result = try Keysync.run(["validate"], in: try makeTemporaryDirectory())
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.stdout, """
            error[path-not-found]: keys.yaml does not exist
              hint: pass the manifest file or folder, e.g. keys.yaml
            invalid: 1 error, 0 warnings

            """)
    }

    func testUnknownFormatIsAUsageError() throws {
        let result = try Keysync.run(["validate", "--format", "xml"], in: Self.fixtures.appendingPathComponent("invalid"))
        XCTAssertEqual(result.exitCode, 64)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("--format"), result.stderr)
    }

    /// Colour needs a terminal: `script` gives the binary a pseudo-terminal.
    func testColourOnlyOnATerminalAndNeverWithNoColor() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            throw XCTSkip("needs /usr/bin/script (util-linux) to provide a pseudo-terminal")
        }
        let dir = Self.fixtures.appendingPathComponent("valid-with-warning")
        let command = "'\(Keysync.binary.path)' validate"
        let escape = "\u{1B}["
        let piped = try Keysync.run(["validate"], in: dir)
        XCTAssertFalse(piped.stdout.contains(escape))

        func underTerminal(_ extra: [String: String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", command, "/dev/null"]
            process.currentDirectoryURL = dir
            process.environment = Keysync.environment(extra)
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let coloured = try underTerminal([:])
        XCTAssertTrue(coloured.contains("\(escape)1;33mwarning[no-owner]"), coloured)
        let plain = try underTerminal(["NO_COLOR": "1"])
        XCTAssertTrue(plain.contains("warning[no-owner]"), plain)
        XCTAssertFalse(plain.contains(escape), plain)
    }
}

/// Hostile recipients: a Bech32-valid `age1…` that holds a low-order point passes every shape
/// check, so `validate` must look at the point itself.
final class ValidateHostileRecipientTests: XCTestCase {
    func testTheAllZeroRecipientIsRefusedWithItsCodeAndLocation() throws {
        let dir = try makeTemporaryDirectory()
        try Data("""
            version: 1
            prefix: thig
            teams:
              payments:
                plan: professional
                owner: alice@example.com
                recipients: [age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z]
                keys:
                  - name: checkout-api

            """.utf8).write(to: dir.appendingPathComponent("keys.yaml"))
        let result = try Keysync.run(["validate", "--format", "github"], in: dir)
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.stdout, """
            ::error file=keys.yaml,line=7,col=18,title=recipient-low-order::recipient "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z" is not a valid age X25519 recipient: it is a low-order X25519 point, which no key generator makes: anything sealed to it could be opened by anyone%0Ahint: ask the team for the `age1...` line age-keygen printed; this one was not made by a key generator
            invalid: 1 error, 0 warnings

            """)
        let text = try Keysync.run(["validate"], in: dir)
        XCTAssertEqual(text.exitCode, 1)
        XCTAssertTrue(text.stdout.hasPrefix("keys.yaml:7:18: error[recipient-low-order]: "), text.stdout)
    }
}
