import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// Where several `keysync serve` nodes share usage, the request log and rate-limit counts:
/// `--backend postgres://USER@HOST:PORT/DB`. The password never comes from the URL (argv is
/// visible to every local user): it comes from `KEYSYNC_PG_PASSWORD` or `PGPASSWORD`.
public struct PostgresBackend: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// This node's name in the shared limit counts; unique per node.
    public var nodeID: String
    /// How often this node publishes its counts and reads the others' (1–5 s in production).
    public var syncInterval: Duration
    /// Keys below this share of their limit (in this node's view) are not published.
    public var syncShare: Double
    /// How long one database operation may take before it is counted as failed.
    public var operationTimeout: Duration

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String,
                nodeID: String, syncInterval: Duration = .seconds(2), syncShare: Double = 0.1,
                operationTimeout: Duration = .seconds(5)) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.nodeID = nodeID
        self.syncInterval = syncInterval
        self.syncShare = syncShare
        self.operationTimeout = operationTimeout
    }

    /// Why a `--backend` value was refused; the message never repeats a password.
    public struct URLError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Parses `postgres://USER@HOST[:PORT]/DB` (or `postgresql://`); the password from
    /// `KEYSYNC_PG_PASSWORD`, else `PGPASSWORD`. A password in the URL is refused.
    public init(url text: String, nodeID: String, environment: [String: String]) throws {
        let usage = "--backend must be postgres://USER@HOST:PORT/DB"
        guard let components = URLComponents(string: text),
              components.scheme == "postgres" || components.scheme == "postgresql"
        else { throw URLError(description: usage) }
        guard components.password == nil else {
            throw URLError(description: "--backend must not carry a password (argv is visible to other users); set KEYSYNC_PG_PASSWORD or PGPASSWORD")
        }
        guard let user = components.user, !user.isEmpty, let host = components.host, !host.isEmpty else {
            throw URLError(description: usage)
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw URLError(description: usage + " (the database is missing)") }
        guard components.query == nil else { throw URLError(description: usage + " (no query parameters)") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw URLError(description: usage) }
        let password = [environment["KEYSYNC_PG_PASSWORD"], environment["PGPASSWORD"]]
            .compactMap { $0 }.first { !$0.isEmpty }
        self.init(host: host, port: port, username: user, password: password, database: database, nodeID: nodeID)
    }

    /// `postgres://user@host:port/db`: what logs may show (no password).
    public var displayURL: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    /// A pooled client (run it as a `Service`). Plain TCP: TLS to PostgreSQL belongs to a later issue.
    public func makeClient(logger: Logger) -> PostgresClient {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.connectTimeout = operationTimeout
        configuration.options.maximumConnections = 8
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }
}

/// A database operation that took longer than its deadline; it may still complete later.
public struct DatabaseTimeout: Error, CustomStringConvertible {
    public var description: String { "the database did not answer in time" }
}

/// Runs `operation`, or throws `DatabaseTimeout` after `timeout` without waiting for it: a
/// stalled database must never hold up a service's loop (the operation is cancelled and left
/// to finish on its own).
func withDeadline<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let claimed = NIOLockedValueBox(false)
    let work = NIOLockedValueBox<Task<Void, Never>?>(nil)
    @Sendable func claim() -> Bool {
        claimed.withLockedValue { done in
            defer { done = true }
            return !done
        }
    }
    return try await withCheckedThrowingContinuation { continuation in
        let timer = Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled, claim() else { return }
            work.withLockedValue { $0?.cancel() }
            continuation.resume(throwing: DatabaseTimeout())
        }
        work.withLockedValue { task in
            task = Task {
                let result: Result<T, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                timer.cancel()
                if claim() { continuation.resume(with: result) }
            }
        }
    }
}
