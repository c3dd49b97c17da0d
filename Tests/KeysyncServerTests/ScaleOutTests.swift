import Foundation
import HummingbirdTesting
import KeysyncServer
import TestSupport
import XCTest

extension PostgresCluster {
    func backend(node: String, syncInterval: Duration, operationTimeout: Duration = .seconds(2)) -> PostgresBackend {
        PostgresBackend(host: "127.0.0.1", port: port, username: Self.user, database: Self.database, nodeID: node,
                        syncInterval: syncInterval, operationTimeout: operationTimeout)
    }
}

/// Three `serve` nodes (in-process applications on live ports) sharing one REAL PostgreSQL
/// cluster (a throwaway `initdb`): a shared limit, usage summed over nodes, and a database
/// outage that no request notices. Time: one manual clock for all three nodes, held inside one
/// window while the nodes sync every 100 ms of real time: a full 60-second window of decisions
/// runs in a few real seconds, and the window cannot roll over mid-measurement.
final class ScaleOutTests: ServerTestCase {
    static let nodes = 3
    static let syncInterval = Duration.milliseconds(100)

    func configuration(_ cluster: PostgresCluster, node: Int, clock: ManualClock) -> ServerConfiguration {
        var configuration = fixture.configuration(clock: clock, logs: logs)
        configuration.backend = cluster.backend(node: "node-\(node)", syncInterval: Self.syncInterval)
        return configuration
    }

    /// Waits until `condition` holds, polling every 50 ms, for at most `timeout`.
    static func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// How long after PostgreSQL is back a node has written what waited (docs/scale-out.md,
    /// "Reconnection"): the pool's next connection attempt (its back-off grows by 1.25× from
    /// 100 ms, so it is at most a quarter of the time spent failing, plus 3% jitter, and never
    /// over 60 s), then at most one attempt abandoned at the store's deadline (2 s) and one flush
    /// interval (100 ms) before the retry, and a margin of 5 s for two shared cores. The G-counters
    /// follow within the sync's back-off cap (8 × 100 ms).
    static func catchUpBound(outage: Duration) -> Duration {
        let backoff = min(outage * 0.26 + .milliseconds(100), .seconds(60))
        return backoff + .seconds(2) + .milliseconds(100) + .milliseconds(800) + .seconds(5)
    }

