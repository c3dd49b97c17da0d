import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// The bounded buffer between the request path and the usage store: `add` takes a lock for an
/// append and never waits for the database; when `capacity` events are waiting, new ones are
/// dropped and counted. The `run()` of this `Service` drains the buffer every `flushInterval`,
/// prunes the request log once an hour, and drains it one last time on graceful shutdown.
public final class UsageRecorder: Service, Sendable {
    private let buffer = NIOLockedValueBox<[UsageEvent]>([])
    private let capacity: Int
    private let store: any UsageStore
    private let flushInterval: Duration
    private let retention: TimeInterval
    private let clock: ServerClock
    private let metrics: ServerMetrics
    private let logger: Logger
    private let dropped = NIOLockedValueBox<Int>(0)

    init(store: any UsageStore, capacity: Int, flushInterval: Duration, retention: TimeInterval,
         clock: ServerClock, metrics: ServerMetrics, logger: Logger) {
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
        let accepted = buffer.withLockedValue { events in
            guard events.count < capacity else { return false }
            events.append(event)
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

    /// Writes everything buffered now; a failed batch is logged and counted, not retried (the
    /// request path must never back up behind a broken database).
    public func flush() async {
        let batch = buffer.withLockedValue { events -> [UsageEvent] in
            let taken = events
            events.removeAll(keepingCapacity: true)
            return taken
        }
        guard !batch.isEmpty else { return }
        do {
            try await store.record(batch)
            metrics.usageFlushes.increment()
            metrics.usageEventsWritten.increment(by: Int64(batch.count))
        } catch {
            metrics.usageFlushFailures.increment()
            logger.error("usage batch not written", metadata: ["events": "\(batch.count)", "error": "\(error)"])
        }
    }

    func prune() async {
        let cutoff = clock.now().addingTimeInterval(-retention)
        do {
            let removed = try await store.prune(before: cutoff)
            if removed > 0 { logger.info("request log pruned", metadata: ["rows": "\(removed)"]) }
        } catch {
            logger.error("request log not pruned", metadata: ["error": "\(error)"])
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
