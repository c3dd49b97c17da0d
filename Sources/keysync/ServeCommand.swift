import ArgumentParser
import Foundation
import KeysyncServer
import Logging
import Manifest
import Reconciler

/// `keysync serve`: answers gateways' forward-auth requests and applications' verify calls from
/// the state file, with per-key rate limits and a usage database. Runs until SIGTERM or SIGINT,
/// then stops taking requests and writes the usage it still holds.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve forward auth for API gateways (nginx, Envoy, Traefik, Caddy) from the state.",
        discussion: """
            Endpoints: GET|POST /v1/authz (Envoy ext_authz, Traefik forwardAuth, Caddy forward_auth), \
            GET /v1/authz/nginx (nginx auth_request), POST /v1/keys.verify, GET /healthz, /readyz, /metrics. \
            The state file is re-read when it changes (polled) and on SIGHUP; a file that is not signed by \
            the trusted key, of another lineage or of a lower serial is refused and the last good state stays. \
            See docs/gateways.md.
            Exit status: 0 after a graceful shutdown, 1 the state or the usage database cannot be used, 64 usage error.

            Examples:
              keysync serve --state keysync.state.json --listen 127.0.0.1:8080
              keysync serve --listen 0.0.0.0:8080 --usage-db /var/lib/keysync/usage.sqlite
              KEYSYNC_PG_PASSWORD=... keysync serve --backend postgres://keysync@db:5432/keysync --node-id edge-1
            With --backend, several nodes share usage, the request log and rate limits (docs/scale-out.md).
            """
    )

    @Option(help: ArgumentHelp("The state file.", valueName: "FILE"))
    var state: String = "keysync.state.json"

    @OptionGroup var trust: StateTrustOptions

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:8080"

    @Option(name: .customLong("usage-db"),
            help: ArgumentHelp("The usage database (SQLite); default: keysync.usage.sqlite beside the state file.", valueName: "FILE"))
    var usageDatabase: String?

    @Option(help: ArgumentHelp(
        "Share usage, the request log and rate limits with other nodes through PostgreSQL instead of the SQLite file; the password from KEYSYNC_PG_PASSWORD, the file named by KEYSYNC_PG_PASSWORD_FILE, or PGPASSWORD, never the URL.",
        valueName: "postgres://USER@HOST:PORT/DB"))
    var backend: String?

    @Option(name: .customLong("node-id"),
            help: ArgumentHelp("This node's name among the nodes sharing the backend; default: the host name.", valueName: "ID"))
    var nodeID: String?

    @Option(name: .customLong("sync-interval"),
            help: ArgumentHelp("How often rate-limit counts are exchanged with the backend (1s to 5s).", valueName: "PERIOD"))
    var syncInterval: String = "2s"

    @Option(help: ArgumentHelp("How long the request log keeps a request (e.g. 30d, 12h).", valueName: "PERIOD"))
    var retention: String = "30d"

    @Option(name: .customLong("poll-interval"),
            help: ArgumentHelp("How often the state file is checked for changes (e.g. 2s, 1m).", valueName: "PERIOD"))
    var pollInterval: String = "2s"

    @Option(name: .customLong("trusted-proxy"),
            help: ArgumentHelp("A proxy (address or CIDR) whose X-Forwarded-For/X-Real-IP name the client for keys with allowed_ips; repeatable.",
                               valueName: "CIDR"))
    var trustedProxy: [String] = []

    /// `--trusted-proxy` values, parsed; a bad one is a usage error.
    func trustedProxies() throws -> [IPAddressRange] {
        var ranges: [IPAddressRange] = []
        for text in trustedProxy {
            do throws(IPAddressProblem) {
                ranges.append(try IPAddressRange(parsing: text))
            } catch {
                throw ValidationError("--trusted-proxy: \(error.message); \(error.hint)")
            }
        }
        return ranges
    }

    func validate() throws {
        _ = try trustedProxies()
        _ = try Self.address(listen)
        _ = try Self.period(retention, option: "--retention")
        _ = try Self.period(pollInterval, option: "--poll-interval")
        guard (1...5).contains(try Self.period(syncInterval, option: "--sync-interval")) else {
            throw ValidationError("--sync-interval must be between 1s and 5s (got \(syncInterval))")
        }
        if backend != nil, usageDatabase != nil {
            throw ValidationError("--usage-db and --backend exclude each other: usage goes to one store")
        }
        if let nodeID, nodeID.isEmpty || nodeID.utf8.count > 128 {
            throw ValidationError("--node-id must be 1 to 128 characters")
        }
        if backend == nil, nodeID != nil { throw ValidationError("--node-id needs --backend") }
        // The URL itself is parsed once, in `run` (still a usage error, before anything opens):
        // parsing reads the sslrootcert file and the password file.
    }

    /// The `--backend` URL with the password from the environment, and this node's id.
    static func backend(_ url: String, nodeID: String?, environment: [String: String]) throws -> PostgresBackend {
        do {
            return try PostgresBackend(url: url, nodeID: nodeID ?? ProcessInfo.processInfo.hostName, environment: environment)
        } catch let error as PostgresBackend.URLError {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let (host, port) = try Self.address(listen)
        var logger = Logger(label: "keysync.serve")
        if (environment["KEYSYNC_LOG_LEVEL"] ?? "").isEmpty { logger.logLevel = .info }
        // Fails closed like every reader: a key, or --insecure-unsigned said out loud.
        let trustedKey: StatePublicKey?
        do {
            switch try trust.resolve(environment: environment) {
            case .signer(let key): trustedKey = key
            case .unsigned: trustedKey = nil
            }
        } catch {
            throw Self.fail(error)
        }
        var postgres = try backend.map { try Self.backend($0, nodeID: nodeID, environment: environment) }
        postgres?.syncInterval = .seconds(try Self.period(syncInterval, option: "--sync-interval"))
        var configuration = ServerConfiguration(
            statePath: state, host: host, port: port, usageDatabasePath: usageDatabase,
            retention: TimeInterval(try Self.period(retention, option: "--retention")),
            trustedKey: trustedKey, pollInterval: .seconds(try Self.period(pollInterval, option: "--poll-interval")),
            logger: logger, backend: postgres)
        configuration.trustedProxies = try trustedProxies()
        let startupLogger = logger
        let usageLocation = postgres?.displayURL ?? configuration.usageDatabasePath
        do {
            try await runServer(configuration: configuration) {
                startupLogger.info("keysync serve listening", metadata: [
                    "address": "\(listen)", "state": "\(state)",
                    "usage": "\(usageLocation)"])
            }
        } catch let error as StateLoadError {
            throw Self.fail(Self.diagnostic(error, path: state))
        } catch let error as UsageDatabaseError {
            throw Self.fail(.error(.usageDbUnusable, error.description, hint: "pass --usage-db with a writable path", at: nil))
        }
    }

    /// `host:port` or `[v6]:port`; the port 0–65535.
    static func address(_ text: String) throws -> (String, Int) {
        let problem = ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080 (got \(text))")
        guard let colon = text.lastIndex(of: ":") else { throw problem }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw problem
        }
        return (host, port)
    }

    /// A period such as `30d` in seconds.
    static func period(_ text: String, option: String) throws -> Int64 {
        guard let period = Period(parsing: text) else {
            throw ValidationError("\(option) must be a period such as 30s, 10m, 12h, 30d or 2w (got \(text))")
        }
        return period.seconds
    }

    static func diagnostic(_ error: StateLoadError, path: String) -> Diagnostic {
        switch error {
        case .unreadable(let problem): problem.diagnostic(file: path)
        case .untrusted(let problem): problem.diagnostic(file: path)
        case .missing:
            .error(.stateMissing, error.description, hint: "pass --state with the path of keysync.state.json", at: nil)
        default:
            .error(.stateRefused, error.description, hint: nil, at: nil)
        }
    }

    /// Why serve (or a command reading its usage database) cannot go on, for the console.
    static func fail(_ diagnostic: Diagnostic, summary: String = "cannot serve") -> CommandFailure {
        CommandFailure(diagnostic, summary: summary)
    }
}

