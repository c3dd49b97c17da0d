import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// The usage store in PostgreSQL, shared by every node: the same two tables as the SQLite
/// store (`keysync_key_usage`, `keysync_requests`, the latter with the writing node), written
/// one batch per transaction: the batch id, the counts as one upsert with array parameters,
/// and the log with COPY (three statements per batch, whatever its size).
public final class PostgresUsageStore: UsageStore {
    let client: PostgresClient
    let nodeID: String
    let logger: Logger
    /// Whether this process has created or migrated the schema (`serve` only; the read-only
    /// commands never migrate).
    private let migrates: Bool
    private let schemaReady = NIOLockedValueBox(false)

    /// `client` must be running (a `Service` of the application, or `withStore`). `migrates`:
    /// the first write (or `ensureSchema`) creates or migrates the schema.
    public init(client: PostgresClient, nodeID: String, logger: Logger, migrates: Bool = true) {
        self.client = client
        self.nodeID = nodeID
        self.logger = logger
        self.migrates = migrates
    }

    /// Creates or migrates the schema once per process (see `PostgresSchema.migrate`); returns
    /// the versions applied (empty when it was current or was already checked).
    @discardableResult
    public func ensureSchema() async throws -> [Int] {
        guard migrates, !schemaReady.withLockedValue({ $0 }) else { return [] }
        let applied = try await PostgresSchema.migrate(client, logger: logger)
        schemaReady.withLockedValue { $0 = true }
        return applied
    }

    public func record(_ batch: UsageBatch) async throws {
        try await record(batch, batchID: UUID())
    }

    /// One transaction: claims `batchID` in `keysync_usage_batches` first; when another
    /// attempt of the same batch already committed it, writes nothing (when that attempt is
    /// still open, PostgreSQL makes this one wait for its outcome on the primary key). Then
    /// one multi-row upsert of the counts (sorted by key and outcome, so concurrent batches of
    /// several nodes lock the same rows in the same order) and one COPY of the log.
    public func record(_ batch: UsageBatch, batchID: UUID) async throws {
        guard !batch.isEmpty else { return }
        try await ensureSchema()
        let counts = batch.counts, log = batch.log
        let keyIDs = counts.map(\.keyID), outcomes = counts.map(\.outcome.rawValue)
        let amounts = counts.map { Int64($0.requests) }, lasts = counts.map(\.last.timeIntervalSince1970)
        let node = nodeID
        let batchTime = batch.latest.timeIntervalSince1970
        try await client.withTransaction(logger: logger) { connection in
            let claimed = try await connection.query("""
                INSERT INTO keysync_usage_batches (id, node, at) VALUES (\(batchID), \(node), \(batchTime))
                ON CONFLICT (id) DO NOTHING RETURNING 1
                """, logger: logger)
            var isNew = false
            for try await _ in claimed.decode(Int32.self) { isNew = true }
            guard isNew else {
                self.logger.info("usage batch already written; not counted again", metadata: [
                    "requests": "\(batch.requests)", "events": "\(log.count)"])
                return
            }
            if !counts.isEmpty {
                try await connection.query("""
                    INSERT INTO keysync_key_usage (key_id, outcome, count, last_at)
                    SELECT * FROM unnest(\(keyIDs)::text[], \(outcomes)::text[], \(amounts)::bigint[], \(lasts)::float8[])
                    ON CONFLICT (key_id, outcome) DO UPDATE SET
                        count = keysync_key_usage.count + excluded.count,
                        last_at = greatest(keysync_key_usage.last_at, excluded.last_at)
                    """, logger: logger)
            }
            try await RequestLogCopy.write(log, node: node, on: connection, logger: self.logger)
        }
    }

    public func prune(before cutoff: Date) async throws -> Int {
        try await ensureSchema()
        let rows = try await client.query("""
            WITH removed AS (DELETE FROM keysync_requests WHERE at < \(cutoff.timeIntervalSince1970) RETURNING 1),
                 batches AS (DELETE FROM keysync_usage_batches WHERE at < \(cutoff.timeIntervalSince1970))
            SELECT count(*)::bigint FROM removed
            """, logger: logger)
        var removed = 0
        for try await count in rows.decode(Int64.self) { removed = Int(count) }
        return removed
    }

    public func usage() async throws -> [KeyUsage] {
        let rows = try await client.query(
            "SELECT key_id, outcome, count, last_at FROM keysync_key_usage ORDER BY key_id, outcome", logger: logger)
        var byKey: [String: KeyUsage] = [:]
        var order: [String] = []
        for try await (keyID, outcomeText, count, last) in rows.decode((String, String, Int64, Double).self) {
            guard let outcome = DecisionCode(rawValue: outcomeText) else { continue }
            let lastUsed = Date(timeIntervalSince1970: last)
            if byKey[keyID] == nil {
                byKey[keyID] = KeyUsage(keyID: keyID, requests: [:], lastUsed: nil)
                order.append(keyID)
            }
            byKey[keyID]!.requests[outcome, default: 0] += Int(count)
            byKey[keyID]!.lastUsed = max(byKey[keyID]!.lastUsed ?? lastUsed, lastUsed)
        }
        return order.compactMap { byKey[$0] }
    }

