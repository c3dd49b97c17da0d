import KeysyncCore
import XCTest

/// Scopes, addresses and CIDR ranges as keys.yaml, the state, `verify --ip` and `serve` read
/// them, and the policy decision between them: table tests on both sides of every edge.
final class AccessRulesTests: XCTestCase {
    func testScopeSpellings() {
        let valid = ["*", "projects:read", "projects:*", "a:b", "billing.v2:export-csv", "x_1:y.z",
                     String(repeating: "a", count: 63) + ":" + String(repeating: "b", count: 63)]
        for text in valid {
            XCTAssertEqual((try? Scope(parsing: text))?.rawValue, text, text)
        }
        let invalid: [(String, String)] = [
            ("", "is not resource:action"), ("projects", "is not resource:action"), ("a:b:c", "is not resource:action"),
            (":read", "invalid resource"), ("projects:", "invalid action"), ("Projects:read", "invalid resource"),
            ("projects:Read", "invalid action"), ("*:read", "invalid resource"), ("-x:read", "invalid resource"),
            ("projects:**", "invalid action"), ("pro jects:read", "invalid resource"), ("projects:read ", "invalid action"),
            (String(repeating: "a", count: 64) + ":read", "invalid resource"), ("é:read", "invalid resource"),
        ]
        for (text, reason) in invalid {
            do {
                _ = try Scope(parsing: text)
                XCTFail("\(text) was accepted")
            } catch {
                XCTAssertTrue(error.message.contains(reason), "\(text): \(error.message)")
                XCTAssertFalse(error.hint.isEmpty)
            }
        }
        XCTAssertEqual(try? Scope(parsing: "Projects:Read").rawValue, nil)
        do { _ = try Scope(parsing: "Projects:Read"); XCTFail() } catch { XCTAssertEqual(error.hint, "scopes are lower case: write projects:read") }
    }

    func testRequiredScopesAreConcrete() throws {
        XCTAssertEqual(try Scope(requiring: "projects:read").rawValue, "projects:read")
        XCTAssertThrowsError(try Scope(requiring: "*"))
        XCTAssertThrowsError(try Scope(requiring: "projects:*"))
    }

    func testScopeGrants() throws {
        let table: [(granted: String, required: String, grants: Bool)] = [
            ("*", "projects:read", true),
            ("projects:read", "projects:read", true),
            ("projects:read", "projects:write", false),
            ("projects:*", "projects:write", true),
            ("projects:*", "billing:read", false),
            ("project:read", "projects:read", false),
            ("projects:rea", "projects:read", false),
        ]
        for row in table {
            XCTAssertEqual(try Scope(parsing: row.granted).grants(try Scope(requiring: row.required)), row.grants,
                           "\(row.granted) grants \(row.required)")
        }
    }

