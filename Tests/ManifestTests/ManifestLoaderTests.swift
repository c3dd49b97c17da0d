import XCTest
@testable import Manifest

final class ManifestLoaderTests: XCTestCase {
    static let recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

    func load(_ text: String, path: String = "keys.yaml") -> ManifestLoadResult {
        ManifestLoader.load([ManifestSource(path: path, bytes: Array(text.utf8))])
    }

    /// Every kind of mapping reads its fields by name: a field given twice is reported by its
    /// name where the second one stands, and the expiry fields exclude each other in `defaults`
    /// as in a key.
    func testFieldsAreReadByNameInEveryKindOfMapping() {
        let head = "version: 1\nprefix: thig\n"
        let team = head + "teams:\n  a:\n    plan: enterprise\n    owner: a@example.com\n    recipients: [\(Self.recipient)]\n"
        let cases: [(yaml: String, code: String, message: String, line: Int, column: Int)] = [
            (head + "prefix: thig\n", "duplicate-key", "field prefix appears twice in the manifest", 3, 1),
            (head + "plans:\n  pro:\n    max_keys: 2\n    max_keys: 3\n",
             "duplicate-key", "field max_keys appears twice in plan pro", 6, 5),
            (head + "defaults:\n  rotate_grace: 1h\n  rotate_grace: 2h\n",
             "duplicate-key", "field rotate_grace appears twice in defaults", 5, 3),
            (head + "teams:\n  a:\n    plan: free\n    owner: a@example.com\n    owner: b@example.com\n",
             "duplicate-key", "field owner appears twice in team a", 7, 5),
            (team + "    keys:\n      - name: k\n        rotate: 1\n        rotate: 2\n",
             "duplicate-key", "field rotate appears twice in this key", 11, 9),
            (head + "defaults:\n  expires_in: 30d\n  expires: 2027-01-01\n",
             "expires-conflict", "expires and expires_in are both set", 5, 3),
        ]
        for c in cases {
            let found = load(c.yaml).diagnostics.filter { $0.severity == .error }
            XCTAssertEqual(found.map(\.code), [c.code], c.yaml)
            XCTAssertEqual(found.first?.message, c.message, c.yaml)
            XCTAssertEqual(found.first?.location, SourceLocation(file: "keys.yaml", line: c.line, column: c.column), c.yaml)
        }
    }

    func testBriefExampleLoadsWithDefaultsApplied() throws {
        let result = load("""
        version: 1
        prefix: thig
        plans:
          free:
            api_access: false
          pro:
            max_keys: 10
        defaults:
          rate_limit: 120
          expires_in: 90d
          rotate_grace: 24h
        teams:
          payments:
            plan: pro
            owner: alice@example.com
            contacts: [payments-oncall@example.com]
            recipients:
              - \(Self.recipient)
            keys:
              - name: checkout-api
                description: Checkout service
                owner: bob@example.com
                rate_limit: 600
                expires: 2027-03-01
                active: true
                renamed_from: checkout
                rotate: 1
                rotate_grace: 12h
              - name: refunds
          no:
            plan: free
        """)
        XCTAssertEqual(result.diagnostics, [])
        let manifest = try XCTUnwrap(result.manifest)
        XCTAssertEqual(manifest.prefix.value, "thig")
        XCTAssertEqual(manifest.teams.map(\.name.value), ["no", "payments"])
        let payments = try XCTUnwrap(manifest.team(named: "payments"))
        XCTAssertEqual(payments.plan.value, "pro")
        XCTAssertEqual(payments.plan.location, SourceLocation(file: "keys.yaml", line: 14, column: 11))
        let checkout = payments.keys[0]
        XCTAssertEqual(checkout.rateLimit.value, 600)
        XCTAssertEqual(checkout.expiration?.value, .at(Date(timeIntervalSince1970: 1_803_945_599)))
        XCTAssertEqual(checkout.rotate, 1)
        XCTAssertEqual(checkout.rotateGrace?.value.seconds, 12 * 3600)
        XCTAssertEqual(checkout.renamedFrom?.value, "checkout")
        let refunds = payments.keys[1]
        XCTAssertEqual(refunds.rateLimit.value, 120)
        XCTAssertEqual(refunds.rateLimit.location, SourceLocation(file: "keys.yaml", line: 9, column: 15))
        XCTAssertEqual(refunds.expiration?.value, .after(Period(seconds: 90 * 86_400, text: "90d")))
        XCTAssertEqual(refunds.rotateGrace?.value.text, "24h")
        XCTAssertTrue(refunds.active)
        XCTAssertEqual(refunds.location, SourceLocation(file: "keys.yaml", line: 29, column: 9))
        XCTAssertEqual(manifest.plans["free"]?.apiAccess, false)
        XCTAssertEqual(manifest.plans["pro"]?.maxKeys, 10)
        XCTAssertNil(manifest.plans["starter"])
        XCTAssertTrue(manifest.digest.hasPrefix("sha256:"))
        XCTAssertEqual(manifest.digest.count, 7 + 64)
    }

    func testUTF8ByteOrderMarkAndCRLFLineEndingsAreAccepted() throws {
        let text = "\u{FEFF}version: 1\r\nprefix: thig\r\nteams:\r\n  no: {plan: free}\r\n"
        let result = load(text)
        XCTAssertEqual(result.diagnostics, [])
        let team = try XCTUnwrap(result.manifest?.team(named: "no"))
        XCTAssertEqual(team.plan.location, SourceLocation(file: "keys.yaml", line: 4, column: 14))
        XCTAssertEqual(result.manifest?.prefix.location, SourceLocation(file: "keys.yaml", line: 2, column: 9))
    }

    func testADocumentThatIsNotAMappingGetsOneError() {
        XCTAssertEqual(Fixtures.summary(load("- a\n- b\n").diagnostics), ["error wrong-type keys.yaml 1:1"])
    }

    func testEmptyValueAsksForAValue() {
        let result = load("version: 1\nprefix:\n")
        XCTAssertEqual(Fixtures.summary(result.diagnostics), ["error wrong-type keys.yaml 2:8"])
        XCTAssertEqual(result.diagnostics.first?.message, "prefix must be text, not empty")
        XCTAssertEqual(result.diagnostics.first?.hint, "give it a value, or remove the line")
    }
}
