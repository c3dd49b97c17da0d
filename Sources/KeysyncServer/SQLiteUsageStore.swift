import Foundation
import GRDB

/// The usage store in one SQLite file (WAL mode, so `keysync usage` can read while `serve`
/// writes). Two tables:
/// - `key_usage(key_id, outcome, count, last_at)`: counts per key and outcome, upserted;
/// - `requests(at, key_id, outcome, method, path, client)`: the request log, pruned by age.
/// Times are Unix seconds (REAL).
public final class SQLiteUsageStore: UsageStore {
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path`. `readOnly` opens an existing file
    /// without changing it, for the `usage` and `requests` commands.
    public init(path: String, readOnly: Bool = false) throws {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(5)
        try Self.refuseSymbolicLinks(path)
        if readOnly, !FileManager.default.fileExists(atPath: path) {
            throw UsageStoreError.missing(path: path)
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        if !readOnly { try Self.migrator.migrate(pool) }
    }

    public enum UsageStoreError: Error, CustomStringConvertible {
        case missing(path: String)
        case symbolicLink(path: String)
        public var description: String {
            switch self {
            case .missing(let path): "the usage database \(path) does not exist (keysync serve creates it)"
            case .symbolicLink(let path):
                "\(path) is a symbolic link; keysync never reads or writes its usage database through one (use the real path, or remove the link)"
            }
        }
    }

    /// Refuses a database whose file, SQLite side files (`-wal`, `-shm`, `-journal`) or folder
    /// is a symbolic link, as the repository's storage does: the default path sits beside the
    /// state file in a checkout, where a committed link could send serve's writes (or the
    /// reads of `usage`) to any file the process can reach.
    static func refuseSymbolicLinks(_ path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        for candidate in [folder, path, path + "-wal", path + "-shm", path + "-journal"] {
            var info = stat()
            if lstat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
                throw UsageStoreError.symbolicLink(path: candidate)
            }
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE key_usage (
                    key_id TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    last_at REAL NOT NULL,
                    PRIMARY KEY (key_id, outcome)
                );
                CREATE TABLE requests (
                    id INTEGER PRIMARY KEY,
                    at REAL NOT NULL,
                    key_id TEXT,
                    outcome TEXT NOT NULL,
                    method TEXT NOT NULL,
                    path TEXT NOT NULL,
                    client TEXT NOT NULL
                );
                CREATE INDEX requests_by_key ON requests (key_id, at);
                CREATE INDEX requests_by_time ON requests (at);
                """)
        }
        // A batch id is kept for as long as the request log it came with, so a write that
        // committed after the recorder's deadline is not counted again when retried.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "CREATE TABLE usage_batches (id TEXT PRIMARY KEY, at REAL NOT NULL)")
        }
        return migrator
    }

    /// One transaction per batch, each statement prepared once per connection and reused
    /// (GRDB's cached statements): one upsert per key and outcome, one insert per log entry.
    public func record(_ batch: UsageBatch) async throws {
        guard !batch.isEmpty else { return }
        try await pool.write { db in try Self.write(batch, in: db) }
    }

    /// As `record(_:)`, at most once: the batch id is claimed in the same transaction, so a
    /// retry of a batch whose first write committed after the recorder gave up adds nothing.
    public func record(_ batch: UsageBatch, batchID: UUID) async throws {
        guard !batch.isEmpty else { return }
        try await pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO usage_batches (id, at) VALUES (?, ?)",
                           arguments: [batchID.uuidString, batch.latest.timeIntervalSince1970])
            guard db.changesCount == 1 else { return }
            try Self.write(batch, in: db)
        }
    }

    private static func write(_ batch: UsageBatch, in db: Database) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO key_usage (key_id, outcome, count, last_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (key_id, outcome) DO UPDATE SET
                count = count + excluded.count, last_at = max(last_at, excluded.last_at)
            """)
        for count in batch.counts {
            try upsert.execute(arguments: [count.keyID, count.outcome.rawValue, count.requests,
                                            count.last.timeIntervalSince1970])
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO requests (at, key_id, outcome, method, path, client) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for event in batch.log {
            try insert.execute(arguments: [event.time.timeIntervalSince1970, event.keyID, event.outcome.rawValue,
                                            event.method, event.path, event.client])
        }
    }

    public func prune(before cutoff: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM requests WHERE at < ?", arguments: [cutoff.timeIntervalSince1970])
            let pruned = db.changesCount
            try db.execute(sql: "DELETE FROM usage_batches WHERE at < ?", arguments: [cutoff.timeIntervalSince1970])
            return pruned
        }
    }

    public func usage() async throws -> [KeyUsage] {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT key_id, outcome, count, last_at FROM key_usage ORDER BY key_id")
        }
        var byKey: [String: KeyUsage] = [:]
        var order: [String] = []
        for row in rows {
            let keyID: String = row["key_id"]
            let outcomeText: String = row["outcome"]
            guard let outcome = DecisionCode(rawValue: outcomeText) else { continue }
            let last = Date(timeIntervalSince1970: row["last_at"])
            if byKey[keyID] == nil {
                byKey[keyID] = KeyUsage(keyID: keyID, requests: [:], lastUsed: nil)
                order.append(keyID)
            }
            byKey[keyID]!.requests[outcome, default: 0] += row["count"] as Int
            byKey[keyID]!.lastUsed = max(byKey[keyID]!.lastUsed ?? last, last)
        }
        return order.compactMap { byKey[$0] }
    }

    public func requests(keyID: String, since: Date?, limit: Int) async throws -> [UsageEvent] {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT at, key_id, outcome, method, path, client FROM requests
                WHERE key_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?
                """, arguments: [keyID, since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude, limit])
        }
        return rows.reversed().compactMap { row in
            // Only this program writes outcomes; a code it does not know is skipped, not guessed.
            guard let outcome = DecisionCode(rawValue: row["outcome"]) else { return nil }
            return UsageEvent(time: Date(timeIntervalSince1970: row["at"]), keyID: row["key_id"], outcome: outcome,
                              method: row["method"], path: row["path"], client: row["client"])
        }
    }
}
