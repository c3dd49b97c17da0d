import Logging
import PostgresNIO

/// The tables of the PostgreSQL backend and their migrations. `keysync_schema` records each
/// applied version; every node runs `migrate` at start-up inside one transaction that first
/// takes an advisory lock, so nodes starting together apply each migration exactly once.
enum PostgresSchema {
    /// The advisory lock of the migration transaction (a constant: "keysync" in ASCII).
    static let migrationLock: Int64 = 0x6b65_7973_796e_63

    /// Version → statements, applied in order. Never edit a shipped version: add one.
    static let migrations: [(version: Int, statements: [PostgresQuery])] = [
        (1, [
            """
            CREATE TABLE keysync_key_usage (
                key_id text NOT NULL,
                outcome text NOT NULL,
                count bigint NOT NULL,
                last_at double precision NOT NULL,
                PRIMARY KEY (key_id, outcome))
            """,
            """
            CREATE TABLE keysync_requests (
                id bigserial PRIMARY KEY,
                at double precision NOT NULL,
                key_id text,
                outcome text NOT NULL,
                method text NOT NULL,
                path text NOT NULL,
                client text NOT NULL,
                node text NOT NULL)
            """,
            "CREATE INDEX keysync_requests_by_key ON keysync_requests (key_id, at)",
            "CREATE INDEX keysync_requests_by_time ON keysync_requests (at)",
            // G-counters of allowed requests per key, window and node. UNLOGGED: not written to
            // the WAL (cheap, not replicated); after a crash of PostgreSQL the table is empty and
            // the nodes refill it with their next sync.
            """
            CREATE UNLOGGED TABLE keysync_window_counts (
                key_id text NOT NULL,
                window_index bigint NOT NULL,
                node text NOT NULL,
                count bigint NOT NULL,
                PRIMARY KEY (key_id, window_index, node))
            """,
        ]),
        (2, [
            // The ids of the usage batches already written, so a batch retried after its
            // outcome was lost (a deadline passed, a connection broke around COMMIT) is not
            // counted twice. Pruned with the request log.
            """
            CREATE TABLE keysync_usage_batches (
                id uuid PRIMARY KEY,
                node text NOT NULL,
                at double precision NOT NULL)
            """,
            "CREATE INDEX keysync_usage_batches_by_time ON keysync_usage_batches (at)",
        ]),
    ]

    static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    struct NewerSchema: Error, CustomStringConvertible {
        var found: Int
        var description: String {
            "the database's keysync schema is version \(found), newer than this keysync knows (\(PostgresSchema.latestVersion)); upgrade keysync"
        }
    }

    /// Creates or migrates the schema; returns the versions it applied (empty when current).
    @discardableResult
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS keysync_schema (
                    version integer PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var current = 0
            for try await version in try await connection.query(
                "SELECT coalesce(max(version), 0)::bigint FROM keysync_schema", logger: logger).decode(Int64.self) {
                current = Int(version)
            }
            guard current <= latestVersion else { throw NewerSchema(found: current) }
            var applied: [Int] = []
            for migration in migrations where migration.version > current {
                for statement in migration.statements { try await connection.query(statement, logger: logger) }
                try await connection.query("INSERT INTO keysync_schema (version) VALUES (\(migration.version))", logger: logger)
                applied.append(migration.version)
            }
            return applied
        }
    }
}
