import Foundation
import HummingbirdTesting
import KeysyncServer
import XCTest

/// A store that refuses batches while `failing` is set, and keeps what it accepted.
final class FlakyStore: UsageStore, @unchecked Sendable {
    private let lock = NSLock()
    private var accepted: [UsageEvent] = []
    private var counted: [UsageCount] = []
    private var isFailing = true
    struct Down: Error {}

    var failing: Bool {
        get { lock.withLock { isFailing } }
        set { lock.withLock { isFailing = newValue } }
    }
    /// The request-log entries written.
    var events: [UsageEvent] { lock.withLock { accepted } }
    /// Requests counted, per outcome.
    var requests: [DecisionCode: Int] {
        lock.withLock { counted.reduce(into: [:]) { $0[$1.outcome, default: 0] += $1.requests } }
    }

    /// Never outlives the recorder's deadline, so the id adds nothing here.
    func record(_ batch: UsageBatch, batchID: UUID) async throws {
        try await record(batch)
    }

    func record(_ batch: UsageBatch) async throws {
        try lock.withLock {
            if isFailing { throw Down() }
            accepted += batch.log
            counted += batch.counts
        }
    }
    func prune(before cutoff: Date) async throws -> Int { 0 }
    func usage() async throws -> [KeyUsage] { [] }
    func requests(keyID: String, since: Date?, limit: Int) async throws -> [UsageEvent] { [] }
}

/// A store that is down: the counts add up in memory and are all written once it is back; the
/// request log keeps its entries in the bounded buffer, beyond the bound they are dropped and
/// counted; once it is back, everything kept is written.
final class UsageRecorderTests: ServerTestCase {
    func testAFailedBatchIsKeptUpToTheBufferAndWrittenWhenTheStoreIsBack() async throws {
        let f = fixture!
        let store = FlakyStore()
        var configuration = f.configuration(clock: ManualClock(ServerFixture.now), logs: logs)
        configuration.flushInterval = .seconds(3600)
        configuration.usageBufferCapacity = 4
        let (app, components) = try buildApplication(configuration: configuration, store: store)
        try await app.test(.router) { client in
            for _ in 0..<3 { _ = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)]) }
            await components.recorder.flush()
            XCTAssertEqual(components.recorder.pendingCount, 3, "the refused batch waits for the next flush")
            XCTAssertEqual(components.recorder.droppedCount, 0)
            for _ in 0..<3 { _ = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)]) }
            XCTAssertEqual(components.recorder.droppedCount, 2, "a log buffer of 4 holds 3 kept + 1 new")
            XCTAssertEqual(components.recorder.uncountedRequests, 6, "every request is counted in memory")
            await components.recorder.flush()
            XCTAssertEqual(components.recorder.pendingCount, 4)
            XCTAssertEqual(components.metrics.value(of: "keysync_usage_flush_failures_total"), 2,
                           "the kept batch was retried and refused again; no new batch is cut meanwhile")
            XCTAssertEqual(components.metrics.value(of: "keysync_usage_events_dropped_total"), 2)
            store.failing = false
            await components.recorder.flush()
            XCTAssertEqual(components.recorder.pendingCount, 0)
            XCTAssertEqual(components.recorder.uncountedRequests, 0)
            XCTAssertEqual(store.events.count, 4)
            XCTAssertEqual(store.events.map(\.outcome), [.valid, .valid, .valid, .valid])
            XCTAssertEqual(store.requests, [.valid: 6], "the counts lose nothing the log dropped")
            XCTAssertEqual(components.metrics.value(of: "keysync_usage_requests_counted_total"), 6)
            XCTAssertEqual(components.metrics.value(of: "keysync_usage_events_written_total"), 4)
        }
    }
}

/// A store whose first write never answers and ignores cancellation until `release()` (a
/// database that keeps the connection open and goes silent), and that writes each batch id
/// once, as the PostgreSQL store does with `keysync_usage_batches`.
final class SilentOnceStore: UsageStore, @unchecked Sendable {
    private let lock = NSLock()
    private var written: [UUID: UsageBatch] = [:]
    private var attempted: [UUID] = []
    private var silent = true
    private var released = false
    private var stalled: CheckedContinuation<Void, Never>?

    var events: [UsageEvent] { lock.withLock { written.values.flatMap(\.log) } }
    var requests: Int { lock.withLock { written.values.reduce(0) { $0 + $1.requests } } }
    var attempts: [UUID] { lock.withLock { attempted } }

    func record(_ batch: UsageBatch) async throws { try await record(batch, batchID: UUID()) }
    func record(_ batch: UsageBatch, batchID: UUID) async throws {
        let stall = lock.withLock { () -> Bool in
            attempted.append(batchID)
            defer { silent = false }
            return silent
        }
        if stall {
            // Deaf to cancellation: only `release()` ends the wait.
            await withCheckedContinuation { continuation in
                lock.withLock {
                    if released { continuation.resume() } else { stalled = continuation }
                }
            }
        }
        lock.withLock {
            if written[batchID] == nil { written[batchID] = batch }
        }
    }
    func release() {
        lock.withLock {
            released = true
            stalled?.resume()
            stalled = nil
        }
    }
    func prune(before cutoff: Date) async throws -> Int { 0 }
    func usage() async throws -> [KeyUsage] { [] }
    func requests(keyID: String, since: Date?, limit: Int) async throws -> [UsageEvent] { [] }
}

extension UsageRecorderTests {
    /// A write that never answers holds up nothing past its deadline: the recorder retries the
    /// same batch (same id) with the next flush and goes on to the next one; when the silent
    /// write finally completes, the store does not count its batch twice.
    func testAWriteThatNeverAnswersIsRetriedAfterItsDeadlineAndCountedOnce() async throws {
        let f = fixture!
        let store = SilentOnceStore()
        var configuration = f.configuration(clock: ManualClock(ServerFixture.now), logs: logs)
        configuration.flushInterval = .seconds(3600)
        configuration.usageWriteTimeout = .milliseconds(200)
        let (app, components) = try buildApplication(configuration: configuration, store: store)
        try await app.test(.router) { client in
            for _ in 0..<3 { _ = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)]) }
            let started = ContinuousClock.now
            await components.recorder.flush()
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "the flush waited for a write that never answers")
            XCTAssertEqual(components.recorder.pendingCount, 3, "the unconfirmed batch is kept")
            XCTAssertEqual(components.metrics.value(of: "keysync_usage_flush_failures_total"), 1)
            XCTAssertEqual(store.events.count, 0)

            for _ in 0..<2 { _ = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)]) }
            await components.recorder.flush()  // the first write is still silent
            XCTAssertEqual(components.recorder.pendingCount, 0)
            XCTAssertEqual(store.events.count, 5)
            let attempts = store.attempts
            XCTAssertEqual(attempts.count, 3)
            XCTAssertEqual(attempts[0], attempts[1], "the retry carries the batch's id")
            XCTAssertNotEqual(attempts[1], attempts[2], "the events after it are a new batch")

            store.release()  // the silent write completes after all
            try await Task.sleep(for: .milliseconds(100))
            XCTAssertEqual(store.events.count, 5, "the late write of a retried batch counts nothing")
            XCTAssertEqual(store.requests, 5)
            XCTAssertEqual(components.recorder.droppedCount, 0)
        }
    }
}