    public func requests(keyID: String, since: Date?, limit: Int) async throws -> [UsageEvent] {
        let cutoff = since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude
        let rows = try await client.query("""
            SELECT at, key_id, outcome, method, path, client FROM keysync_requests
            WHERE key_id = \(keyID) AND at >= \(cutoff) ORDER BY at DESC, id DESC LIMIT \(Int64(limit))
            """, logger: logger)
        var events: [UsageEvent] = []
        for try await (at, key, outcomeText, method, path, client) in rows.decode((Double, String?, String, String, String, String).self) {
            // Only keysync writes outcomes; a code it does not know is skipped, not guessed.
            guard let outcome = DecisionCode(rawValue: outcomeText) else { continue }
            events.append(UsageEvent(time: Date(timeIntervalSince1970: at), keyID: key, outcome: outcome,
                                     method: method, path: path, client: client))
        }
        return events.reversed()
    }

    /// Runs `body` with a store on a client that runs only for its duration (the `usage` and
    /// `requests` commands). Does not migrate: a database `serve` never used is an error. When
    /// the database does not answer in time, the error is the reason one connection gives (a
    /// refused certificate, a refused login), when there is one.
    public static func withStore<T: Sendable>(
        _ backend: PostgresBackend, logger: Logger, _ body: @escaping @Sendable (PostgresUsageStore) async throws -> T
    ) async throws -> T {
        let client = try backend.makeClient(logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            let store = PostgresUsageStore(client: client, nodeID: backend.nodeID, logger: logger, migrates: false)
            do {
                return try await withDeadline(backend.operationTimeout) { try await body(store) }
            } catch let timeout as DatabaseTimeout {
                // The pool retries a failing connection quietly: ask one connection why.
                try await backend.probe(logger: logger)
                throw timeout
            }
        }
    }
}

/// The shared rate-limit counts: one G-counter per key, window and node, in the UNLOGGED
/// table `keysync_window_counts`. A node only ever raises its own rows (`greatest`), so
/// repeating a publish, or publishing out of order, is harmless.
struct PostgresWindowCounts: Sendable {
    let client: PostgresClient
    let nodeID: String
    let logger: Logger

    /// Upserts this node's counts in one statement.
    func publish(_ counts: [RateLimiter.WindowCount]) async throws {
        guard !counts.isEmpty else { return }
        let sorted = counts.sorted { ($0.keyID, $0.windowIndex) < ($1.keyID, $1.windowIndex) }
        let keys = sorted.map(\.keyID), windows = sorted.map(\.windowIndex), amounts = sorted.map { Int64($0.count) }
        try await client.query("""
            INSERT INTO keysync_window_counts (key_id, window_index, node, count)
            SELECT t.key_id, t.window_index, \(nodeID), t.count
            FROM unnest(\(keys)::text[], \(windows)::bigint[], \(amounts)::bigint[]) AS t(key_id, window_index, count)
            ON CONFLICT (key_id, window_index, node) DO UPDATE SET
                count = greatest(keysync_window_counts.count, excluded.count)
            """, logger: logger)
    }

    /// Per key and window from `firstWindow` on: the other nodes' sum and this node's own count;
    /// `ownOnlyWhereShared`: only the keys and windows another node counted (this node's own
    /// rows alone tell it nothing it does not hold in memory).
    func read(from firstWindow: Int64, ownOnlyWhereShared: Bool = false) async throws -> [(remote: RateLimiter.WindowCount, own: Int)] {
        let rows = try await client.query("""
            SELECT key_id, window_index,
                   coalesce(sum(count) FILTER (WHERE node <> \(nodeID)), 0)::bigint,
                   coalesce(max(count) FILTER (WHERE node = \(nodeID)), 0)::bigint
            FROM keysync_window_counts WHERE window_index >= \(firstWindow)
            GROUP BY key_id, window_index
            HAVING NOT \(ownOnlyWhereShared) OR bool_or(node <> \(nodeID))
            """, logger: logger)
        var counts: [(remote: RateLimiter.WindowCount, own: Int)] = []
        for try await (key, window, remote, own) in rows.decode((String, Int64, Int64, Int64).self) {
            counts.append((RateLimiter.WindowCount(keyID: key, windowIndex: window, count: Int(remote)), Int(own)))
        }
        return counts
    }

    /// Deletes this node's rows of windows before `firstWindow` (each node cleans its own, so
    /// nodes never contend on the delete).
    func expire(before firstWindow: Int64) async throws {
        try await client.query(
            "DELETE FROM keysync_window_counts WHERE node = \(nodeID) AND window_index < \(firstWindow)", logger: logger)
    }
}
