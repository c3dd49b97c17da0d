import Foundation
import HummingbirdTesting
import KeysyncServer
import Reconciler
import XCTest
import TestSupport

/// The usage store gets counts and the request log off the request path; no raw key ever
/// reaches a log line, the database, a response or the metrics.
final class UsageAndSecrecyTests: ServerTestCase {
    func testDecisionsAreCountedAndLoggedPerKeyAndFlushedOnShutdown() async throws {
        let f = fixture!
        let clock = ManualClock(ServerFixture.now)
        // A flush interval of a minute: only the flush on shutdown can have written these.
        var configuration = f.configuration(clock: clock, logs: logs)
        configuration.flushInterval = .seconds(60)
        // The test client connects from 127.0.0.1, a trusted proxy here, as is the gateway hop
        // 10.0.0.1: the log names the address they forwarded.
        configuration.trustedProxies = [try IPAddressRange(parsing: "127.0.0.1"), try IPAddressRange(parsing: "10.0.0.0/8")]
        let (app, components) = try buildApplication(configuration: configuration)
        try await app.test(.live) { client in
            for _ in 0..<3 {
                _ = try await client.send("/v1/authz", headers: [
                    ("X-API-Key", f.keys["limited"]!), ("X-Forwarded-Method", "POST"),
                    ("X-Forwarded-Uri", "/orders/17?api_key=\(f.keys["limited"]!)"), ("X-Forwarded-For", "203.0.113.9, 10.0.0.1"),
                ])
                clock.advance(1)
            }
            _ = try await client.send("/v1/authz/nginx", headers: [
                ("X-API-Key", f.keys["revoked"]!), ("X-Original-Method", "GET"), ("X-Original-URI", "/reports"), ("X-Real-IP", "198.51.100.4"),
            ])
            // A key in the path itself (not the query) is replaced before the path is logged.
            _ = try await client.send("/v1/authz/nginx", headers: [
                ("X-API-Key", f.keys["revoked"]!), ("X-Original-URI", "/keys/\(f.keys["revoked"]!)/usage"), ("X-Real-IP", "198.51.100.4"),
            ])
            _ = try await client.send("/v1/authz", headers: [("X-API-Key", "not-a-key")])
        }
        XCTAssertEqual(components.recorder.droppedCount, 0)
        let store = try SQLiteUsageStore(path: f.usagePath, readOnly: true)
        let usage = try await store.usage()
        let limited = try XCTUnwrap(usage.first { $0.keyID == f.id("limited") })
        XCTAssertEqual(limited.requests, [.valid: 2, .rateLimited: 1])
        XCTAssertEqual(limited.lastUsed, ServerFixture.now + 2)
        let revoked = try XCTUnwrap(usage.first { $0.keyID == f.id("revoked") })
        XCTAssertEqual(revoked.requests, [.keyRevoked: 2])
        XCTAssertEqual(usage.count, 2, "an unknown key has no usage row")

        let log = try await store.requests(keyID: f.id("limited"), since: nil, limit: 10)
        XCTAssertEqual(log.map(\.outcome), [.valid, .valid, .rateLimited])
        XCTAssertEqual(log.first?.method, "POST")
        XCTAssertEqual(log.first?.path, "/orders/17", "the query string is not recorded")
        XCTAssertEqual(log.first?.client, "203.0.113.9")
        XCTAssertEqual(log.map(\.time), [ServerFixture.now, ServerFixture.now + 1, ServerFixture.now + 2])
        let newest = try await store.requests(keyID: f.id("limited"), since: ServerFixture.now + 1, limit: 1)
        XCTAssertEqual(newest.map(\.time), [ServerFixture.now + 2])
        let nginx = try await store.requests(keyID: f.id("revoked"), since: nil, limit: 10)
        XCTAssertEqual(nginx.map(\.path), ["/reports", "/keys/[key]/usage"])
        XCTAssertEqual(nginx.map(\.client), ["198.51.100.4", "198.51.100.4"])
    }

    func testRetentionPrunesTheRequestLogButKeepsTheCounts() async throws {
        let store = try SQLiteUsageStore(path: fixture.usagePath)
        let old = ServerFixture.now - 31 * 86_400
        try await store.record([
            UsageEvent(time: old, keyID: KeyID.test("a").rawValue, outcome: .valid, method: "GET", path: "/", client: "::1"),
            UsageEvent(time: ServerFixture.now, keyID: KeyID.test("a").rawValue, outcome: .valid, method: "GET", path: "/", client: "::1"),
        ])
        let removed = try await store.prune(before: ServerFixture.now - 30 * 86_400)
        XCTAssertEqual(removed, 1)
        let log = try await store.requests(keyID: KeyID.test("a").rawValue, since: nil, limit: 10)
        XCTAssertEqual(log.map(\.time), [ServerFixture.now])
        let usage = try await store.usage()
        XCTAssertEqual(usage.first?.requests[.valid], 2)
    }

