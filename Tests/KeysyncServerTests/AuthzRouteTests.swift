import Foundation
import HTTPTypes
import HummingbirdTesting
import KeysyncServer
import XCTest

/// Every outcome of the forward-auth, nginx and keys.verify routes, with their headers, through
/// the router (no socket) and a manual clock.
final class AuthzRouteTests: ServerTestCase {
    func testValidKeyIsAllowedWithIdentityAndRateLimitHeaders() async throws {
        let f = fixture!
        let clock = ManualClock(ServerFixture.now.addingTimeInterval(15))
        try await withServer(f, clock: clock, logs: logs) { client, _ in
            for headers in [[("Authorization", "Bearer \(f.keys["valid"]!)")], [("X-API-Key", f.keys["valid"]!)],
                            // the same key in both headers is not ambiguous
                            [("Authorization", "Bearer \(f.keys["valid"]!)"), ("X-API-Key", f.keys["valid"]!)]] {
                for method in [HTTPRequest.Method.get, .post] {
                    let answer = try await client.send("/v1/authz", method: method, headers: headers)
                    XCTAssertEqual(answer.status, 200)
                    XCTAssertEqual(answer.header("X-Keysync-Key-Id"), f.id("valid"))
                    XCTAssertEqual(answer.header("X-Keysync-Team"), "payments")
                    XCTAssertEqual(answer.header("X-Keysync-Key-Name"), "checkout")
                    XCTAssertEqual(answer.header("X-Keysync-Plan"), "pro")
                    XCTAssertEqual(answer.header("X-Keysync-Code"), "VALID")
                    XCTAssertEqual(answer.header("RateLimit-Policy"), "\"default\";q=600;w=60")
                    XCTAssertEqual(answer.header("X-RateLimit-Limit"), "600")
                    XCTAssertEqual(answer.header("X-RateLimit-Reset"), "45")
                    XCTAssertNil(answer.header("Retry-After"))
                    XCTAssertEqual(answer.body, "")
                }
            }
            // Six allowed requests so far in this minute: 600 - 7 left after the next one.
            let seventh = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
            XCTAssertEqual(seventh.header("X-RateLimit-Remaining"), "593")
            XCTAssertEqual(seventh.header("RateLimit"), "\"default\";r=593;t=45")
            // Envoy's ext_authz keeps the method and appends the original path.
            let envoy = try await client.send("/v1/authz/envoy/orders/17", method: .delete, headers: [("X-API-Key", f.keys["valid"]!)])
            XCTAssertEqual(envoy.status, 200)
            XCTAssertEqual(envoy.header("X-Keysync-Team"), "payments")
        }
    }

    func testEveryRefusalHasItsStatusCodeAndMessage() async throws {
        var f = fixture!
        let stranger = f.stranger()
        let valid = f.keys["valid"]!
        let table: [(label: String, headers: [(String, String)], status: Int, code: String, message: String)] = [
            ("inactive", [("X-API-Key", f.keys["inactive"]!)], 401, "KEY_DEACTIVATED", "deactivated"),
            ("expired", [("Authorization", "Bearer \(f.keys["expired"]!)")], 401, "KEY_EXPIRED", "expired at"),
            ("revoked", [("X-API-Key", f.keys["revoked"]!)], 401, "KEY_REVOKED", "revoked"),
            ("free plan", [("X-API-Key", f.keys["free"]!)], 403, "API_ACCESS_NOT_AVAILABLE", "(free) does not include API access"),
            ("unknown", [("X-API-Key", stranger)], 401, "INVALID_API_KEY", "no such key"),
            ("garbage", [("X-API-Key", "hello")], 401, "INVALID_API_KEY", "the key is not valid"),
            ("other prefix", [("X-API-Key", "ghp_" + valid.dropFirst(5))], 401, "INVALID_API_KEY", "not a key of this installation"),
            ("no key", [], 401, "INVALID_API_KEY", "no API key"),
            ("basic auth", [("Authorization", "Basic dXNlcjpwYXNz")], 401, "INVALID_API_KEY", "Bearer scheme"),
            ("ambiguous", [("Authorization", "Bearer \(valid)"), ("X-API-Key", f.keys["limited"]!)], 401, "INVALID_API_KEY",
             "different keys"),
            ("two X-API-Key", [("X-API-Key", valid), ("X-API-Key", stranger)], 401, "INVALID_API_KEY", "different keys"),
            ("double space", [("Authorization", "Bearer  \(valid)")], 401, "INVALID_API_KEY", "extra whitespace"),
            ("bearer left in", [("X-API-Key", "Bearer \(valid)")], 401, "INVALID_API_KEY", "leftover 'Bearer ' prefix"),
            ("bearer twice", [("Authorization", "Bearer Bearer \(valid)")], 401, "INVALID_API_KEY", "leftover 'Bearer ' prefix"),
        ]
        let clock = ManualClock(ServerFixture.now)
        let fixture = f
        try await withServer(fixture, clock: clock, logs: logs) { client, _ in
            for row in table {
                for path in ["/v1/authz", "/v1/authz/nginx"] {
                    let answer = try await client.send(path, headers: row.headers)
                    XCTAssertEqual(answer.status, row.status, "\(row.label) \(path)")
                    XCTAssertEqual(answer.errorCode, row.code, "\(row.label) \(path)")
                    XCTAssertEqual(answer.header("X-Keysync-Code"), row.code, "\(row.label)")
                    XCTAssertTrue(answer.errorMessage?.contains(row.message) == true, "\(row.label): \(answer.errorMessage ?? "no message")")
                    XCTAssertEqual(answer.header("Content-Type"), "application/json")
                    XCTAssertNil(answer.header("X-Keysync-Key-Id"), "a refusal names no key: \(row.label)")
                    let error = answer.json["error"] as? [String: Any]
                    XCTAssertTrue(error?["retry_after"] is NSNull, "\(row.label): retry_after is null unless rate limited")
                    XCTAssertEqual(fixture.leakedKeys(in: answer.body), [], "\(row.label): a response body quoted a key")
                    // Known keys report their limit (not counted); unknown ones have none to report.
                    let known = !row.code.hasPrefix("INVALID")
                    XCTAssertEqual(answer.header("RateLimit-Policy") != nil, known, "\(row.label)")
                    XCTAssertEqual(answer.header("X-RateLimit-Limit") != nil, known, "\(row.label)")
                }
            }
        }
    }

