import Foundation
import Logging
import KeysyncCore

/// Everything `buildApplication(configuration:)` needs; the `keysync serve` command fills it
/// from its arguments, tests fill it by hand (a manual clock, a short poll interval).
public struct ServerConfiguration: Sendable {
    /// The state file to serve and watch.
    public var statePath: String
    public var host: String
    /// 0 lets the system choose (tests read the port back through `onServerRunning`).
    public var port: Int
    /// The SQLite file for usage counts and the request log (when `backend` is `nil`).
    public var usageDatabasePath: String
    /// PostgreSQL shared by several nodes: usage, the request log and rate-limit counts.
    /// `nil`: the embedded SQLite file, limits per node.
    public var backend: PostgresBackend?
    /// Request-log rows older than this are deleted (default 30 days).
    public var retention: TimeInterval
    /// The signer whose signature the state must carry; `nil`: the signature is not checked
    /// (and `/readyz` says so).
    public var trustedKey: StatePublicKey?
    /// How often the state file's identity (device, inode, size, mtime) is compared.
    public var pollInterval: Duration
    /// How often buffered usage is written to the store.
    public var flushInterval: Duration
    /// How many usage events may wait for the writer; beyond that they are dropped and counted.
    public var usageBufferCapacity: Int
    /// How long one usage batch write may take before the recorder stops waiting for it and
    /// retries it later (with a PostgreSQL backend: the backend's `operationTimeout`).
    public var usageWriteTimeout: Duration = .seconds(30)
    /// Whether SIGHUP triggers a reload (off in tests that run several servers in one process).
    public var reloadOnSIGHUP: Bool
    public var clock: ServerClock
    public var logger: Logger
    /// Proxies (`--trusted-proxy`) whose `X-Forwarded-For`/`X-Real-IP` name the client for
    /// `allowed_ips`; empty: the connection's peer is the client.
    public var trustedProxies: [IPAddressRange] = []

    public init(
        statePath: String, host: String = "127.0.0.1", port: Int = 8080, usageDatabasePath: String? = nil,
        retention: TimeInterval = 30 * 86_400, trustedKey: StatePublicKey? = nil,
        pollInterval: Duration = .seconds(2), flushInterval: Duration = .seconds(1),
        usageBufferCapacity: Int = 65_536, reloadOnSIGHUP: Bool = true, clock: ServerClock = .system,
        logger: Logger = Logger(label: "keysync.serve"), backend: PostgresBackend? = nil
    ) {
        self.backend = backend
        self.statePath = statePath
        self.host = host
        self.port = port
        self.usageDatabasePath = usageDatabasePath ?? Self.defaultUsageDatabasePath(statePath: statePath)
        self.retention = retention
        self.trustedKey = trustedKey
        self.pollInterval = pollInterval
        self.flushInterval = flushInterval
        self.usageBufferCapacity = usageBufferCapacity
        self.reloadOnSIGHUP = reloadOnSIGHUP
        self.clock = clock
        self.logger = logger
    }

    /// `keysync.usage.sqlite` in the state file's folder.
    public static func defaultUsageDatabasePath(statePath: String) -> String {
        URL(fileURLWithPath: statePath).deletingLastPathComponent()
            .appendingPathComponent("keysync.usage.sqlite").path
    }
}

/// The wall clock, injected: production reads the system time, tests move a manual clock.
public struct ServerClock: Sendable {
    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = ServerClock { Date() }
}
