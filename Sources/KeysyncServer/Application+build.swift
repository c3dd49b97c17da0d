import Foundation
import Hummingbird
import Logging
import NIOCore
import KeysyncCore
import ServiceLifecycle

/// What `buildApplication` wires together; tests reach the parts (the watcher to reload, the
/// recorder to flush, the metrics to read) through it.
public struct ServerComponents: Sendable {
    public let watcher: StateWatcher
    public let recorder: UsageRecorder
    public let limiter: RateLimiter
    public let metrics: ServerMetrics
    public let store: any UsageStore
    /// The services to run beside the HTTP server, in start order (shut down in reverse).
    let services: [any Service]
    /// With a PostgreSQL backend: the service that shares limit counts (tests call `sync()`).
    public let limitSync: LimitSyncService?
}

/// Builds the `keysync serve` application: loads and checks the state (throws if it cannot be
/// served), opens the usage store, and wires the routes, the state watcher and the usage
/// recorder into one Hummingbird application whose ServiceGroup handles SIGTERM/SIGINT.
public func buildApplication(
    configuration: ServerConfiguration, store: (any UsageStore)? = nil,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> (some ApplicationProtocol, ServerComponents) {
    let components = try makeComponents(configuration: configuration, store: store)
    let router = buildRouter(components: components, clock: configuration.clock,
                             trustedProxies: configuration.trustedProxies)
    var logger = configuration.logger
    logger[metadataKey: "component"] = "http"
    let app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        // Shut down in reverse: the server stops first, then the limit sync, then the recorder
        // flushes, then the watcher, then (with PostgreSQL) the client.
        services: components.services,
        onServerRunning: onServerRunning,
        eventLoopGroupProvider: .shared(ServerThreads.eventLoopGroup),
        logger: logger)
    return (app, components)
}

/// Builds and runs the application until SIGTERM or SIGINT (what `keysync serve` does).
/// Throws `StateLoadError` or `UsageDatabaseError` before listening when either cannot be used.
public func runServer(configuration: ServerConfiguration, onListening: @escaping @Sendable () -> Void = {}) async throws {
    let (app, _) = try buildApplication(configuration: configuration) { _ in onListening() }
    try await ServerThreads.run { try await app.runService() }
}

/// The usage database could not be opened or migrated.
public struct UsageDatabaseError: Error, CustomStringConvertible {
    public var path: String
    public var detail: String
    public var description: String { "the usage database \(path) cannot be used: \(detail)" }
}

func makeComponents(configuration: ServerConfiguration, store: (any UsageStore)?) throws -> ServerComponents {
    let metrics = ServerMetrics()
    guard let initial = try StateLoader.load(path: configuration.statePath, trustedKey: configuration.trustedKey,
                                             replacing: nil, now: configuration.clock.now())
    else { preconditionFailure("a first load, replacing nothing, always yields a snapshot") }
    returnFreedMemory()
    if configuration.trustedKey == nil {
        configuration.logger.warning("no state public key configured; the state's signature is not checked")
    }
    let limiter = RateLimiter()
    let usageStore: any UsageStore
    var services: [any Service] = []
    var limitSync: LimitSyncService?
    if let store {
        usageStore = store
    } else if let backend = configuration.backend {
        var logger = configuration.logger
        logger[metadataKey: "component"] = "postgres"
        let client = try backend.makeClient(logger: logger)
        services.append(client)
        let postgresStore = PostgresUsageStore(client: client, nodeID: backend.nodeID, logger: logger)
        usageStore = postgresStore
        limitSync = LimitSyncService(client: client, store: postgresStore, backend: backend, limiter: limiter,
                                     clock: configuration.clock, metrics: metrics, logger: configuration.logger)
    } else {
        do {
            usageStore = try SQLiteUsageStore(path: configuration.usageDatabasePath)
        } catch {
            throw UsageDatabaseError(path: configuration.usageDatabasePath, detail: "\(error)")
        }
    }
    let watcher = StateWatcher(
        initial: initial, path: configuration.statePath, trustedKey: configuration.trustedKey,
        pollInterval: configuration.pollInterval, reloadOnSIGHUP: configuration.reloadOnSIGHUP,
        clock: configuration.clock, metrics: metrics, logger: configuration.logger)
    let recorder = UsageRecorder(
        store: usageStore, capacity: configuration.usageBufferCapacity, flushInterval: configuration.flushInterval,
        retention: configuration.retention, clock: configuration.clock, metrics: metrics, logger: configuration.logger,
        writeTimeout: configuration.backend?.operationTimeout ?? configuration.usageWriteTimeout)
    services += [watcher, recorder]
    if let limitSync { services.append(limitSync) }
    return ServerComponents(watcher: watcher, recorder: recorder, limiter: limiter, metrics: metrics, store: usageStore,
                            services: services.map { OffLoopService(base: $0) }, limitSync: limitSync)
}

