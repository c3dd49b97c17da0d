import Foundation
import HummingbirdTesting
import KeysyncServer
import XCTest

/// A store that refuses batches while `failing` is set, and keeps what it accepted.
final class FlakyStore: UsageStore, @unchecked Sendable {
    private let lock = NSLock()
    private var accepted: [UsageEvent] = []
    private var isFailing = true
    struct Down: Error {}

    var failing: Bool {
        get { lock.withLock { isFailing } }
        set { lock.withLock { isFailing = newValue } }
    }
    var events: [UsageEvent] { lock.withLock { accepted } }

    func record(_ events: [UsageEvent]) async throws {
        try lock.withLock {
            if isFailing { throw Down() }
            accepted += events
        }
    }
    func prune(before cutoff: Date) async throws -> Int { 0 }
    func usage() async throws -> [KeyUsage] { [] }
    func requests(keyID: String, since: Date?, limit: Int) async throws -> [UsageEvent] { [] }
}

/// A store that is down keeps its batches in the bounded buffer; beyond the bound they are
/// dropped and counted; once it is back, everything kept is written.
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
            XCTAssertEqual(components.recorder.droppedCount, 2, "a buffer of 4 holds 3 kept + 1 new")
            await components.recorder.flush()
            XCTAssertEqual(components.recorder.pendingCount, 4)
            XCTAssertEqual(components.metrics.value(of: "keysync_usage_flush_failures_total"), 2)
            XCTAssertEqual(components.metrics.value(of: "keysync_usage_events_dropped_total"), 2)
            store.failing = false
            await components.recorder.flush()
            XCTAssertEqual(components.recorder.pendingCount, 0)
            XCTAssertEqual(store.events.count, 4)
            XCTAssertEqual(store.events.map(\.outcome), [.valid, .valid, .valid, .valid])
        }
    }
}
