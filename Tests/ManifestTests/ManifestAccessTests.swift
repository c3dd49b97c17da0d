import XCTest
@testable import Manifest

/// `scopes` and `allowed_ips` in keys.yaml: each entry read into its type, every problem at its
/// own line and column with a hint, and the resolution key > team > plan (scopes) and
/// key > team (allowed_ips).
final class ManifestAccessTests: XCTestCase {
    static let recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

    func load(_ text: String) -> ManifestLoadResult {
        ManifestLoader.load([ManifestSource(path: "keys.yaml", bytes: Array(text.utf8))])
    }

    /// A team `a` on plan enterprise with one key `k`; `teamExtra` and `keyExtra` are indented
    /// lines added to the team and the key (the key starts on line 9).
    func manifest(teamExtra: String = "", keyExtra: String = "", plans: String = "") -> String {
        "version: 1\nprefix: thig\n" + plans + "teams:\n  a:\n    plan: enterprise\n    owner: a@example.com\n"
            + "    recipients: [\(Self.recipient)]\n" + teamExtra + "    keys:\n      - name: k\n" + keyExtra
    }

    func testEveryBadEntryIsReportedWhereItIsWritten() {
        let cases: [(keyExtra: String, code: String, message: String, hint: String, line: Int, column: Int)] = [
            ("        scopes: [projects:read, Projects:write]\n", "invalid-scope",
             "scope \"Projects:write\" has an invalid resource \"Projects\" in key a/k", "scopes are lower case: write projects:write", 10, 33),
            ("        scopes:\n          - projects\n", "invalid-scope",
             "scope \"projects\" is not resource:action in key a/k", "resource:action", 11, 13),
            ("        scopes: [\"*\", projects:read]\n", "invalid-scope",
             "scopes of key a/k list * together with other scopes", "keep * alone", 10, 18),
            ("        scopes: [projects:read, billing:read, projects:read]\n", "duplicate-scope",
             "scope projects:read appears twice in key a/k (first on line 10)", "remove one", 10, 47),
            ("        scopes: [projects:*, projects:read]\n", "duplicate-scope",
             "scope projects:read in key a/k is already granted by projects:*", "remove projects:read", 10, 30),
            ("        scopes: projects:read\n", "wrong-type",
             "scopes must be a list (write [] for an empty one), not \"projects:read\"", "write a list", 10, 17),
            ("        scopes:\n", "wrong-type", "scopes must be a list (write [] for an empty one), not empty", "give it a value", 10, 16),
            ("        allowed_ips: [203.0.113.1/24]\n", "invalid-ip-range",
             "allowed_ips entry \"203.0.113.1/24\" has host bits set below the /24 prefix in key a/k", "203.0.113.0/24", 10, 23),
            ("        allowed_ips:\n          - 10.0.0.0/8\n          - 1.2.3.4/33\n", "invalid-ip-range",
             "allowed_ips entry \"1.2.3.4/33\" has a prefix length over 32 in key a/k", "0 to 32", 12, 13),
            ("        allowed_ips: [\"fe80::1%eth0\"]\n", "invalid-ip-range",
             "allowed_ips entry \"fe80::1%eth0\" has a zone id (%...) in key a/k", "remove it", 10, 23),
            ("        allowed_ips: [010.1.2.3]\n", "invalid-ip-range",
             "allowed_ips entry \"010.1.2.3\" has a number with a leading zero in key a/k", "octal", 10, 23),
            ("        allowed_ips: [\"::ffff:10.0.0.1\"]\n", "invalid-ip-range",
             "allowed_ips entry \"::ffff:10.0.0.1\" is an IPv4-mapped IPv6 address in key a/k", "10.0.0.1", 10, 23),
            ("        allowed_ips: [10.0.0.0/8, 10.1.0.0/16]\n", "duplicate-ip-range",
             "10.1.0.0/16 in allowed_ips of key a/k lies inside 10.0.0.0/8", "10.0.0.0/8 already allows it", 10, 35),
            ("        allowed_ips: [198.51.100.7, 198.51.100.7/32]\n", "duplicate-ip-range",
             "198.51.100.7 appears twice in allowed_ips of key a/k (first on line 10)", "remove one", 10, 37),
        ]
        for c in cases {
            let yaml = manifest(keyExtra: c.keyExtra)
            let result = load(yaml)
            let found = result.diagnostics.filter { $0.severity == .error }
            XCTAssertEqual(found.map(\.code), [c.code], c.keyExtra)
            XCTAssertEqual(found.first?.message, c.message, c.keyExtra)
            XCTAssertTrue(found.first?.hint?.contains(c.hint) ?? false, "\(c.keyExtra): \(found.first?.hint ?? "")")
            XCTAssertEqual(found.first?.location, SourceLocation(file: "keys.yaml", line: c.line, column: c.column), c.keyExtra)
            XCTAssertNil(result.manifest, c.keyExtra)
        }
    }

