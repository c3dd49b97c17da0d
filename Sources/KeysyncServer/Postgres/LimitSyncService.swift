import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// Shares this node's rate-limit counts with the other nodes through PostgreSQL. At start it
/// creates or migrates the schema (retrying with backoff while the database is unreachable);
/// then every `syncInterval` it publishes its own counts of the busy keys (one upsert) and
/// reads back the other nodes' sums (one query), which the limiter adds to its local counts.
/// Requests never wait for any of this: while the database is down, limits are decided on what
/// was last read plus local counts, failures are counted, and the next successful sync
/// catches up (the counts are cumulative, so nothing has to be replayed).
///
/// What a sync sends and reads is kept small, since its cost is paid on the node's cores and
/// the database's: only the counts that grew since the last publish are sent (a G-counter row
/// that did not change needs no upsert; everything is sent again after a failure and at each
/// new window, so a database that lost its unlogged table is refilled), and after the first
/// successful read only the keys that other nodes counted are read back (this node's own rows
/// matter only after a restart, when its memory is empty; with gateway affinity a key has one
/// node and nothing is read).
public final class LimitSyncService: Service, Sendable {
    private let counts: PostgresWindowCounts
    private let store: PostgresUsageStore
    private let backend: PostgresBackend
    private let limiter: RateLimiter
    private let clock: ServerClock
    private let metrics: ServerMetrics
    private let logger: Logger
    private let exchange = NIOLockedValueBox(Exchange())

    /// What the syncs so far leave for the next one.
    private struct Exchange {
        struct Slot: Hashable {
            var keyID: String
            var windowIndex: Int64
        }
        /// The counts last confirmed published, per key and window (current and previous).
        var published: [Slot: Int] = [:]
        /// The window of the last publish: a new one sends everything once.
        var window: Int64 = .min
        /// Whether a read with this node's own rows has succeeded (after a restart, the
        /// store remembers what the memory forgot).
        var ownRead = false
    }

    init(client: PostgresClient, store: PostgresUsageStore, backend: PostgresBackend, limiter: RateLimiter,
         clock: ServerClock, metrics: ServerMetrics, logger: Logger) {
        self.store = store
        var logger = logger
        logger[metadataKey: "component"] = "limit-sync"
        self.counts = PostgresWindowCounts(client: client, nodeID: backend.nodeID, logger: logger)
        self.backend = backend
        self.limiter = limiter
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    /// The wait after `failures` failures in a row: the interval, doubled per failure up to
    /// eight intervals (at most 30 s).
    static func delay(interval: Duration, failures: Int) -> Duration {
        guard failures > 0 else { return interval }
        let cap = max(interval, min(.seconds(30), interval * 8))
        return min(cap, interval * (1 << min(failures, 10)))
    }

    /// One exchange: publish what grew, read, merge (and, once a minute, delete this node's
    /// expired rows). A failure forgets what was published, so the next sync sends everything.
    public func sync() async throws {
        let now = clock.now()
        let window = RateLimiter.windowIndex(of: now)
        let local = limiter.localCounts(now: now, share: backend.syncShare)
        let (known, ownRead) = exchange.withLockedValue { exchange in
            (exchange.window == window ? exchange.published : [:], exchange.ownRead)
        }
        let grown = local.filter { known[Exchange.Slot(keyID: $0.keyID, windowIndex: $0.windowIndex)] != $0.count }
        do {
            try await withDeadline(backend.operationTimeout) { [counts] in try await counts.publish(grown) }
            exchange.withLockedValue { exchange in
                var published: [Exchange.Slot: Int] = [:]
                published.reserveCapacity(local.count)
                for count in local { published[Exchange.Slot(keyID: count.keyID, windowIndex: count.windowIndex)] = count.count }
                exchange.published = published
                exchange.window = window
            }
            let read = try await withDeadline(backend.operationTimeout) { [counts] in
                try await counts.read(from: window - 1, ownOnlyWhereShared: ownRead)
            }
            for row in read { limiter.merge(row.remote, own: row.own, now: now) }
            exchange.withLockedValue { $0.ownRead = true }
        } catch {
            exchange.withLockedValue { $0.published = [:] }
            throw error
        }
    }

    public func run() async throws {
        var failures = 0
        var migrated = false
        var lastExpiry = Int64.min
        while true {
            do {
                if !migrated {
                    let applied = try await withDeadline(backend.operationTimeout * 2) { [store] in
                        try await store.ensureSchema()
                    }
                    migrated = true
                    logger.info("backend schema ready", metadata: [
                        "backend": "\(backend.displayURL)", "applied": "\(applied)", "node": "\(backend.nodeID)"])
                }
                try await sync()
                let window = RateLimiter.windowIndex(of: clock.now())
                if window > lastExpiry {
                    try await withDeadline(backend.operationTimeout) { [counts] in try await counts.expire(before: window - 2) }
                    lastExpiry = window
                }
                if failures > 0 { logger.info("backend reachable again", metadata: ["after_failures": "\(failures)"]) }
                failures = 0
                metrics.limitSyncs.increment()
                metrics.backendUp.set(Double(1))
            } catch {
                failures += 1
                metrics.limitSyncFailures.increment()
                metrics.backendUp.set(Double(0))
                // One line when the trouble starts, then one every 16 failures: no log flood.
                if failures == 1 || failures % 16 == 0 {
                    logger.error("backend sync failed; limits decided on local counts", metadata: [
                        "failures": "\(failures)", "error": "\(describeDatabaseError(error))"])
                }
            }
            do {
                let wait = Self.delay(interval: backend.syncInterval, failures: failures)
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                if Task.isCancelled { return }
            } catch {
                return
            }
        }
    }
}

/// A database error for a log line: PostgreSQL's code and message, never the query's bound
/// values (PSQLError's own description is deliberately generic).
public func describeDatabaseError(_ error: any Error) -> String {
    if let error = error as? PSQLError {
        var text = "\(error.code)"
        if let message = error.serverInfo?[.message] { text += ": \(message)" }
        if let underlying = error.underlying { text += " (\(underlying))" }
        return text
    }
    if let error = error as? PostgresTransactionError {
        return [error.beginError, error.closureError, error.commitError].compactMap { $0 }.map(describeDatabaseError).joined(separator: "; ")
    }
    return "\(error)"
}
