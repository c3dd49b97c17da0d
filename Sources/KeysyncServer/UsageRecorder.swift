import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Between the request path and the usage store, two records with two promises:
/// - **counts** (requests per key and outcome, last used) are exact: `add` adds the request to
///   an in-memory tally under one of `stripes` locks (picked by key, so requests of different
///   keys rarely contend); the tally grows with the keys, not the requests, and nothing is
///   ever dropped from it;
/// - the **request log** is best-effort: a bounded buffer of `capacity` entries (a batch being
///   written or retried included); beyond it, entries are dropped and counted.
/// The `run()` of this `Service` flushes both every `flushInterval` as one batch (counts for
/// the keys used since the last flush, one row per key and outcome, and the log entries),
/// prunes the request log once an hour, and flushes one last time on graceful shutdown.
public final class UsageRecorder: Service, Sendable {
    /// A batch with the id the store uses to write it at most once (see `UsageStore`).
    struct Batch: Sendable {
        var id = UUID()
        var usage: UsageBatch
    }
    /// What waits to be written: the batches whose outcome was not learned (refused, or not
    /// answered by their deadline), each retried as it is with its id; the log entries that
    /// came after; and how many entries are in batches being written now (all count toward
    /// `capacity`).
    private struct Waiting {
        /// Changed only through `keep` and `takeUnconfirmed`, which keep `unconfirmedEntries` its sum.
        private(set) var unconfirmed: [Batch] = []
        var log: [UsageEvent] = []
        var writing = 0
        var writingRequests = 0
        /// The log entries in `unconfirmed`, kept as they change: `count` is read by every
        /// request under this lock, so it must not walk the batches.
        private(set) var unconfirmedEntries = 0
        var count: Int { log.count + writing + unconfirmedEntries }
        var unconfirmedRequests: Int { writingRequests + unconfirmed.reduce(0) { $0 + $1.usage.requests } }

        mutating func keep(_ batch: Batch) {
            unconfirmed.append(batch)
            unconfirmedEntries += batch.usage.log.count
        }

        mutating func takeUnconfirmed() -> Batch? {
            guard !unconfirmed.isEmpty else { return nil }
            let batch = unconfirmed.removeFirst()
            unconfirmedEntries -= batch.usage.log.count
            return batch
        }
    }
    private static let stripes = 16
    private let tallies: [NIOLockedValueBox<UsageTally>] = (0..<UsageRecorder.stripes).map { _ in NIOLockedValueBox(UsageTally()) }
    private let waiting = NIOLockedValueBox(Waiting())
    private let capacity: Int
    private let store: any UsageStore
    private let flushInterval: Duration
    private let retention: TimeInterval
    private let clock: ServerClock
    private let metrics: ServerMetrics
    private let logger: Logger
    private let dropped = NIOLockedValueBox<Int>(0)
    private let writeTimeout: Duration

