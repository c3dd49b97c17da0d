import Foundation
import HTTPTypes
import HummingbirdTesting
import KeysyncCore
@testable import KeysyncServer
import XCTest

/// `INSUFFICIENT_SCOPE` and `IP_NOT_ALLOWED` through the routes (on a real port, so the peer
/// address is real), and which client address is believed behind trusted proxies.
final class AccessRouteTests: ServerTestCase {
    /// The fixture plus `scoped` (projects:read) and `office` (203.0.113.0/24, 2001:db8::/32).
    func restrictedFixture() throws -> ServerFixture {
        var f = fixture!
        f.add("scoped", team: "payments", name: "scoped")
        f.add("office", team: "payments", name: "office")
        let scopedHash = APIKeyHash.of(f.keys["scoped"]!), officeHash = APIKeyHash.of(f.keys["office"]!)
        for i in f.state.keys.indices {
            if f.state.keys[i].hash == scopedHash { f.state.keys[i].scopes = [try Scope(parsing: "projects:read")] }
            if f.state.keys[i].hash == officeHash {
                f.state.keys[i].allowedIPs = [try IPAddressRange(parsing: "203.0.113.0/24"), try IPAddressRange(parsing: "2001:db8::/32")]
            }
        }
        try f.write()
        return f
    }

    func withAccessServer(_ f: ServerFixture, trustedProxies: [String] = [],
                          _ body: @escaping @Sendable (any TestClientProtocol, ServerComponents) async throws -> Void) async throws {
        var configuration = f.configuration(clock: ManualClock(ServerFixture.now), logs: logs)
        configuration.trustedProxies = try trustedProxies.map { try IPAddressRange(parsing: $0) }
        let (app, components) = try buildApplication(configuration: configuration)
        try await app.test(.live) { client in try await body(client, components) }
    }