    func testAddressesParseStrictlyAndPrintCanonically() throws {
        let table: [(text: String, canonical: String?)] = [
            ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"), ("203.0.113.7", "203.0.113.7"),
            ("256.0.0.1", nil), ("1.2.3", nil), ("1.2.3.4.5", nil), ("1..2.3", nil), ("010.0.0.1", nil), ("1.2.3.04", nil),
            ("1.2.3.4 ", nil), (" 1.2.3.4", nil), ("", nil), ("1.2.3.4:80", nil), ("0x7f.0.0.1", nil),
            ("::", "::"), ("::1", "::1"), ("2001:DB8::7", "2001:db8::7"), ("2001:0db8:0000:0000:0000:0000:0000:0007", "2001:db8::7"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"), ("fe80::1%eth0", nil), ("1:2:3:4:5:6:7:8:9", nil), (":::1", nil),
            ("1::2::3", nil), ("12345::", nil), ("1:2:3:4:5:6:7", nil), ("g::1", nil), ("1:", nil), (":1", nil),
            ("::1.2.3.4", "::102:304"), ("[::1]", nil),
            // IPv4-mapped client addresses are the IPv4 address.
            ("::ffff:203.0.113.7", "203.0.113.7"), ("::FFFF:cb00:7107", "203.0.113.7"),
        ]
        for row in table {
            XCTAssertEqual(IPAddress(row.text)?.description, row.canonical, "\"\(row.text)\"")
        }
        do { _ = try IPAddress(parsing: "fe80::1%eth0"); XCTFail() } catch { XCTAssertTrue(error.message.contains("zone id"), error.message) }
        do { _ = try IPAddress(parsing: "10.0.0.010"); XCTFail() } catch { XCTAssertTrue(error.message.contains("leading zero"), error.message) }
    }

    func testRangesAndTheirEdges() throws {
        let table: [(text: String, canonical: String?, problem: String?)] = [
            ("203.0.113.0/24", "203.0.113.0/24", nil),
            ("198.51.100.7", "198.51.100.7", nil),
            ("198.51.100.7/32", "198.51.100.7", nil),
            ("0.0.0.0/0", "0.0.0.0/0", nil),
            ("::/0", "::/0", nil),
            ("2001:db8::/32", "2001:db8::/32", nil),
            ("2001:DB8::7/128", "2001:db8::7", nil),
            ("2001:db8::8000:0/97", "2001:db8::8000:0/97", nil),
            ("203.0.113.1/24", nil, "host bits set"),
            ("10.0.0.1/8", nil, "host bits set"),
            ("2001:db8::1/32", nil, "host bits set"),
            ("1.2.3.4/33", nil, "over 32"),
            ("::/129", nil, "over 128"),
            ("1.2.3.0/024", nil, "leading zero"),
            ("1.2.3.0/", nil, "not a number"),
            ("1.2.3.0/-1", nil, "not a number"),
            ("1.2.3.0/2a", nil, "not a number"),
            ("1.2.3.0/24/8", nil, "more than one"),
            ("fe80::%eth0/64", nil, "zone id"),
            ("::ffff:203.0.113.7", nil, "IPv4-mapped"),
            ("::ffff:0:0/96", nil, "IPv4-mapped"),
            ("010.0.0.0/8", nil, "leading zero"),
        ]
        for row in table {
            do {
                let range = try IPAddressRange(parsing: row.text)
                XCTAssertEqual(range.description, row.canonical, row.text)
                XCTAssertNil(row.problem, "\(row.text) was accepted")
            } catch {
                XCTAssertNil(row.canonical, "\(row.text): \(error.message)")
                XCTAssertTrue(error.message.contains(row.problem ?? "-"), "\(row.text): \(error.message)")
            }
        }
        do { _ = try IPAddressRange(parsing: "203.0.113.1/24"); XCTFail() } catch {
            XCTAssertTrue(error.hint.contains("203.0.113.0/24"), error.hint)
        }
        do { _ = try IPAddressRange(parsing: "::ffff:203.0.113.7"); XCTFail() } catch {
            XCTAssertTrue(error.hint.contains("203.0.113.7"), error.hint)
        }
    }

    func testContainment() throws {
        func r(_ s: String) throws -> IPAddressRange { try IPAddressRange(parsing: s) }
        let table: [(range: String, address: String, contains: Bool)] = [
            ("203.0.113.0/24", "203.0.113.0", true), ("203.0.113.0/24", "203.0.113.255", true),
            ("203.0.113.0/24", "203.0.112.255", false), ("203.0.113.0/24", "203.0.114.0", false),
            ("198.51.100.7", "198.51.100.7", true), ("198.51.100.7", "198.51.100.8", false),
            ("0.0.0.0/0", "255.255.255.255", true), ("0.0.0.0/0", "::1", false),
            ("::/0", "2001:db8::1", true), ("::/0", "127.0.0.1", false),
            // A mapped client is its IPv4 address: IPv4 ranges match it, IPv6 ranges do not.
            ("203.0.113.0/24", "::ffff:203.0.113.9", true), ("::/0", "::ffff:203.0.113.9", false),
            ("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true), ("2001:db8::/32", "2001:db9::", false),
            ("2001:db8::/64", "2001:db8::ffff:1", true), ("2001:db8::/64", "2001:db8:0:1::", false),
            ("2001:db8::8000:0/97", "2001:db8::ffff:ffff", true), ("2001:db8::8000:0/97", "2001:db8::7fff:ffff", false),
            ("2001:db8::7", "2001:db8::7", true), ("2001:db8::7", "2001:db8::6", false),
            ("0.0.0.0/1", "127.255.255.255", true), ("128.0.0.0/1", "127.255.255.255", false),
        ]
        for row in table {
            let address = try XCTUnwrap(IPAddress(row.address), row.address)
            XCTAssertEqual(try r(row.range).contains(address), row.contains, "\(row.range) ∋ \(row.address)")
        }
        XCTAssertTrue(try r("10.0.0.0/8").covers(r("10.1.0.0/16")))
        XCTAssertFalse(try r("10.1.0.0/16").covers(r("10.0.0.0/8")))
        XCTAssertFalse(try r("::/0").covers(r("10.0.0.0/8")))
    }

    func testPolicyChecksTheAddressFirstAndAnUnknownAddressFailsClosed() throws {
        let read = try Scope(parsing: "projects:read")
        let office = try IPAddressRange(parsing: "203.0.113.0/24")
        XCTAssertNil(AccessPolicy.restricting(scopes: nil, allowedIPs: nil), "no rules: no policy object")
        let policy = try XCTUnwrap(AccessPolicy.restricting(scopes: [read], allowedIPs: [office]))
        let inside = ClientAddress.known(try IPAddress(parsing: "203.0.113.9"))
        let outside = try IPAddress(parsing: "198.51.100.1")
        let write = try Scope(requiring: "projects:write")
        XCTAssertNil(policy.refusal(of: AccessRequest(scope: read, client: inside)))
        XCTAssertNil(policy.refusal(of: AccessRequest(scope: nil, client: inside)), "a route requiring no scope")
        XCTAssertNil(policy.refusal(of: .unchecked))
        XCTAssertEqual(policy.refusal(of: AccessRequest(scope: write, client: inside)), .insufficientScope(required: write))
        XCTAssertEqual(policy.refusal(of: AccessRequest(scope: write, client: .known(outside))), .ipNotAllowed(client: outside))
        XCTAssertEqual(policy.refusal(of: AccessRequest(scope: read, client: .unknown)), .ipNotAllowed(client: nil))
        let nothing = try XCTUnwrap(AccessPolicy.restricting(scopes: [], allowedIPs: []))
        XCTAssertEqual(nothing.refusal(of: AccessRequest(scope: read, client: .notChecked)), .insufficientScope(required: read))
        XCTAssertEqual(nothing.refusal(of: AccessRequest(scope: nil, client: inside)), .ipNotAllowed(client: try IPAddress(parsing: "203.0.113.9")))
    }
}
