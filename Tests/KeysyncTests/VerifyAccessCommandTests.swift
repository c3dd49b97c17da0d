import Foundation
import Reconciler
import XCTest

/// `keysync verify --scope S --ip ADDR`: the key still from standard input, the request's side
/// from the options; exit 0 valid, 1 refused (403 codes), 64 for a bad option.
final class VerifyAccessCommandTests: XCTestCase {
    let clock = ["KEYSYNC_NOW": CLIState.now]

    /// The CLI fixture with checkout-api restricted to projects:read from 203.0.113.0/24 and
    /// 2001:db8::/32.
    func restricted() throws -> CLIState {
        var fixture = CLIState.make()
        let index = try XCTUnwrap(fixture.state.keys.firstIndex { $0.name == "checkout-api" })
        fixture.state.keys[index].scopes = [try Scope(parsing: "projects:read")]
        fixture.state.keys[index].allowedIPs = [try IPAddressRange(parsing: "203.0.113.0/24"), try IPAddressRange(parsing: "2001:db8::/32")]
        return fixture
    }

    func verify(_ arguments: [String], _ fixture: CLIState, in dir: URL, key: String = "checkout") throws -> ProcessResult {
        let result = try Keysync.run(["verify"] + arguments, stdin: Data(fixture.keys[key]!.reveal().utf8), in: dir,
                                     environment: clock)
        fixture.assertNoRawKey(in: result.stdout, "stdout")
        fixture.assertNoRawKey(in: result.stderr, "stderr")
        return result
    }

    func testOutcomesAndExitCodes() throws {
        let fixture = try restricted()
        let dir = try fixture.write()
        let table: [(arguments: [String], exit: Int32, firstLine: String)] = [
            ([], 0, "VALID (200): the key is valid"),
            (["--scope", "projects:read", "--ip", "203.0.113.7"], 0, "VALID (200): the key is valid"),
            (["--ip", "2001:db8::1"], 0, "VALID (200): the key is valid"),
            (["--ip", "::ffff:203.0.113.7"], 0, "VALID (200): the key is valid"),
            (["--scope", "projects:write"], 1,
             "INSUFFICIENT_SCOPE (403): the key does not grant scope projects:write; ask its owner for a key with that scope"),
            (["--scope", "projects:read", "--ip", "198.51.100.7"], 1,
             "IP_NOT_ALLOWED (403): the key may not be used from 198.51.100.7; it is restricted to other addresses"),
            (["--scope", "projects:write", "--ip", "2001:db9::1"], 1,
             "IP_NOT_ALLOWED (403): the key may not be used from 2001:db9::1; it is restricted to other addresses"),
        ]
        for row in table {
            let result = try verify(row.arguments, fixture, in: dir)
            XCTAssertEqual(result.exitCode, row.exit, "\(row.arguments): \(result.stderr)")
            XCTAssertEqual(result.stdout.split(separator: "\n").first.map(String.init), row.firstLine, "\(row.arguments)")
        }
        // A key without rules passes whatever is asked.
        let open = try verify(["--scope", "billing:delete", "--ip", "192.0.2.1"], fixture, in: dir, key: "soon")
        XCTAssertEqual(open.exitCode, 0, open.stdout)
        // The older checks come first.
        let toy = try verify(["--scope", "projects:write", "--ip", "192.0.2.1"], fixture, in: dir, key: "toy")
        XCTAssertTrue(toy.stdout.hasPrefix("API_ACCESS_NOT_AVAILABLE (403)"), toy.stdout)
    }

    func testJSONReportsTheCode() throws {
        let fixture = try restricted()
        let dir = try fixture.write()
        let result = try verify(["--format", "json", "--scope", "projects:write", "--ip", "203.0.113.7"], fixture, in: dir)
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.stdout, """
            {
              "code" : "INSUFFICIENT_SCOPE",
              "http_status" : 403,
              "key" : null,
              "message" : "the key does not grant scope projects:write; ask its owner for a key with that scope",
              "valid" : false
            }

            """)
        let ip = try verify(["--format", "json", "--ip", "10.0.0.1"], fixture, in: dir)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: ip.stdoutBytes) as? [String: Any])
        XCTAssertEqual(object["code"] as? String, "IP_NOT_ALLOWED")
        XCTAssertEqual(object["http_status"] as? Int, 403)
        XCTAssertEqual(object["valid"] as? Bool, false)
    }

    func testBadOptionsAreUsageErrors() throws {
        let fixture = try restricted()
        let dir = try fixture.write()
        let table: [([String], String)] = [
            (["--scope", "projects:*"], "--scope: a required scope must name one action"),
            (["--scope", "*"], "--scope: a required scope must name one resource and action"),
            (["--scope", "Projects:read"], "--scope: scope \"Projects:read\" has an invalid resource"),
            (["--ip", "10.0.0.0/8"], "--ip: \"10.0.0.0/8\" is not an IP address"),
            (["--ip", "fe80::1%eth0"], "--ip: \"fe80::1%eth0\" has a zone id"),
            (["--ip", "010.0.0.1"], "--ip: \"010.0.0.1\" has a number with a leading zero"),
        ]
        for (arguments, message) in table {
            let result = try verify(arguments, fixture, in: dir)
            XCTAssertEqual(result.exitCode, 64, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stdout, "")
        }
    }
}