/// The routes. Each decision reads the current snapshot once, so a reload mid-request cannot
/// mix two states.
func buildRouter(components: ServerComponents, clock: ServerClock, trustedProxies: [IPAddressRange] = []) -> Router<ServerContext> {
    let router = Router(context: ServerContext.self)
    let authorizer = Authorizer(components: components, clock: clock, trustedProxies: trustedProxies)

    @Sendable func forwardAuth(_ request: Request, _ context: ServerContext) -> Response {
        AuthResponses.forwardAuth(authorizer.decide(request, context))
    }
    router.get("/v1/authz", use: forwardAuth)
    router.post("/v1/authz", use: forwardAuth)
    // Envoy's ext_authz (HTTP mode) appends the original path to `path_prefix` and keeps the method.
    for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .head, .options] {
        router.on("/v1/authz/envoy/**", method: method, use: forwardAuth)
    }
    router.get("/v1/authz/nginx") { request, context in
        AuthResponses.nginx(authorizer.decide(request, context))
    }
    router.post("/v1/keys.verify") { request, context -> Response in
        struct Body: Decodable { var key: String }
        var request = request
        let body: Body
        do {
            let buffer = try await request.collectBody(upTo: context.maxUploadSize)
            body = try JSONDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch {
            // Never echo the body or the decoder's error: it may quote the key.
            return AuthResponses.badRequest("the body must be a JSON object {\"key\": \"<the API key>\"} of at most 16 KiB")
        }
        return AuthResponses.keysVerify(authorizer.decide(request, context, credential: .success(body.key)))
    }
    router.get("/healthz") { _, _ in
        AuthResponses.json(["status": "ok"], status: 200, headers: HTTPFields())
    }
    router.get("/readyz") { _, _ in
        let snapshot = components.watcher.holder.current
        struct Ready: Encodable {
            var ready: Bool, serial: Int, lineage: String?, keys: Int, signature: String
        }
        return AuthResponses.json(
            Ready(ready: true, serial: snapshot.serial, lineage: snapshot.lineage, keys: snapshot.keyCount,
                  signature: snapshot.signatureVerified ? "verified" : "not checked"),
            status: 200, headers: HTTPFields())
    }
    router.get("/metrics") { _, _ in
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: components.metrics.render())))
    }
    return router
}

/// The request path: credential → verification → limit → metrics and usage. No I/O, no await.
struct Authorizer: Sendable {
    let components: ServerComponents
    let clock: ServerClock
    let addresses: ClientAddressResolver

    init(components: ServerComponents, clock: ServerClock, trustedProxies: [IPAddressRange] = []) {
        self.components = components
        self.clock = clock
        addresses = ClientAddressResolver(trustedProxies: trustedProxies)
    }

