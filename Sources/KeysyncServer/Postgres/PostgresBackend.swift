import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// Where several `keysync serve` nodes share usage, the request log and rate-limit counts:
/// `--backend postgres://USER@HOST:PORT/DB[?sslmode=…&sslrootcert=PATH]`. The password never
/// comes from the URL (argv is visible to every local user): it comes from `KEYSYNC_PG_PASSWORD`,
/// the file named by `KEYSYNC_PG_PASSWORD_FILE`, or `PGPASSWORD`, and is held as a
/// `PostgresPassword`, which never prints.
public struct PostgresBackend: Sendable, Equatable {
    /// TLS to PostgreSQL, as libpq's `sslmode` (the default is libpq's too: `prefer`).
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, unverified; plain TCP when it does not.
        case prefer
        /// TLS or no connection; the certificate is not verified (protects against listening, not against an impostor).
        case require
        /// TLS with a certificate chained to the trusted roots; any host name.
        case verifyCA = "verify-ca"
        /// TLS with a certificate chained to the trusted roots and naming the host of the URL.
        case verifyFull = "verify-full"

        var verifies: Bool { self == .verifyCA || self == .verifyFull }
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: PostgresPassword?
    public var database: String
    /// This node's name in the shared limit counts; unique per node.
    public var nodeID: String
    /// How often this node publishes its counts and reads the others' (1–5 s in production).
    public var syncInterval: Duration
    /// Keys below this share of their limit (in this node's view) are not published.
    public var syncShare: Double
    /// How long one database operation may take before it is counted as failed.
    public var operationTimeout: Duration
    public var sslMode: SSLMode
    /// PEM file of the roots trusted by `verify-ca` and `verify-full` (`sslrootcert`); `nil`: the system's roots.
    public private(set) var rootCertificatePath: String?
    /// The certificates of `rootCertificatePath`, read once when the URL was parsed (every
    /// connection, and the probe, trust these; a file changed later is not read again).
    private(set) var rootCertificates: [NIOSSLCertificate]?

    /// A backend with the system's trusted roots; `init(url:nodeID:environment:)` reads `sslrootcert`.
    public init(host: String, port: Int = 5432, username: String, password: PostgresPassword? = nil, database: String,
                nodeID: String, syncInterval: Duration = .seconds(2), syncShare: Double = 0.1,
                operationTimeout: Duration = .seconds(5), sslMode: SSLMode = .prefer) {
        self.sslMode = sslMode
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

    /// Parses `postgres://USER@HOST[:PORT]/DB[?sslmode=MODE&sslrootcert=PATH]` (or
    /// `postgresql://`); the password from `KEYSYNC_PG_PASSWORD`, else the first line of the file
    /// named by `KEYSYNC_PG_PASSWORD_FILE` (a mounted secret, at most 4 KiB), else `PGPASSWORD`.
    /// A password in the URL, an unknown parameter or mode, a root certificate file that cannot
    /// be read and a password file that cannot be read are refused here, before anything connects.
    public init(url text: String, nodeID: String, environment: [String: String]) throws {
        let usage = "--backend must be postgres://USER@HOST:PORT/DB[?sslmode=MODE&sslrootcert=PATH]"
        guard let components = URLComponents(string: text),
              components.scheme == "postgres" || components.scheme == "postgresql"
        else { throw URLError(description: usage) }
        guard components.password == nil else {
            throw URLError(description: "--backend must not carry a password (argv is visible to other users); set KEYSYNC_PG_PASSWORD, the file named by KEYSYNC_PG_PASSWORD_FILE, or PGPASSWORD")
        }
        guard let user = components.user, !user.isEmpty, let host = components.host, !host.isEmpty else {
            throw URLError(description: usage)
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw URLError(description: usage + " (the database is missing)") }
        var sslMode = SSLMode.prefer
        var rootCertificatePath: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw URLError(description: "--backend: sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert":
                guard let path = item.value, !path.isEmpty else { throw URLError(description: "--backend: sslrootcert needs a file") }
                rootCertificatePath = path
            default:
                throw URLError(description: usage + " (unknown parameter \"\(item.name)\"; known: sslmode, sslrootcert)")
            }
        }
        var rootCertificates: [NIOSSLCertificate]?
        if let path = rootCertificatePath {
            guard sslMode.verifies else {
                throw URLError(description: "--backend: sslrootcert is used only with sslmode=verify-ca or verify-full (sslmode is \(sslMode.rawValue))")
            }
            guard let certificates = try? NIOSSLCertificate.fromPEMFile(path), !certificates.isEmpty else {
                throw URLError(description: "--backend: sslrootcert \(path) is not a readable PEM certificate file")
            }
            rootCertificates = certificates
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw URLError(description: usage) }
        var fromFile: String?
        if let file = environment["KEYSYNC_PG_PASSWORD_FILE"], !file.isEmpty {
            fromFile = try PostgresPassword.firstLine(ofFile: file)
        }
        let password = [environment["KEYSYNC_PG_PASSWORD"], fromFile, environment["PGPASSWORD"]]
            .compactMap { $0 }.first { !$0.isEmpty }
        self.init(host: host, port: port, username: user, password: password.map(PostgresPassword.init), database: database,
                  nodeID: nodeID, sslMode: sslMode)
        self.rootCertificatePath = rootCertificatePath
        self.rootCertificates = rootCertificates
    }