    func testRateLimitedKeyGets429WithRetryAfterAndNginxGets403() async throws {
        let f = fixture!
        let clock = ManualClock(ServerFixture.now)  // second 0 of a minute
        let key = [("X-API-Key", f.keys["limited"]!)]  // 2 per minute
        try await withServer(f, clock: clock, logs: logs) { client, _ in
            let first = try await client.send("/v1/authz", headers: key)
            XCTAssertEqual(first.status, 200)
            XCTAssertEqual(first.header("X-RateLimit-Remaining"), "1")
            let second = try await client.send("/v1/authz/nginx", headers: key)
            XCTAssertEqual(second.status, 200)
            XCTAssertEqual(second.header("X-RateLimit-Remaining"), "0")

            clock.advance(20)
            let limited = try await client.send("/v1/authz", headers: key)
            XCTAssertEqual(limited.status, 429)
            XCTAssertEqual(limited.errorCode, "RATE_LIMITED")
            // Two requests this minute, limit 2: free again once the next minute has weighed the
            // two down to at most one: 40 s left here, then 30 s (half) of the next minute.
            XCTAssertEqual(limited.header("Retry-After"), "70")
            XCTAssertEqual((limited.json["error"] as? [String: Any])?["retry_after"] as? Int, 70)
            XCTAssertEqual(limited.header("X-RateLimit-Remaining"), "0")
            XCTAssertEqual(limited.header("RateLimit"), "\"default\";r=0;t=40")
            XCTAssertEqual(limited.header("X-Keysync-Key-Id"), nil)

            let nginx = try await client.send("/v1/authz/nginx", headers: key)
            XCTAssertEqual(nginx.status, 403, "nginx turns a 429 into a 500, so the nginx route answers 403")
            XCTAssertEqual(nginx.header("X-Keysync-Code"), "RATE_LIMITED")
            XCTAssertEqual(nginx.header("Retry-After"), "70")

            // Refused requests were not counted: at the promised time the key works again.
            clock.advance(69)
            let early = try await client.send("/v1/authz", headers: key)
            XCTAssertEqual(early.status, 429)
            XCTAssertEqual(early.header("Retry-After"), "1")
            clock.advance(1)
            let again = try await client.send("/v1/authz", headers: key)
            XCTAssertEqual(again.status, 200)
        }
    }