    func testThreeNodesShareOneLimitAndUsageAndSurviveAnOutage() async throws {
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        let f = fixture!
        let clock = ManualClock(ServerFixture.now + 1)  // one second into a window
        let builds = try (0..<Self.nodes).map { try buildApplication(configuration: configuration(cluster, node: $0, clock: clock)) }
        let components = builds.map(\.1)
        let keyID = f.id("valid")  // 600 per minute
        let key = [("X-API-Key", f.keys["valid"]!)]

        try await builds[0].0.test(.live) { first in
            try await builds[1].0.test(.live) { second in
                try await builds[2].0.test(.live) { third in
                    let clients: [any TestClientProtocol] = [first, second, third]
                    try await Self.eventually("every node to reach the backend") {
                        components.allSatisfy { $0.metrics.value(of: "keysync_backend_up") == 1 }
                    }
                    XCTAssertEqual(try cluster.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM keysync_schema"), "1,2",
                                   "three nodes starting at once applied the migration once")

                    // 1. Hammer round-robin, paced, until no node has allowed anything for 5 sync intervals.
                    var allowedPerNode = [Int](repeating: 0, count: Self.nodes)
                    var sentPerNode = [Int](repeating: 0, count: Self.nodes)
                    let started = ContinuousClock.now
                    var lastAllowed = ContinuousClock.now
                    while ContinuousClock.now - lastAllowed < Self.syncInterval * 5 {
                        for _ in 0..<10 {
                            for node in 0..<Self.nodes {
                                let answer = try await clients[node].send("/v1/authz", headers: key)
                                XCTAssertTrue([200, 429].contains(answer.status), "node \(node): \(answer.status)")
                                sentPerNode[node] += 1
                                if answer.status == 200 {
                                    allowedPerNode[node] += 1
                                    lastAllowed = ContinuousClock.now
                                }
                            }
                        }
                        try await Task.sleep(for: .milliseconds(20))
                        XCTAssertLessThan(ContinuousClock.now - started, .seconds(60), "the nodes never converged")
                        if ContinuousClock.now - started > .seconds(60) { break }
                    }
                    let seconds = Double((lastAllowed - started).components.seconds)
                        + Double((lastAllowed - started).components.attoseconds) / 1e18
                    let allowed = allowedPerNode.reduce(0, +)
                    // The bound of docs/scale-out.md: limit + (N − 1) × (r × L + θ × limit), with r
                    // the requests per second each node received, L = 3 sync intervals (two for
                    // the publish/read path, one of slack for the round trips), θ = 10%.
                    let perNodeRate = Double(sentPerNode.max()!) / max(seconds, 0.001)
                    let lag = 3 * 0.1
                    let bound = 600 + Int((Double(Self.nodes - 1) * (perNodeRate * lag + 0.1 * 600)).rounded(.up))
                    FileHandle.standardError.write(Data(("scale-out: allowed \(allowed) of limit 600 over \(Self.nodes) nodes \(allowedPerNode), "
                          + "\(Int(perNodeRate)) req/s per node for \(String(format: "%.2f", seconds)) s; bound \(bound)\n").utf8))
                    XCTAssertGreaterThanOrEqual(allowed, 600)
                    XCTAssertLessThanOrEqual(allowed, bound)
                    XCTAssertTrue(allowedPerNode.allSatisfy { $0 > 0 }, "\(allowedPerNode)")

                    // 2. Usage summed over the nodes equals what the clients saw allowed, per node too.
                    try await Self.eventually("the usage of phase 1 in PostgreSQL") {
                        try cluster.psql("SELECT coalesce(sum(count), 0) FROM keysync_key_usage WHERE key_id = '\(keyID)' AND outcome = 'VALID'") == "\(allowed)"
                    }
                    let perNode = try cluster.psql("""
                        SELECT string_agg(node || '=' || n, ',' ORDER BY node) FROM
                        (SELECT node, count(*) AS n FROM keysync_requests WHERE key_id = '\(keyID)' AND outcome = 'VALID' GROUP BY node) AS t
                        """)
                    XCTAssertEqual(perNode, (0..<Self.nodes).map { "node-\($0)=\(allowedPerNode[$0])" }.joined(separator: ","))
                    let window = RateLimiter.windowIndex(of: clock.now)
                    try await Self.eventually("the G-counters of phase 1") {
                        try cluster.psql("SELECT coalesce(sum(count), 0) FROM keysync_window_counts WHERE key_id = '\(keyID)' AND window_index = \(window)") == "\(allowed)"
                    }

                    // 3. PostgreSQL goes away: every node keeps answering, promptly, and counts the failures.
                    try cluster.stop()
                    let outageStarted = ContinuousClock.now
                    clock.advance(120)  // a fresh window: the key has its whole limit again
                    var outage = 0
                    for round in 0..<100 {
                        for node in 0..<Self.nodes {
                            let asked = ContinuousClock.now
                            let answer = try await clients[node].send("/v1/authz", headers: key)
                            XCTAssertEqual(answer.status, 200, "node \(node), round \(round), backend down")
                            XCTAssertLessThan(ContinuousClock.now - asked, .milliseconds(500), "a request waited for the database")
                            if answer.status == 200 { outage += 1 }
                        }
                        if round % 10 == 0 { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    try await Self.eventually("the failures to be counted") {
                        components.allSatisfy {
                            ($0.metrics.value(of: "keysync_limit_sync_failures_total") ?? 0) > 0
                                && ($0.metrics.value(of: "keysync_usage_flush_failures_total") ?? 0) > 0
                                && $0.metrics.value(of: "keysync_backend_up") == 0
                        }
                    }
                    XCTAssertTrue(components.allSatisfy { $0.recorder.pendingCount > 0 && $0.recorder.uncountedRequests > 0 },
                                  "the outage's usage waits in memory")

                    // 4. PostgreSQL is back: the nodes reconnect and catch up (usage and G-counters).
                    try cluster.start()
                    let catchUp = Self.catchUpBound(outage: ContinuousClock.now - outageStarted)
                    try await Self.eventually("the usage to catch up after the restart", timeout: catchUp) {
                        try cluster.psql("SELECT coalesce(sum(count), 0) FROM keysync_key_usage WHERE key_id = '\(keyID)' AND outcome = 'VALID'") == "\(allowed + outage)"
                    }
                    try await Self.eventually("the G-counters to catch up after the restart", timeout: catchUp) {
                        try cluster.psql("SELECT coalesce(sum(count), 0) FROM keysync_window_counts WHERE key_id = '\(keyID)' AND window_index = \(window + 2)") == "\(outage)"
                    }
                    XCTAssertTrue(components.allSatisfy { $0.recorder.droppedCount == 0 })
                    let requestRows = try cluster.psql("SELECT count(*) FROM keysync_requests WHERE key_id = '\(keyID)'")
                    XCTAssertEqual(requestRows, "\(sentPerNode.reduce(0, +) + outage)", "every decision is in the request log once")
                }
            }
        }
        // No raw key anywhere in the database.
        let dump = try cluster.psql("""
            SELECT concat_ws(' ', (SELECT string_agg(concat_ws(' ', key_id, outcome), ' ') FROM keysync_key_usage),
                (SELECT string_agg(concat_ws(' ', key_id, outcome, method, path, client, node), ' ') FROM keysync_requests),
                (SELECT string_agg(concat_ws(' ', key_id, node), ' ') FROM keysync_window_counts))
            """)
        XCTAssertGreaterThan(dump.count, 1000)
        XCTAssertEqual(f.leakedKeys(in: dump), [])
        XCTAssertEqual(f.leakedKeys(in: logs.all.joined(separator: "\n")), [])
    }

    /// A node publishes only the counts that grew, but a crash of PostgreSQL empties the
    /// UNLOGGED G-counter table: the failed syncs during the outage make the node publish
    /// everything again, so a key's count reappears without any new request of that key.
    func testACrashThatEmptiesTheSharedCountsIsRefilled() async throws {
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        let f = fixture!
        let clock = ManualClock(ServerFixture.now + 1)  // held in one window: no new-minute publish
        var configuration = fixture.configuration(clock: clock, logs: logs)
        configuration.backend = cluster.backend(node: "crash", syncInterval: Self.syncInterval, operationTimeout: .milliseconds(500))
        let (app, components) = try buildApplication(configuration: configuration)
        let keyID = f.id("valid")
        let window = RateLimiter.windowIndex(of: clock.now)
        let row = "SELECT coalesce(sum(count), 0) FROM keysync_window_counts WHERE key_id = '\(keyID)' AND window_index = \(window)"
        try await app.test(.live) { client in
            try await Self.eventually("the node to reach the backend") { components.metrics.value(of: "keysync_backend_up") == 1 }
            for _ in 0..<100 {
                let answer = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
                XCTAssertEqual(answer.status, 200)
            }
            try await Self.eventually("the count to be published") { try cluster.psql(row) == "100" }
            let syncs = components.metrics.value(of: "keysync_limit_syncs_total") ?? 0
            try await Self.eventually("more syncs with nothing new") {
                (components.metrics.value(of: "keysync_limit_syncs_total") ?? 0) >= syncs + 3
            }
            try cluster.crash()
            try await Self.eventually("the outage to be noticed") {
                (components.metrics.value(of: "keysync_limit_sync_failures_total") ?? 0) > 0
            }
            try cluster.start()
            try await Self.eventually("the count to be published again") { try cluster.psql(row) == "100" }
        }
    }

    /// A database that accepts connections and never answers (every PostgreSQL process
    /// stopped): requests are still answered at once, the syncs and flushes time out and are
    /// counted, and once it answers again the node catches up: the counts exactly, the request
    /// log (a buffer of 16 here) up to its bound, its drops counted.
    func testASlowDatabaseHoldsUpNoRequest() async throws {
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        let f = fixture!
        let clock = ManualClock(ServerFixture.now + 1)
        var configuration = fixture.configuration(clock: clock, logs: logs)
        configuration.backend = cluster.backend(node: "slow", syncInterval: Self.syncInterval, operationTimeout: .milliseconds(500))
        configuration.usageBufferCapacity = 16
        let (app, components) = try buildApplication(configuration: configuration)
        let keyID = f.id("valid")
        let captured = logs
        try await app.test(.live) { client in
            try await Self.eventually("the node to reach the backend") { components.metrics.value(of: "keysync_backend_up") == 1 }
            try cluster.freeze(true)
            var answered = 0
            for _ in 0..<50 {
                let asked = ContinuousClock.now
                let answer = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
                XCTAssertEqual(answer.status, 200)
                XCTAssertLessThan(ContinuousClock.now - asked, .milliseconds(250), "a request waited for the database")
                answered += 1
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Self.eventually("the timeouts to be counted") {
                (components.metrics.value(of: "keysync_limit_sync_failures_total") ?? 0) > 0
                    && (components.metrics.value(of: "keysync_usage_flush_failures_total") ?? 0) > 0
            }
            // Frozen for several deadlines: the batch sent into the silent connection is given up
            // and retried (the retry waits too) while the requests go on.
            for _ in 0..<20 {
                _ = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
                answered += 1
                try await Task.sleep(for: .milliseconds(100))
            }
            XCTAssertGreaterThanOrEqual(components.metrics.value(of: "keysync_usage_flush_failures_total") ?? 0, 2,
                                        "the recorder kept trying past the deadline of the frozen write")
            try cluster.freeze(false)
            // Thawed, the frozen transaction may still commit beside its retry: the batch id
            // makes one of them a no-op, so the counts are exact, not at-least-once.
            let thawed = ContinuousClock.now
            try await Self.eventually("the usage to be written after the stall", timeout: .seconds(10)) {
                try cluster.psql("SELECT coalesce(sum(count), 0) FROM keysync_key_usage WHERE key_id = '\(keyID)'") == "\(answered)"
            }
            XCTAssertLessThan(ContinuousClock.now - thawed, .seconds(10))
            try await Task.sleep(for: .seconds(1))  // a late commit of the frozen attempt would show now
            XCTAssertEqual(try cluster.psql("SELECT coalesce(sum(count), 0) FROM keysync_key_usage WHERE key_id = '\(keyID)'"), "\(answered)")
            let dropped = components.recorder.droppedCount
            XCTAssertGreaterThan(dropped, 0, "the log buffer overflowed while the database was frozen")
            XCTAssertEqual(components.metrics.value(of: "keysync_usage_events_dropped_total").map { Int($0) }, dropped)
            XCTAssertEqual(try cluster.psql("SELECT count(*) FROM keysync_requests WHERE key_id = '\(keyID)'"), "\(answered - dropped)",
                           "every entry the log kept is in the request log once")
            let skipped = captured.all.filter { $0.contains("usage batch already written") }.count
            let unconfirmed = captured.all.filter { $0.contains("usage batch not confirmed") }.count
            FileHandle.standardError.write(Data("slow database: \(unconfirmed) attempts given up, \(skipped) retries found their batch already written\n".utf8))
            try await Self.eventually("the sync to recover") { components.metrics.value(of: "keysync_backend_up") == 1 }
        }
    }
}