    func decide(_ request: Request, _ context: ServerContext,
                credential: Result<String, CredentialProblem>? = nil) -> AuthDecision {
        let started = ContinuousClock.now
        let credential = credential ?? Credential.extract(
            authorization: request.headers[values: .authorization], apiKey: request.headers[values: .xAPIKey])
        let now = clock.now()
        let decision = AuthDecision.make(credential: credential, snapshot: components.watcher.holder.current,
                                         limiter: components.limiter, now: now) { access(request, context) }
        components.metrics.latency.record(ContinuousClock.now - started)
        components.metrics.countDecision(code: decision.code, plan: decision.plan)
        var path = Self.originalPath(request)
        if case .success(let presented) = credential, presented.utf8.count >= 8, Self.mayHold(path, presented),
           path.contains(presented) {
            path = path.replacingOccurrences(of: presented, with: "[key]")  // a key in a path never reaches the log
        }
        components.recorder.add(UsageEvent(
            time: now, keyID: decision.key?.id.rawValue, outcome: decision.code,
            method: Self.originalMethod(request), path: path, client: client(request, context)))
        return decision
    }

    /// The scope the route requires (`X-Keysync-Scope`, set by the gateway) and the client's
    /// address (the peer, or what a trusted proxy forwarded): read only for a restricted key.
    func access(_ request: Request, _ context: ServerContext) -> RequestAccess {
        var result = RequestAccess()
        result.access.client = addresses.resolve(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[values: .xForwardedFor],
            realIP: request.headers[values: .xRealIP])
        // An empty value is no requirement: gateways send one for routes that require none.
        let scopes = request.headers[values: .scope].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let first = scopes.first {
            if scopes.contains(where: { $0 != first }) {
                result.unreadableScope = "the request carries several different X-Keysync-Scope headers; the gateway must send one"
            } else {
                do {
                    result.access.scope = try Scope(requiring: first)
                } catch {
                    result.unreadableScope = "the gateway's X-Keysync-Scope header is not a scope (resource:action), so the key's scopes cannot be checked"
                }
            }
        }
        return result
    }

    /// `false` only when `path` cannot contain `presented`: both ASCII (so Foundation's search
    /// compares bytes) and the path shorter. That is the common case (`/v1/authz` and a key of
    /// 40 bytes), and it skips Foundation's string search, a noticeable share of a request.
    static func mayHold(_ path: String, _ presented: String) -> Bool {
        let path = path.utf8, presented = presented.utf8
        guard path.allSatisfy({ $0 < 0x80 }), presented.allSatisfy({ $0 < 0x80 }) else { return true }
        return path.count >= presented.count
    }

    /// The method the gateway forwarded (Traefik, Caddy: `X-Forwarded-Method`; the nginx
    /// snippet: `X-Original-Method`), else this request's. Anything but 1–16 letters is
    /// recorded as `INVALID` (a header can hold anything, a key included).
    static func originalMethod(_ request: Request) -> String {
        let value = request.headers[.xForwardedMethod] ?? request.headers[.xOriginalMethod] ?? request.method.rawValue
        guard (1...16).contains(value.utf8.count), value.utf8.allSatisfy({ (0x41...0x5A).contains($0 & 0xDF) }) else {
            return "INVALID"
        }
        return value.uppercased()
    }

    /// The path the gateway forwarded (`X-Forwarded-Uri`, `X-Original-URI`), else this
    /// request's, without its query string (which may carry a key) and at most 512 bytes.
    static func originalPath(_ request: Request) -> String {
        let uri = request.headers[.xForwardedURI] ?? request.headers[.xOriginalURI] ?? request.uri.string
        let path = uri.prefix { $0 != "?" && $0 != "#" }
        return String(path.prefix(512))
    }

    /// The address the request log names: the peer, or, when the peer is a trusted proxy
    /// (`--trusted-proxy`), the client it forwarded, by the same rules as `allowed_ips`. Never
    /// a header an untrusted client wrote: the log would otherwise name whoever it chose.
    func client(_ request: Request, _ context: ServerContext) -> String {
        let peer = context.remoteAddress?.ipAddress
        guard !addresses.trustedProxies.isEmpty else { return peer ?? "unknown" }
        switch addresses.resolve(peer: peer, forwardedFor: request.headers[values: .xForwardedFor],
                                 realIP: request.headers[values: .xRealIP]) {
        case .known(let address): return address.description
        case .unknown, .notChecked: return peer ?? "unknown"
        }
    }

}
