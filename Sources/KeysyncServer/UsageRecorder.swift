import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// The bounded buffer between the request path and the usage store: `add` takes a lock for an
/// append and never waits for the database; when `capacity` events are waiting (a batch being
/// retried included), new ones are dropped and counted. The `run()` of this `Service` drains
/// the buffer every `flushInterval`, prunes the request log once an hour, and drains it one
/// last time on graceful shutdown.
public final class UsageRecorder: Service, Sendable {
    /// A batch with the id the store uses to write it at most once (see `UsageStore`).
    struct Batch: Sendable {
        var id = UUID()
        var events: [UsageEvent]
    }
    /// What waits to be written: the batches whose outcome was not learned (refused, or not
    /// answered by their deadline), each retried as it is with its id; the events that came
    /// after; and how many events are in batches being written now (all count toward `capacity`).
    private struct Waiting {
        var unconfirmed: [Batch] = []
        var events: [UsageEvent] = []
        var writing = 0
        var count: Int { events.count + writing + unconfirmed.reduce(0) { $0 + $1.events.count } }
    }
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

    /// Queues one event; `false` (and counted) when the buffer is full.
    @discardableResult
    func add(_ event: UsageEvent) -> Bool {
        let accepted = waiting.withLockedValue { waiting in
            guard waiting.count < capacity else { return false }
            waiting.events.append(event)
            return true
        }
        if !accepted {
            dropped.withLockedValue { $0 += 1 }
            metrics.usageEventsDropped.increment()
        }
        return accepted
    }

    /// Events dropped so far because the buffer was full.
    public var droppedCount: Int { dropped.withLockedValue { $0 } }

    /// Writes everything buffered now: first the unconfirmed batches, if any, then the events
    /// that came after them as a new batch. Each write has a deadline (`writeTimeout`); past it
    /// the recorder stops waiting (the write is cancelled, and may still commit if the store
    /// ignores the cancellation) and keeps the batch, with its id, for the next flush. The store
    /// writes a batch id once, so a retry never counts a batch twice, and a database that
    /// never answers only delays the writes: it cannot stop them once it answers again.
    public func flush() async {
        // Each batch is taken under the lock, so two flushes at once never send the same one.
        while let retry = waiting.withLockedValue({ waiting -> Batch? in
            guard !waiting.unconfirmed.isEmpty else { return nil }
            let batch = waiting.unconfirmed.removeFirst()
            waiting.writing += batch.events.count
            return batch
        }) {
            guard await write(retry) else { return }
        }
        let batch = waiting.withLockedValue { waiting -> Batch in
            defer { waiting.events.removeAll(keepingCapacity: true) }
            waiting.writing += waiting.events.count
            return Batch(events: waiting.events)
        }
        guard !batch.events.isEmpty else { return }
        await write(batch)
    }

    /// One attempt at `batch`, within `writeTimeout`; `false`: not confirmed, kept for the next flush.
    @discardableResult
    private func write(_ batch: Batch) async -> Bool {
        do {
            try await withDeadline(writeTimeout) { [store] in try await store.record(batch.events, batchID: batch.id) }
        } catch {
            waiting.withLockedValue { waiting in
                waiting.writing -= batch.events.count
                waiting.unconfirmed.append(batch)
            }
            metrics.usageFlushFailures.increment()
            logger.error("usage batch not confirmed; retried with the next flush", metadata: [
                "events": "\(batch.events.count)", "error": "\(describeDatabaseError(error))"])
            return false
        }
        waiting.withLockedValue { $0.writing -= batch.events.count }
        metrics.usageFlushes.increment()
        metrics.usageEventsWritten.increment(by: Int64(batch.events.count))
        return true
    }

    /// Events not yet written: buffered, being written, or in a batch not confirmed yet.
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
