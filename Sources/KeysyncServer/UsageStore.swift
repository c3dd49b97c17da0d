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

/// Where usage counts and the request log live. SQLite today (`SQLiteUsageStore`); the
/// protocol is small so a PostgreSQL store for several nodes can follow.
public protocol UsageStore: Sendable {
    /// Records a batch of events in one transaction: adds to the per-key counts and appends to
    /// the request log.
    func record(_ events: [UsageEvent]) async throws
    /// Records one batch at most once: `batchID` names it, and a store whose write can outlive
    /// its caller's deadline (a shared database over a network) skips a batch it already
    /// committed, so the recorder may retry a batch whose outcome it never learned.
    func record(_ events: [UsageEvent], batchID: UUID) async throws
    /// Deletes request-log rows older than `cutoff`; returns how many. Per-key counts stay.
    func prune(before cutoff: Date) async throws -> Int
    /// Per-key counts, for every key the store has seen.
    func usage() async throws -> [KeyUsage]
    /// The recorded requests of one key since `since` (all when `nil`), oldest first, at most `limit`.
    func requests(keyID: String, since: Date?, limit: Int) async throws -> [UsageEvent]
}

extension UsageStore {
    /// A local store answers or fails within its own transaction: the id adds nothing.
    public func record(_ events: [UsageEvent], batchID: UUID) async throws {
        try await record(events)
    }
}