    func testKeysVerifyAlwaysAnswers200WithTheOutcome() async throws {
        let f = fixture!
        let clock = ManualClock(ServerFixture.now)
        try await withServer(f, clock: clock, logs: logs) { client, _ in
            func verify(_ key: String) async throws -> Answer {
                let body = String(decoding: try JSONSerialization.data(withJSONObject: ["key": key]), as: UTF8.self)
                return try await client.send("/v1/keys.verify", method: .post, headers: [("Content-Type", "application/json")], body: body)
            }
            let valid = try await verify(f.keys["valid"]!)
            XCTAssertEqual(valid.status, 200)
            XCTAssertEqual(valid.json["valid"] as? Bool, true)
            XCTAssertEqual(valid.json["code"] as? String, "VALID")
            let key = valid.json["key"] as? [String: Any]
            XCTAssertEqual(key?["id"] as? String, f.id("valid"))
            XCTAssertEqual(key?["team"] as? String, "payments")
            XCTAssertEqual(key?["name"] as? String, "checkout")
            XCTAssertEqual(key?["plan"] as? String, "pro")
            let rate = valid.json["ratelimit"] as? [String: Any]
            XCTAssertEqual(rate?["limit"] as? Int, 600)
            XCTAssertEqual(rate?["remaining"] as? Int, 599)
            XCTAssertEqual(rate?["reset"] as? Int, 60)

            for (label, code) in [("revoked", "KEY_REVOKED"), ("inactive", "KEY_DEACTIVATED"), ("expired", "KEY_EXPIRED"),
                                  ("free", "API_ACCESS_NOT_AVAILABLE")] {
                let answer = try await verify(f.keys[label]!)
                XCTAssertEqual(answer.status, 200, label)
                XCTAssertEqual(answer.json["valid"] as? Bool, false, label)
                XCTAssertEqual(answer.json["code"] as? String, code, label)
                XCTAssertTrue(answer.json["key"] is NSNull, "a refused key is not described: \(label)")
            }
            _ = try await verify(f.keys["limited"]!)
            _ = try await verify(f.keys["limited"]!)
            let limited = try await verify(f.keys["limited"]!)
            XCTAssertEqual(limited.status, 200)
            XCTAssertEqual(limited.json["code"] as? String, "RATE_LIMITED")
            XCTAssertEqual(limited.json["valid"] as? Bool, false)
            XCTAssertEqual((limited.json["ratelimit"] as? [String: Any])?["remaining"] as? Int, 0)
            XCTAssertEqual(limited.json["retry_after"] as? Int, 90)
            let whitespace = try await verify(f.keys["valid"]! + "\n")
            XCTAssertEqual(whitespace.json["code"] as? String, "INVALID_API_KEY")
            XCTAssertTrue((whitespace.json["message"] as? String)?.contains("whitespace") == true)

            for bad in ["", "not json", "{\"token\": \"x\"}", "[1]"] {
                let answer = try await client.send("/v1/keys.verify", method: .post, body: bad)
                XCTAssertEqual(answer.status, 400, bad)
                XCTAssertEqual(answer.errorCode, "BAD_REQUEST", bad)
            }
            let echoed = try await client.send("/v1/keys.verify", method: .post, body: "{\"key\": \(f.keys["valid"]!)}")
            XCTAssertEqual(echoed.status, 400)
            XCTAssertEqual(f.leakedKeys(in: echoed.body), [], "a bad body is never echoed")
        }
    }

    func testHealthReadinessAndMetrics() async throws {
        let f = fixture!
        try await withServer(f, clock: ManualClock(ServerFixture.now), logs: logs) { client, _ in
            let health = try await client.send("/healthz")
            XCTAssertEqual(health.status, 200)
            let ready = try await client.send("/readyz")
            XCTAssertEqual(ready.status, 200)
            XCTAssertEqual(ready.json["serial"] as? Int, 5)
            XCTAssertEqual(ready.json["keys"] as? Int, 6)
            XCTAssertEqual(ready.json["signature"] as? String, "verified")
            _ = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
            _ = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["free"]!)])
            _ = try await client.send("/v1/authz", headers: [("X-API-Key", "nope")])
            let metrics = try await client.send("/metrics")
            XCTAssertEqual(metrics.status, 200)
            let text = metrics.body
            for line in ["keysync_decisions_total{code=\"VALID\",plan=\"pro\"} 1",
                         "keysync_decisions_total{code=\"API_ACCESS_NOT_AVAILABLE\",plan=\"free\"} 1",
                         "keysync_decisions_total{code=\"INVALID_API_KEY\",plan=\"none\"} 1",
                         "keysync_state_serial 5", "keysync_state_keys 6", "keysync_decision_duration_seconds_count 3"] {
                XCTAssertTrue(text.contains(line), "missing metric line: \(line)\n\(text)")
            }
            for label in f.keys.keys {
                XCTAssertFalse(text.contains(f.id(label)), "no per-key labels in metrics")
            }
        }
    }
}