    /// `postgres://user@host:port/db?sslmode=…`: what logs may show (no password).
    public var displayURL: String {
        "postgres://\(username)@\(host):\(port)/\(database)" + (sslMode == .prefer ? "" : "?sslmode=\(sslMode.rawValue)")
    }

    /// The TLS configuration of `sslMode`, `nil` for `disable`, trusting `rootCertificates`
    /// (read when the URL was parsed) or else the system's roots.
    func tlsConfiguration() -> TLSConfiguration? {
        guard sslMode != .disable else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable, .prefer, .require:
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if sslMode.verifies, let rootCertificates {
            tls.trustRoots = .certificates(rootCertificates)
        }
        return tls
    }

    /// The event loop of every pooled PostgreSQL connection in this process: a thread of its
    /// own, not the loops that answer requests (postgres-nio's default is the same process-wide
    /// group Hummingbird serves on), so sending a batch or receiving a sync's rows never holds up
    /// a request waiting on the same loop. One thread: a node's few connections are busy about
    /// once a second.
    static let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// A pooled client (run it as a `Service`), with the TLS of `sslMode`, on `eventLoopGroup`.
    public func makeClient(logger: Logger) throws -> PostgresClient {
        let settings = tlsConfiguration()
        let tls: PostgresClient.Configuration.TLS = switch (sslMode, settings) {
        case (.prefer, let configuration?): .prefer(configuration)
        case (_, let configuration?): .require(configuration)
        case (_, nil): .disable
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password?.text, database: database, tls: tls)
        configuration.options.connectTimeout = operationTimeout
        configuration.options.maximumConnections = 8
        return PostgresClient(configuration: configuration, eventLoopGroup: Self.eventLoopGroup, backgroundLogger: logger)
    }

    /// Opens one connection as the pool would and runs `SELECT 1`: the pool only retries a
    /// connection that fails, so this is where the reason (a refused certificate, a wrong
    /// password) becomes an error a person can read. Never mentions the password.
    public func probe(logger: Logger) async throws {
        let tls: PostgresConnection.Configuration.TLS
        if let settings = tlsConfiguration() {
            let context = try NIOSSLContext(configuration: settings)
            tls = sslMode == .prefer ? .prefer(context) : .require(context)
        } else {
            tls = .disable
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password?.text, database: database, tls: tls)
        let (seconds, attoseconds) = operationTimeout.components
        configuration.options.connectTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        try await withDeadline(operationTimeout) { [configuration] in
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            do {
                try await connection.query("SELECT 1", logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        }
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
