import XCTest
@testable import Manifest

/// `rotate_every` (per key and in `defaults`) and `protect` (per key and per team): how they
/// decode, where their problems point, and what the schema says of them.
final class KeyPolicyManifestTests: XCTestCase {
    private static let head = """
        version: 1
        prefix: thig
        %DEFAULTS%teams:
          payments:
            plan: professional
            owner: alice@example.com
            recipients:
              - age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
        %TEAM%    keys:
              - name: checkout-api
        %KEY%
        """

    /// A manifest with `defaults` lines (after `prefix`: `defaults:` on line 3), team lines
    /// (line 9 on, without defaults) and key lines (line 11 on, without defaults or team lines).
    private func yaml(defaults: [String] = [], team: [String] = [], key: [String] = []) -> String {
        Self.head
            .replacingOccurrences(of: "%DEFAULTS%", with: defaults.isEmpty ? "" : "defaults:\n" + defaults.map { "  \($0)\n" }.joined())
            .replacingOccurrences(of: "%TEAM%", with: team.map { "    \($0)\n" }.joined())
            .replacingOccurrences(of: "%KEY%", with: key.map { "        \($0)" }.joined(separator: "\n"))
    }

    private func load(_ text: String) -> ManifestLoadResult {
        ManifestLoader.load([ManifestSource(path: "keys.yaml", bytes: Array(text.utf8))])
    }

    private func problems(_ text: String) -> [String] {
        load(text).diagnostics.map { "\($0.code) \($0.location.map { "\($0.line):\($0.column)" } ?? "-")" }
    }

    func testValidValuesDecodeIntoTheModel() throws {
        let cases: [(name: String, text: String, rotateEvery: String?, keyProtected: Bool, teamProtected: Bool)] = [
            ("nothing set", yaml(), nil, false, false),
            ("key rotate_every", yaml(key: ["rotate_every: 90d"]), "90d", false, false),
            ("defaults rotate_every", yaml(defaults: ["rotate_every: 12w"]), "12w", false, false),
            ("key overrides defaults", yaml(defaults: ["rotate_every: 12w"], key: ["rotate_every: 30d"]), "30d", false, false),
            ("key protect", yaml(key: ["protect: true"]), nil, true, false),
            ("key protect false", yaml(key: ["protect: false"]), nil, false, false),
            ("team protect", yaml(team: ["protect: true"]), nil, false, true),
            ("everything", yaml(defaults: ["rotate_every: 1h"], team: ["protect: true"], key: ["protect: true"]), "1h", true, true),
        ]
        for c in cases {
            let result = load(c.text)
            XCTAssertEqual(result.diagnostics.filter { $0.severity == .error }, [], c.name)
            let team = try XCTUnwrap(result.manifest?.teams.first, c.name)
            let key = try XCTUnwrap(team.keys.first, c.name)
            XCTAssertEqual(key.rotateEvery?.value.text, c.rotateEvery, c.name)
            XCTAssertEqual(key.protect, c.keyProtected, c.name)
            XCTAssertEqual(team.protect, c.teamProtected, c.name)
        }
    }

    func testRotateEveryIsAPeriodInSeconds() throws {
        let key = try XCTUnwrap(load(yaml(key: ["rotate_every: 90d"])).manifest?.teams.first?.keys.first)
        XCTAssertEqual(key.rotateEvery?.value.seconds, 90 * 86_400)
        XCTAssertEqual(key.rotateEvery?.location.line, 11)
        XCTAssertEqual(key.rotateEvery?.location.column, 23)
    }

    func testBadValuesAreReportedWhereTheyAreWritten() {
        let cases: [(name: String, text: String, expected: [String])] = [
            ("bad key period", yaml(key: ["rotate_every: 90x"]), ["invalid-period 11:23"]),
            ("zero period", yaml(key: ["rotate_every: 0d"]), ["invalid-period 11:23"]),
            ("too long a period", yaml(key: ["rotate_every: 40000d"]), ["invalid-period 11:23"]),
            ("number, not a period", yaml(key: ["rotate_every: 90"]), ["invalid-period 11:23"]),
            ("bad defaults period", yaml(defaults: ["rotate_every: soon"]), ["invalid-period 4:17"]),
            ("list for a period", yaml(key: ["rotate_every: [90d]"]), ["wrong-type 11:23"]),
            ("key protect not a bool", yaml(key: ["protect: yes"]), ["wrong-type 11:18"]),
            ("key protect quoted", yaml(key: ["protect: \"true\""]), ["wrong-type 11:18"]),
            ("team protect not a bool", yaml(team: ["protect: 1"]), ["wrong-type 9:14"]),
            ("rotate_every on a team", yaml(team: ["rotate_every: 90d"]), ["unknown-field 9:5"]),
            ("protect in defaults", yaml(defaults: ["protect: true"]), ["unknown-field 4:3"]),
            ("rotate_every twice", yaml(key: ["rotate_every: 90d", "rotate_every: 30d"]), ["duplicate-key 12:9"]),
        ]
        for c in cases {
            XCTAssertEqual(problems(c.text), c.expected, "\(c.name):\n\(c.text)")
            XCTAssertNil(load(c.text).manifest, c.name)
        }
    }

    func testSchemaDescribesTheNewFields() throws {
        let schema = ManifestSchema.jsonText
        for field in ["\"rotate_every\"", "\"protect\""] {
            XCTAssertTrue(schema.contains(field), "schema lacks \(field)")
        }
        let team = ManifestFields.team.fields.map(\.name)
        let key = ManifestFields.key.fields.map(\.name)
        let defaults = ManifestFields.defaults.fields.map(\.name)
        XCTAssertTrue(team.contains("protect") && !team.contains("rotate_every"))
        XCTAssertTrue(key.contains("protect") && key.contains("rotate_every"))
        XCTAssertTrue(defaults.contains("rotate_every") && !defaults.contains("protect"))
    }
}
