import Foundation

/// One decision as the usage store records it. Never the presented key: the key id (when the
/// state knew the key), the outcome, and where the request came from.
public struct UsageEvent: Sendable, Equatable {
    public var time: Date
    /// `nil` when no key was recognised (`INVALID_API_KEY`).
    public var keyID: String?
    public var outcome: DecisionCode
    public var method: String
    /// The path without its query string (a query may carry a key: `?api_key=`).
    public var path: String
    public var client: String

    public init(time: Date, keyID: String?, outcome: DecisionCode, method: String, path: String, client: String) {
        self.time = time
        self.keyID = keyID
        self.outcome = outcome
        self.method = method
        self.path = path
        self.client = client
    }
}

/// What the store knows of one key: requests by outcome and the last request.
public struct KeyUsage: Sendable, Equatable {
    public var keyID: String
    public var requests: [DecisionCode: Int]
    public var lastUsed: Date?

    public init(keyID: String, requests: [DecisionCode: Int], lastUsed: Date?) {
        self.keyID = keyID
        self.requests = requests
        self.lastUsed = lastUsed
    }

    public var total: Int { requests.values.reduce(0, +) }
}

/// Requests of one key with one outcome, and the latest of them: what the recorder adds up in
/// memory between two flushes, and what a store adds to its per-key counts.
public struct UsageCount: Sendable, Equatable {
    public var keyID: String
    public var outcome: DecisionCode
    public var requests: Int
    public var last: Date

    public init(keyID: String, outcome: DecisionCode, requests: Int, last: Date) {
        self.keyID = keyID
        self.outcome = outcome
        self.requests = requests
        self.last = last
    }
}

/// What one flush writes, in one transaction: the per-key counts added up since the last
/// flush (exact: never dropped) and the request-log entries buffered since (best-effort: the
/// buffer is bounded and drops beyond it). Both travel under one batch id, so a retried batch
/// counts its requests once.
public struct UsageBatch: Sendable, Equatable {
    /// One per key and outcome, sorted by key and outcome (so concurrent writers lock rows in
    /// the same order).
    public var counts: [UsageCount]
    public var log: [UsageEvent]

    public init(counts: [UsageCount], log: [UsageEvent]) {
        self.counts = counts.sorted { ($0.keyID, $0.outcome.rawValue) < ($1.keyID, $1.outcome.rawValue) }
        self.log = log
    }

    /// Every event counted and logged (a store's tests and tools; the server adds up as it goes).
    public init(events: [UsageEvent]) {
        var tally = UsageTally()
        for event in events { tally.add(event) }
        self.init(counts: tally.counts, log: events)
    }

    public var isEmpty: Bool { counts.isEmpty && log.isEmpty }
    /// The time of the batch's latest request (server clock): how long its id is worth keeping.
    public var latest: Date {
        max(counts.map(\.last).max() ?? .distantPast, log.map(\.time).max() ?? .distantPast)
    }
    /// Requests the counts add up to.
    public var requests: Int { counts.reduce(0) { $0 + $1.requests } }
}

/// Per key and outcome: how many requests, the latest. Grows with the keys, not the requests.
struct UsageTally: Sendable {
    private struct Slot: Hashable { var keyID: String; var outcome: DecisionCode }
    private var slots: [Slot: (requests: Int, last: Date)]

    init() { slots = [:] }

    /// An empty tally with room for `slots` keys and outcomes without growing its table.
    init(reservingCapacity slots: Int) { self.slots = .init(minimumCapacity: slots) }

    /// Counts `event` when it names a key (an unrecognised key has no count to add to).
    mutating func add(_ event: UsageEvent) {
        guard let keyID = event.keyID else { return }
        let slot = Slot(keyID: keyID, outcome: event.outcome)
        if let previous = slots[slot] {
            slots[slot] = (previous.requests + 1, max(previous.last, event.time))
        } else {
            slots[slot] = (1, event.time)
        }
    }

    var isEmpty: Bool { slots.isEmpty }
    /// Keys and outcomes counted (the table's size, not the requests).
    var slotCount: Int { slots.count }
    var requests: Int { slots.values.reduce(0) { $0 + $1.requests } }
    var counts: [UsageCount] {
        slots.map { UsageCount(keyID: $0.key.keyID, outcome: $0.key.outcome, requests: $0.value.requests, last: $0.value.last) }
    }
}

/// Where usage counts and the request log live: one SQLite file (`SQLiteUsageStore`) or a
/// PostgreSQL database shared by several nodes (`PostgresUsageStore`).
public protocol UsageStore: Sendable {
    /// Writes a batch in one transaction: adds its counts to the per-key counts and appends
    /// its log entries to the request log.
    func record(_ batch: UsageBatch) async throws
    /// Records one batch at most once: `batchID` names it, and a store whose write can outlive
    /// its caller's deadline (a shared database over a network) skips a batch it already
    /// committed, so the recorder may retry a batch whose outcome it never learned.
    func record(_ batch: UsageBatch, batchID: UUID) async throws
    /// Deletes request-log rows older than `cutoff`; returns how many. Per-key counts stay.
    func prune(before cutoff: Date) async throws -> Int
    /// Per-key counts, for every key the store has seen.
    func usage() async throws -> [KeyUsage]
    /// The recorded requests of one key since `since` (all when `nil`), oldest first, at most `limit`.
    func requests(keyID: String, since: Date?, limit: Int) async throws -> [UsageEvent]
}

extension UsageStore {
    /// Counts and logs every one of `events`.
    public func record(_ events: [UsageEvent]) async throws {
        try await record(UsageBatch(events: events))
    }
}