    /// The request log is bounded and drops beyond its bound; the counts never drop: they
    /// equal what the clients saw, however small the log buffer.
    func testAFullLogBufferDropsLogEntriesButTheCountsStayExact() async throws {
        let f = fixture!
        var configuration = f.configuration(clock: ManualClock(ServerFixture.now), logs: logs)
        configuration.usageBufferCapacity = 2
        configuration.flushInterval = .seconds(3600)
        let (app, components) = try buildApplication(configuration: configuration)
        let names = ["valid", "limited", "revoked"]
        let seen = try await app.test(.router) { client -> [String: [Int: Int]] in
            var seen: [String: [Int: Int]] = [:]  // key name → status → responses
            for round in 0..<3 {
                for request in 0..<150 {
                    let name = names[request % names.count]
                    let answer = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys[name]!)])
                    seen[name, default: [:]][answer.status, default: 0] += 1
                }
                if round == 1 { await components.recorder.flush() }
            }
            let metrics = try await client.send("/metrics").body
            XCTAssertTrue(metrics.contains("keysync_usage_events_dropped_total 446"), metrics)
            return seen
        }
        XCTAssertEqual(components.recorder.droppedCount, 446, "450 requests, 2 log entries before each of 2 flushes")
        XCTAssertEqual(components.metrics.value(of: "keysync_usage_requests_counted_total"), 450)
        XCTAssertEqual(components.metrics.value(of: "keysync_usage_events_written_total"), 4)
        let store = try SQLiteUsageStore(path: f.usagePath, readOnly: true)
        let usage = try await store.usage()
        XCTAssertEqual(seen["valid"], [200: 150])
        XCTAssertEqual(usage.first { $0.keyID == f.id("valid") }?.requests, [.valid: 150])
        let limited = try XCTUnwrap(seen["limited"])
        XCTAssertEqual(Set(limited.keys), [200, 429], "the limited key is both allowed and limited")
        XCTAssertEqual(usage.first { $0.keyID == f.id("limited") }?.requests, [.valid: limited[200]!, .rateLimited: limited[429]!])
        let revoked = try XCTUnwrap(seen["revoked"])
        XCTAssertEqual(revoked.values.reduce(0, +), 150)
        XCTAssertEqual(usage.first { $0.keyID == f.id("revoked") }?.requests, [.keyRevoked: 150])
        var logged = 0
        for name in names { logged += try await store.requests(keyID: f.id(name), since: nil, limit: 1000).count }
        XCTAssertEqual(logged, 4, "the log holds what its buffer held")
    }

    /// Two runs of `serve` on one usage database, each stopped with counts only in memory (a
    /// flush interval of an hour, a log buffer of 1): the flush on shutdown writes them all,
    /// and the second run adds to the first.
    func testCountsSurviveARestartThroughTheFlushOnShutdown() async throws {
        let f = fixture!
        for run in 1...2 {
            var configuration = f.configuration(clock: ManualClock(ServerFixture.now + Double(run)), logs: logs)
            configuration.usageBufferCapacity = 1
            configuration.flushInterval = .seconds(3600)
            let (app, components) = try buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                for _ in 0..<40 {
                    let answer = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
                    XCTAssertEqual(answer.status, 200)
                }
                XCTAssertEqual(components.recorder.uncountedRequests, 40)
            }
            XCTAssertEqual(components.recorder.uncountedRequests, 0, "run \(run): all written on shutdown")
            XCTAssertEqual(components.recorder.droppedCount, 39)
            let usage = try await SQLiteUsageStore(path: f.usagePath, readOnly: true).usage()
            XCTAssertEqual(usage.first { $0.keyID == f.id("valid") }?.requests, [.valid: 40 * run])
            XCTAssertEqual(usage.first { $0.keyID == f.id("valid") }?.lastUsed, ServerFixture.now + Double(run))
        }
    }

    func testNoRawKeyReachesALogTheDatabaseAResponseOrTheMetrics() async throws {
        var f = fixture!
        let stranger = f.stranger()
        f.keys["stranger"] = stranger
        let fixture = f
        var outputs: [String] = []
        let collected = Collected()
        try await withServer(f, clock: ManualClock(ServerFixture.now), logs: logs) { client, _ in
            for (label, raw) in fixture.keys {
                let variants: [[(String, String)]] = [
                    [("Authorization", "Bearer \(raw)")], [("X-API-Key", raw)], [("X-API-Key", " \(raw)")],
                    [("X-API-Key", "Bearer \(raw)")], [("Authorization", "Bearer  \(raw)")],
                    [("Authorization", "Basic \(raw)")], [("Authorization", "Bearer \(raw)"), ("X-API-Key", "x\(raw)")],
                    [("X-API-Key", String(raw.dropLast()))], [("X-API-Key", raw + "A")],
                    [("X-API-Key", raw), ("X-Forwarded-Uri", "/v1/\(raw)/things?key=\(raw)"), ("X-Forwarded-Method", raw),
                     ("X-Forwarded-For", raw)],
                    [("X-API-Key", raw), ("X-Real-IP", raw), ("X-Original-Method", String(raw.prefix(16)))],
                ]
                for headers in variants {
                    for path in ["/v1/authz", "/v1/authz/nginx", "/v1/authz/envoy/\(label)"] {
                        collected.add(try await client.send(path, method: .get, headers: headers))
                    }
                }
                for body in ["{\"key\": \"\(raw)\"}", "{\"key\": \"\(raw) \"}", "{\"key\": \(raw)}", raw] {
                    collected.add(try await client.send("/v1/keys.verify", method: .post, body: body))
                }
            }
            collected.add(try await client.send("/metrics"))
            collected.add(try await client.send("/readyz"))
        }
        outputs = collected.texts
        XCTAssertGreaterThan(outputs.count, 200)
        for (index, text) in outputs.enumerated() {
            XCTAssertEqual(fixture.leakedKeys(in: text), [], "response \(index) quoted a key")
        }
        XCTAssertFalse(logs.all.isEmpty)
        XCTAssertEqual(fixture.leakedKeys(in: logs.all.joined(separator: "\n")), [], "a log line quoted a key")
        let files = try FileManager.default.contentsOfDirectory(atPath: fixture.folder.path).filter { $0.hasPrefix("keysync.usage.sqlite") }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            let data = try Data(contentsOf: fixture.folder.appendingPathComponent(file))
            XCTAssertEqual(fixture.leakedKeys(in: data), [], "\(file) holds a key")
        }
        // The database did record these requests (so the search above looked at real rows).
        let usage = try await SQLiteUsageStore(path: fixture.usagePath, readOnly: true).usage()
        XCTAssertGreaterThan(usage.reduce(0) { $0 + $1.total }, 50)
        let rows = try await SQLiteUsageStore(path: fixture.usagePath, readOnly: true).requests(keyID: fixture.id("valid"), since: nil, limit: 1000)
        // The client headers come from no trusted proxy here, so they are not read at all: the
        // client is the peer (unknown to the in-process router).
        XCTAssertTrue(rows.contains { $0.path == "/v1/[key]/things" && $0.method == "INVALID" && $0.client == "unknown" },
                      "a key inside a path, method or client header is not recorded")
        // Not even a part of a key: the 16 characters that begin each key appear nowhere.
        let prefixes = fixture.keys.values.map { String($0.prefix(16)) }
        for file in files {
            let data = try Data(contentsOf: fixture.folder.appendingPathComponent(file))
            XCTAssertFalse(prefixes.contains { data.range(of: Data($0.utf8)) != nil }, "\(file) holds the start of a key")
        }
    }

    func testTheRequestLogNamesTheClientOnlyAsATrustedProxyForwardedIt() async throws {
        let f = fixture!
        for trusted in [false, true] {
            var configuration = f.configuration(clock: ManualClock(ServerFixture.now), logs: logs)
            configuration.usageDatabasePath = f.usagePath + (trusted ? ".trusted" : ".untrusted")
            if trusted { configuration.trustedProxies = [try IPAddressRange(parsing: "127.0.0.0/8")] }
            let (app, _) = try buildApplication(configuration: configuration)
            try await app.test(.live) { client in
                // A client writing someone else's address: believed only from a trusted peer.
                _ = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!), ("X-Forwarded-For", "192.0.2.66")])
                _ = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!), ("X-Real-IP", "192.0.2.67")])
            }
            let store = try SQLiteUsageStore(path: configuration.usageDatabasePath, readOnly: true)
            let log = try await store.requests(keyID: f.id("valid"), since: nil, limit: 10)
            XCTAssertEqual(log.map(\.client), trusted ? ["192.0.2.66", "192.0.2.67"] : ["127.0.0.1", "127.0.0.1"],
                           trusted ? "from a trusted proxy" : "no trusted proxy: the peer, whatever the headers claim")
        }
    }
}

/// Responses gathered by a concurrent closure.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [String] = []
    func add(_ answer: Answer) {
        let headers = answer.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
        lock.withLock { all.append(headers + "\n\n" + answer.body) }
    }
    var texts: [String] { lock.withLock { all } }

}
