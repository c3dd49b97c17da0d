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

    /// A batch handed to the store whose outcome is not known yet (the store did not answer
    /// within `writeTimeout`), and the task that will know it.
    private struct InFlight: Sendable {
        var batch: [UsageEvent]
        var write: Task<Result<Void, any Error>, Never>
    }
    private let inFlight = NIOLockedValueBox<InFlight?>(nil)

    /// Writes everything buffered now. A batch the store refuses goes back to the front of the
    /// buffer, as much of it as fits beside what arrived meanwhile (the rest is dropped and
    /// counted), and is written by a later flush: a database that is down loses nothing until the
    /// buffer is full, and the request path never waits for it. A batch the store does not answer
    /// within `writeTimeout` stays in flight: it is neither retried nor given up (it may still
    /// commit), and the next flush first waits for its outcome, so a slow database never gets a
    /// batch twice.
    public func flush() async {
        if let pending = inFlight.withLockedValue({ current -> InFlight? in
            defer { current = nil }
            return current
        }) {
            guard await settle(pending) else { return }
        }
        let batch = buffer.withLockedValue { events -> [UsageEvent] in
            let taken = events
            events.removeAll(keepingCapacity: true)
            return taken
        }
        guard !batch.isEmpty else { return }
        let write = Task { [store] () -> Result<Void, any Error> in
            do { return .success(try await store.record(batch)) } catch { return .failure(error) }
        }
        await settle(InFlight(batch: batch, write: write))
    }

    /// Waits up to `writeTimeout` for a write; records its outcome. `false`: still in flight.
    @discardableResult
    private func settle(_ pending: InFlight) async -> Bool {
        let outcome: Result<Void, any Error>
        do {
            outcome = try await withDeadline(writeTimeout) { await pending.write.value }
        } catch {
            inFlight.withLockedValue { $0 = pending }
            metrics.usageFlushFailures.increment()
            logger.error("usage batch not confirmed yet; waiting for its outcome", metadata: ["events": "\(pending.batch.count)"])
            return false
        }
        switch outcome {
        case .success:
            metrics.usageFlushes.increment()
            metrics.usageEventsWritten.increment(by: Int64(pending.batch.count))
        case .failure(let error):
            metrics.usageFlushFailures.increment()
            let batch = pending.batch
            let kept = buffer.withLockedValue { events -> Int in
                let keep = batch.suffix(max(0, capacity - events.count))
                events.insert(contentsOf: keep, at: 0)
                return keep.count
            }
            if kept < batch.count {
                dropped.withLockedValue { $0 += batch.count - kept }
                metrics.usageEventsDropped.increment(by: Int64(batch.count - kept))
            }
            logger.error("usage batch not written; kept for the next flush", metadata: [
                "events": "\(batch.count)", "kept": "\(kept)", "error": "\(describeDatabaseError(error))"])
        }
        return true
    }

    /// Events not yet written: buffered, or in a batch whose outcome is not known yet.
    public var pendingCount: Int {
        buffer.withLockedValue { $0.count } + inFlight.withLockedValue { $0?.batch.count ?? 0 }
    }

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