    func testTeamAndPlanListsAreCheckedToo() {
        let teamCase = load(manifest(teamExtra: "    allowed_ips: [2001:db8::1/32]\n"))
        XCTAssertEqual(teamCase.diagnostics.map(\.code), ["invalid-ip-range"])
        XCTAssertEqual(teamCase.diagnostics.first?.message,
                       "allowed_ips entry \"2001:db8::1/32\" has host bits set below the /32 prefix in team a")
        XCTAssertEqual(teamCase.diagnostics.first?.location?.line, 8)
        let planCase = load(manifest(plans: "plans:\n  enterprise:\n    scopes: [\"projects:\"]\n"))
        XCTAssertEqual(planCase.diagnostics.map(\.code), ["invalid-scope"])
        XCTAssertEqual(planCase.diagnostics.first?.message, "scope \"projects:\" has an invalid action \"\" in plan enterprise")
        XCTAssertEqual(planCase.diagnostics.first?.location, SourceLocation(file: "keys.yaml", line: 5, column: 14))
    }

    /// Key over team over plan for scopes; key over team for allowed_ips; an empty list is kept
    /// (it grants nothing); nothing anywhere is unrestricted. Lists come out sorted and canonical.
    func testResolution() throws {
        let yaml = """
        version: 1
        prefix: thig
        plans:
          pro:
            scopes: [projects:read]
          enterprise:
        teams:
          a:
            plan: pro
            owner: a@example.com
            recipients: [\(Self.recipient)]
            allowed_ips: [2001:DB8::/32, 203.0.113.0/24]
            keys:
              - name: from-plan
              - name: own
                scopes: [projects:write, billing:*]
                allowed_ips: [198.51.100.7]
              - name: none
                scopes: []
                allowed_ips: []
          b:
            plan: pro
            owner: b@example.com
            recipients: [\(Self.recipient)]
            scopes: ["*"]
            keys:
              - name: from-team
          c:
            plan: enterprise
            owner: c@example.com
            recipients: [\(Self.recipient)]
            keys:
              - name: open
        """
        let result = load(yaml)
        XCTAssertEqual(result.diagnostics, [])
        let manifest = try XCTUnwrap(result.manifest)
        func key(_ team: String, _ name: String) throws -> KeyDeclaration {
            try XCTUnwrap(manifest.team(named: team)?.keys.first { $0.name.value == name })
        }
        let fromPlan = try key("a", "from-plan")
        XCTAssertEqual(fromPlan.scopes?.value.map(\.rawValue), ["projects:read"])
        XCTAssertEqual(fromPlan.scopes?.location.line, 5, "points at the plan's list")
        XCTAssertEqual(fromPlan.allowedIPs?.value.map(\.description), ["203.0.113.0/24", "2001:db8::/32"])
        XCTAssertEqual(fromPlan.allowedIPs?.location.line, 12)
        let own = try key("a", "own")
        XCTAssertEqual(own.scopes?.value.map(\.rawValue), ["billing:*", "projects:write"])
        XCTAssertEqual(own.allowedIPs?.value.map(\.description), ["198.51.100.7"])
        let none = try key("a", "none")
        XCTAssertEqual(none.scopes?.value, [])
        XCTAssertEqual(none.allowedIPs?.value, [])
        XCTAssertEqual(try key("b", "from-team").scopes?.value, [Scope.all])
        XCTAssertNil(try key("b", "from-team").allowedIPs)
        XCTAssertNil(try key("c", "open").scopes)
        XCTAssertNil(try key("c", "open").allowedIPs)
    }
}