    /// `capacity`: request-log entries waiting at most (the counts have no bound but the keys).
    init(store: any UsageStore, capacity: Int, flushInterval: Duration, retention: TimeInterval,
         clock: ServerClock, metrics: ServerMetrics, logger: Logger, writeTimeout: Duration = .seconds(30)) {
        self.writeTimeout = writeTimeout
        self.store = store
        self.capacity = max(1, capacity)
        self.flushInterval = flushInterval
        self.retention = retention
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    /// Counts the request (always) and queues its log entry; `false` (and counted) when the
    /// request-log buffer is full.
    @discardableResult
    func add(_ event: UsageEvent) -> Bool {
        if let keyID = event.keyID {
            var hasher = Hasher()
            hasher.combine(keyID)
            tallies[Int(UInt(bitPattern: hasher.finalize()) % UInt(Self.stripes))].withLockedValue { $0.add(event) }
        }
        let accepted = waiting.withLockedValue { waiting in
            guard waiting.count < capacity else { return false }
            waiting.log.append(event)
            return true
        }
        if !accepted {
            dropped.withLockedValue { $0 += 1 }
            metrics.usageEventsDropped.increment()
        }
        return accepted
    }

    /// Request-log entries dropped so far because the buffer was full (counts never are).
    public var droppedCount: Int { dropped.withLockedValue { $0 } }

    /// Writes everything waiting now: first the unconfirmed batches, if any, then the counts
    /// added up and the log entries that came after them as a new batch. Each write has a
    /// deadline (`writeTimeout`); past it the recorder stops waiting (the write is cancelled,
    /// and may still commit if the store ignores the cancellation) and keeps the batch, with
    /// its id, for the next flush. The store writes a batch id once, so a retry never counts a
    /// batch twice, and a database that never answers only delays the writes: it cannot stop
    /// them once it answers again. While a kept batch is refused, no new batch is cut: the
    /// counts keep adding up in memory (one entry per key and outcome).
    public func flush() async {
        // Each batch is taken under the lock, so two flushes at once never send the same one.
        while let retry = waiting.withLockedValue({ waiting -> Batch? in
            guard let batch = waiting.takeUnconfirmed() else { return nil }
            waiting.writing += batch.usage.log.count
            waiting.writingRequests += batch.usage.requests
            return batch
        }) {
            guard await write(retry) else { return }
        }
        // A request added between the two takes may have its log entry in this batch and its
        // count in the next: both are written, each once.
        // Each lock is held only for swaps: the request path takes these locks, so anything
        // proportional to the batch (sorting the counts, building the next tally's table) is
        // done outside them, and the next tally starts at the size of the last one, so the
        // requests that fill it never pay for its table growing.
        var counts: [UsageCount] = []
        for stripe in tallies {
            var tally = UsageTally(reservingCapacity: stripe.withLockedValue { $0.slotCount })
            stripe.withLockedValue { swap(&$0, &tally) }
            counts += tally.counts
        }
        var batch = Batch(usage: UsageBatch(counts: counts, log: []))
        let requests = batch.usage.requests
        batch.usage.log.reserveCapacity(waiting.withLockedValue { $0.log.count })
        waiting.withLockedValue { waiting in
            swap(&batch.usage.log, &waiting.log)  // the log taken; the buffer left in its place is as large
            waiting.writing += batch.usage.log.count
            waiting.writingRequests += requests
        }
        guard !batch.usage.isEmpty else { return }
        await write(batch)
    }

    /// One attempt at `batch`, within `writeTimeout`; `false`: not confirmed, kept for the next flush.
    @discardableResult
    private func write(_ batch: Batch) async -> Bool {
        let entries = batch.usage.log.count, requests = batch.usage.requests
        do {
            try await withDeadline(writeTimeout) { [store] in try await store.record(batch.usage, batchID: batch.id) }
        } catch {
            waiting.withLockedValue { waiting in
                waiting.writing -= entries
                waiting.writingRequests -= requests
                waiting.keep(batch)
            }
            metrics.usageFlushFailures.increment()
            logger.error("usage batch not confirmed; retried with the next flush", metadata: [
                "requests": "\(requests)", "events": "\(entries)", "error": "\(describeDatabaseError(error))"])
            return false
        }
        waiting.withLockedValue {
            $0.writing -= entries
            $0.writingRequests -= requests
        }
        metrics.usageFlushes.increment()
        metrics.usageEventsWritten.increment(by: Int64(entries))
        metrics.usageRequestsCounted.increment(by: Int64(requests))
        return true
    }

    /// Requests counted in memory and not yet confirmed written: added up since the last
    /// flush, being written, or in a batch not confirmed yet.
    public var uncountedRequests: Int {
        let tallied = tallies.reduce(0) { sum, stripe in sum + stripe.withLockedValue { $0.requests } }
        return tallied + waiting.withLockedValue { $0.unconfirmedRequests }
    }

    /// Request-log entries not yet written: buffered, being written, or in a batch not confirmed yet.
    public var pendingCount: Int { waiting.withLockedValue { $0.count } }

    func prune() async {
        let cutoff = clock.now().addingTimeInterval(-retention)
        do {
            let removed = try await withDeadline(writeTimeout) { [store] in try await store.prune(before: cutoff) }
            if removed > 0 { logger.info("request log pruned", metadata: ["rows": "\(removed)"]) }
        } catch {
            logger.error("request log not pruned", metadata: ["error": "\(describeDatabaseError(error))"])
        }
    }

    public func run() async throws {
        await prune()
        var lastPrune = ContinuousClock.now
        while true {
            // Only the wait is cancelled by a graceful shutdown, never a write in progress.
            let stopping: Bool
            do {
                try await cancelWhenGracefulShutdown { [flushInterval] in try await Task.sleep(for: flushInterval) }
                stopping = Task.isCancelled
            } catch {
                stopping = true
            }
            await flush()
            if stopping {
                logger.info("usage flushed on shutdown")
                return
            }
            if ContinuousClock.now - lastPrune >= .seconds(3600) {
                await prune()
                lastPrune = ContinuousClock.now
            }
        }
    }
}
