import Foundation
import KeysyncServer
import Logging
import PostgresNIO
import TestSupport
import XCTest

/// The request log written to a REAL PostgreSQL (a throwaway cluster) with COPY: every field
/// comes back as it was recorded, whatever characters COPY's text format gives a meaning to,
/// an unknown key is stored as NULL, a batch larger than one COPY chunk is written whole, and
/// a retried batch id adds nothing.
final class PostgresRequestLogTests: XCTestCase {
    func testTheRequestLogRoundTripsEveryCharacterAndLargeBatches() async throws {
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        var logger = Logger(label: "request-log-test")
        logger.logLevel = .critical
        let backend = PostgresBackend(host: "127.0.0.1", port: cluster.port, username: PostgresCluster.user,
                                      database: PostgresCluster.database, nodeID: "node\tone\\n")
        let client = try backend.makeClient(logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let store = PostgresUsageStore(client: client, nodeID: backend.nodeID, logger: logger)
            let key = "key_abcdefghijklmnopqrst"
            let start = Date(timeIntervalSince1970: 1_764_676_000.125)
            let awkward = ["/tab\there", "/line\nbreak", "/carriage\rreturn", "/back\\slash", "\\N", "\\.", "/ünïcødé ✓",
                           "/nul\u{0}byte", "", " spaced "]
            var events = awkward.enumerated().map { index, path in
                UsageEvent(time: start.addingTimeInterval(Double(index) * 0.001), keyID: key, outcome: .valid,
                           method: index == 0 ? "GE\tT" : "GET", path: path, client: "10.0.0.\(index)\\x")
            }
            events.append(UsageEvent(time: start.addingTimeInterval(1), keyID: nil, outcome: .invalidAPIKey,
                                     method: "GET", path: "/unknown", client: "10.0.0.99"))
            // Beyond one 256 KiB COPY chunk: ~40 bytes of path each.
            let bulk = (0..<20_000).map { index in
                UsageEvent(time: start.addingTimeInterval(2 + Double(index) * 0.0001), keyID: key, outcome: .rateLimited,
                           method: "POST", path: "/bulk/\(index)/" + String(repeating: "x", count: 32), client: "10.1.0.1")
            }
            let batch = UsageBatch(events: events + bulk)
            let id = UUID()
            try await store.record(batch, batchID: id)
            try await store.record(batch, batchID: id)  // a retry of the same batch: written once

            let read = try await store.requests(keyID: key, since: nil, limit: 100_000)
            XCTAssertEqual(read.count, awkward.count + bulk.count)
            // The store keeps Unix seconds, which a `Date` holds from 2001: read back, a time is
            // `Date(timeIntervalSince1970:)` of exactly the Unix seconds recorded.
            let expected = (events.dropLast() + bulk).map { event -> UsageEvent in
                var event = event
                event.path = event.path.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
                event.time = Date(timeIntervalSince1970: event.time.timeIntervalSince1970)
                return event
            }
            // Fields, times and order as recorded (a NUL becomes U+FFFD); the first difference only.
            if let index = read.indices.first(where: { $0 < expected.count && read[$0] != expected[$0] }) {
                XCTFail("entry \(index): read \(read[index]), recorded \(expected[index]) (times \(read[index].time.timeIntervalSince1970), \(expected[index].time.timeIntervalSince1970))")
            }
            let usage = try await store.usage()
            XCTAssertEqual(usage.first { $0.keyID == key }?.requests, [.valid: awkward.count, .rateLimited: bulk.count])
            XCTAssertEqual(try cluster.psql("SELECT count(*) FROM keysync_requests WHERE key_id IS NULL AND path = '/unknown'"), "1")
            XCTAssertEqual(try cluster.psql("SELECT count(DISTINCT node) || ':' || min(node) FROM keysync_requests"), "1:node\tone\\n")
        }
    }
}