    func testScopeRefusalsOnEveryRoute() async throws {
        let f = try restrictedFixture()
        let scoped = f.keys["scoped"]!
        try await withAccessServer(f) { client, components in
            let table: [(scope: [String], status: Int, code: String)] = [
                (["projects:read"], 200, "VALID"),
                ([], 200, "VALID"),  // the route requires no scope
                (["projects:write"], 403, "INSUFFICIENT_SCOPE"),
                (["billing:read"], 403, "INSUFFICIENT_SCOPE"),
                (["projects:*"], 403, "INSUFFICIENT_SCOPE"),  // not a scope a route can require: refused
                (["projects:read", "projects:write"], 403, "INSUFFICIENT_SCOPE"),  // two different headers
                (["projects:read", "projects:read"], 200, "VALID"),
            ]
            for row in table {
                let headers = [("X-API-Key", scoped)] + row.scope.map { ("X-Keysync-Scope", $0) }
                let answer = try await client.send("/v1/authz", headers: headers)
                XCTAssertEqual(answer.status, row.status, "\(row.scope)")
                XCTAssertEqual(answer.header("X-Keysync-Code"), row.code, "\(row.scope)")
                if row.status == 403 {
                    XCTAssertEqual(answer.errorCode, row.code)
                    XCTAssertNil(answer.header("X-Keysync-Key-Id"), "a refusal names no key")
                    XCTAssertNotNil(answer.header("X-RateLimit-Limit"))
                }
            }
            let write = [("X-API-Key", scoped), ("X-Keysync-Scope", "projects:write")]
            let refused = try await client.send("/v1/authz", headers: write)
            XCTAssertEqual(refused.errorMessage, "the key does not grant scope projects:write; ask its owner for a key with that scope")
            // nginx passes a 403 through; its snippet rebuilds the body from these headers.
            let nginx = try await client.send("/v1/authz/nginx", headers: write)
            XCTAssertEqual(nginx.status, 403)
            XCTAssertEqual(nginx.header("X-Keysync-Code"), "INSUFFICIENT_SCOPE")
            XCTAssertEqual(nginx.header("X-Keysync-Message"), "the key does not grant scope projects:write; ask its owner for a key with that scope")
            // keys.verify reports the code in its body (200 for a decision).
            let verify = try await client.send("/v1/keys.verify", method: .post, headers: [("X-Keysync-Scope", "projects:write")],
                                               body: "{\"key\": \"\(scoped)\"}")
            XCTAssertEqual(verify.status, 200)
            XCTAssertEqual(verify.json["code"] as? String, "INSUFFICIENT_SCOPE")
            XCTAssertEqual(verify.json["valid"] as? Bool, false)
            // A key without rules is not affected by the header, readable or not.
            for scope in ["projects:write", "projects:*"] {
                let open = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!), ("X-Keysync-Scope", scope)])
                XCTAssertEqual(open.status, 200, scope)
            }
            // Refusals are not counted against the limit, and metrics count the code.
            let metrics = String(decoding: components.metrics.render(), as: UTF8.self)
            XCTAssertTrue(metrics.contains("keysync_decisions_total{code=\"INSUFFICIENT_SCOPE\",plan=\"pro\"} 7"), metrics)
            for answer in [refused, nginx, verify] { XCTAssertEqual(f.leakedKeys(in: answer.body), []) }
        }
    }

    func testAddressRefusalsAndTrustedProxies() async throws {
        let f = try restrictedFixture()
        let office = f.keys["office"]!
        // No trusted proxy: the peer (127.0.0.1) is the client, whatever the headers claim.
        try await withAccessServer(f) { client, components in
            for headers in [[(String, String)](), [("X-Forwarded-For", "203.0.113.9")], [("X-Real-IP", "203.0.113.9")]] {
                let answer = try await client.send("/v1/authz", headers: [("X-API-Key", office)] + headers)
                XCTAssertEqual(answer.status, 403, "\(headers)")
                XCTAssertEqual(answer.errorCode, "IP_NOT_ALLOWED")
                XCTAssertEqual(answer.errorMessage, "the key may not be used from 127.0.0.1; it is restricted to other addresses")
            }
            let nginx = try await client.send("/v1/authz/nginx", headers: [("X-API-Key", office)])
            XCTAssertEqual(nginx.status, 403)
            XCTAssertEqual(nginx.header("X-Keysync-Code"), "IP_NOT_ALLOWED")
            let metrics = String(decoding: components.metrics.render(), as: UTF8.self)
            XCTAssertTrue(metrics.contains("keysync_decisions_total{code=\"IP_NOT_ALLOWED\",plan=\"pro\"} 4"), metrics)
        }
        // Behind trusted proxies: the right-most untrusted forwarded address.
        try await withAccessServer(f, trustedProxies: ["127.0.0.1", "10.0.0.0/8"]) { client, _ in
            let table: [(headers: [(String, String)], status: Int)] = [
                ([("X-Forwarded-For", "203.0.113.9")], 200),
                ([("X-Forwarded-For", "203.0.113.9, 10.1.2.3")], 200),
                ([("X-Forwarded-For", "2001:db8::5")], 200),
                ([("X-Forwarded-For", "198.51.100.1")], 403),
                // A client cannot vouch for itself by writing an allowed address on the left.
                ([("X-Forwarded-For", "203.0.113.9, 198.51.100.1")], 403),
                ([("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-For", "198.51.100.1")], 403),
                ([("X-Forwarded-For", "not-an-address")], 403),
                ([("X-Real-IP", "203.0.113.9")], 200),
                ([], 403),  // a trusted proxy that forwards no address: unknown, refused
            ]
            for row in table {
                let answer = try await client.send("/v1/authz", headers: [("X-API-Key", office)] + row.headers)
                XCTAssertEqual(answer.status, row.status, "\(row.headers)")
                XCTAssertEqual(answer.header("X-Keysync-Code"), row.status == 200 ? "VALID" : "IP_NOT_ALLOWED", "\(row.headers)")
            }
        }
    }

    func testClientAddressResolution() throws {
        let resolver = ClientAddressResolver(trustedProxies: try ["10.0.0.0/8", "2001:db8:ffff::/48", "127.0.0.1"].map { try IPAddressRange(parsing: $0) })
        func known(_ text: String) -> ClientAddress { .known(IPAddress(text)!) }
        let table: [(peer: String?, xff: [String], realIP: [String], expected: ClientAddress)] = [
            (nil, [], [], .unknown),
            ("garbage", [], [], .unknown),
            ("198.51.100.1", ["203.0.113.9"], [], known("198.51.100.1")),  // an untrusted peer's headers are ignored
            ("::ffff:198.51.100.1", [], [], known("198.51.100.1")),
            ("10.0.0.1", ["203.0.113.9"], [], known("203.0.113.9")),
            ("10.0.0.1", ["203.0.113.9, 10.0.0.2"], [], known("203.0.113.9")),
            ("10.0.0.1", ["1.1.1.1, 203.0.113.9, 10.0.0.2"], [], known("203.0.113.9")),
            ("10.0.0.1", ["1.1.1.1", "203.0.113.9"], [], known("203.0.113.9")),
            ("10.0.0.1", ["10.0.0.3, 10.0.0.2"], [], known("10.0.0.3")),  // every hop trusted: the first
            ("10.0.0.1", ["203.0.113.9, bad"], [], .unknown),
            ("10.0.0.1", ["203.0.113.9,"], [], .unknown),
            ("10.0.0.1", ["[2001:db8::1]"], [], known("2001:db8::1")),
            ("2001:db8:ffff::1", ["2001:db8::9"], [], known("2001:db8::9")),
            ("127.0.0.1", [], ["203.0.113.9"], known("203.0.113.9")),
            ("127.0.0.1", [], ["203.0.113.9", "198.51.100.1"], .unknown),
            ("127.0.0.1", ["198.51.100.1"], ["203.0.113.9"], known("198.51.100.1")),  // X-Forwarded-For first
            ("127.0.0.1", [], [], .unknown),
        ]
        for row in table {
            XCTAssertEqual(resolver.resolve(peer: row.peer, forwardedFor: row.xff, realIP: row.realIP), row.expected,
                           "\(row.peer ?? "nil") \(row.xff) \(row.realIP)")
        }
        XCTAssertEqual(ClientAddressResolver(trustedProxies: []).resolve(peer: "10.0.0.1", forwardedFor: ["203.0.113.9"], realIP: []),
                       known("10.0.0.1"))
    }
}
