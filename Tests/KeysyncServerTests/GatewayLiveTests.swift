import Foundation
import HummingbirdTesting
import KeysyncServer
import KeysyncCore
import TestSupport
import XCTest

/// keysync behind REAL nginx (auth_request, with the shipped examples/gateways/nginx.conf) and
/// REAL Caddy (forward_auth, with the shipped examples/gateways/Caddyfile): 200, 401, 403 and
/// 429 as a client sees them. Skipped only when the program is not installed.
final class GatewayLiveTests: ServerTestCase {
    /// The shipped file with its example addresses replaced by this test's ports.
    static func shipped(_ name: String, replacing: [(String, String)]) throws -> String {
        var text = try String(contentsOf: repositoryRoot.appendingPathComponent("examples/gateways/\(name)"), encoding: .utf8)
        for (old, new) in replacing {
            XCTAssertTrue(text.contains(old), "examples/gateways/\(name) no longer holds \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }

    /// The outcomes every gateway must pass on to its client.
    static func checkOutcomes(_ f: ServerFixture, via base: String, gateway: String) async throws {
        let allowed = try await HTTPClient.get("\(base)/orders?page=2", headers: [("Authorization", "Bearer \(f.keys["valid"]!)")])
        XCTAssertEqual(allowed.status, 200, "\(gateway): \(allowed.body)")
        XCTAssertTrue(allowed.body.contains("team=payments plan=pro key=\(f.id("valid"))"), "\(gateway): \(allowed.body)")

        let unknown = try await HTTPClient.get("\(base)/orders", headers: [("X-API-Key", "Bearer \(f.keys["valid"]!)")])
        XCTAssertEqual(unknown.status, 401, gateway)
        XCTAssertTrue(unknown.body.contains("\"code\":\"INVALID_API_KEY\""), "\(gateway): \(unknown.body)")
        XCTAssertTrue(unknown.body.contains("Bearer"), "\(gateway): the whitespace/Bearer hint reaches the client: \(unknown.body)")

        let revoked = try await HTTPClient.get("\(base)/orders", headers: [("X-API-Key", f.keys["revoked"]!)])
        XCTAssertEqual(revoked.status, 401, gateway)
        XCTAssertTrue(revoked.body.contains("KEY_REVOKED"), "\(gateway): \(revoked.body)")

        let free = try await HTTPClient.get("\(base)/orders", headers: [("X-API-Key", f.keys["free"]!)])
        XCTAssertEqual(free.status, 403, gateway)
        XCTAssertTrue(free.body.contains("API_ACCESS_NOT_AVAILABLE"), "\(gateway): \(free.body)")

        let limitedKey = [("X-API-Key", f.keys["limited"]!)]  // 2 per minute
        var statuses: [Int] = []
        var last: ClientAnswer?
        for _ in 0..<3 {
            last = try await HTTPClient.get("\(base)/orders", headers: limitedKey)
            statuses.append(last!.status)
        }
        XCTAssertEqual(statuses, [200, 200, 429], gateway)
        let limited = try XCTUnwrap(last)
        XCTAssertTrue(limited.body.contains("RATE_LIMITED"), "\(gateway): \(limited.body)")
        let retryAfter = Int(limited.header("Retry-After") ?? "") ?? 0
        XCTAssertGreaterThanOrEqual(retryAfter, 1, "\(gateway): Retry-After \(limited.header("Retry-After") ?? "missing")")
        XCTAssertEqual(limited.header("X-RateLimit-Limit"), "2", gateway)
        XCTAssertEqual(limited.header("X-RateLimit-Remaining"), "0", gateway)
        XCTAssertNotNil(limited.header("RateLimit-Policy"), gateway)
        // Access rules: the route's scope comes from the gateway's map (GET /orders requires
        // orders:read), the client address from X-Forwarded-For set by the gateway, believed
        // because keysync trusts the gateway's address; what the client sends itself is not.
        let readOnly = try await HTTPClient.get("\(base)/orders", headers: [("X-API-Key", f.keys["orders-read"]!)])
        XCTAssertEqual(readOnly.status, 200, "\(gateway): \(readOnly.body)")
        let writeOnly = try await HTTPClient.get("\(base)/orders", headers: [("X-API-Key", f.keys["orders-write"]!),
                                                                            ("X-Keysync-Scope", "orders:write")])
        XCTAssertEqual(writeOnly.status, 403, "\(gateway): a client cannot choose the scope: \(writeOnly.body)")
        XCTAssertTrue(writeOnly.body.contains("\"code\":\"INSUFFICIENT_SCOPE\""), "\(gateway): \(writeOnly.body)")
        XCTAssertTrue(writeOnly.body.contains("does not grant scope orders:read"), "\(gateway): \(writeOnly.body)")
        let local = try await HTTPClient.get("\(base)/orders", headers: [("X-API-Key", f.keys["from-localhost"]!)])
        XCTAssertEqual(local.status, 200, "\(gateway): \(local.body)")
        let office = try await HTTPClient.get("\(base)/orders", headers: [("X-API-Key", f.keys["from-office"]!),
                                                                         ("X-Forwarded-For", "203.0.113.9")])
        XCTAssertEqual(office.status, 403, "\(gateway): a client cannot claim an address: \(office.body)")
        XCTAssertTrue(office.body.contains("\"code\":\"IP_NOT_ALLOWED\""), "\(gateway): \(office.body)")
        XCTAssertTrue(office.body.contains("may not be used from 127.0.0.1"), "\(gateway): \(office.body)")
        for answer in [allowed, unknown, revoked, free, limited, readOnly, writeOnly, local, office] {
            XCTAssertEqual(f.leakedKeys(in: answer.body), [], "\(gateway): a response quoted a key")
        }
    }

    /// The fixture plus keys with access rules, for `checkOutcomes`: `orders-read`,
    /// `orders-write`, `from-localhost` (127.0.0.1 only) and `from-office` (203.0.113.0/24).
    static func addAccessKeys(_ f: inout ServerFixture) throws {
        let rules: [(label: String, scopes: [String]?, ips: [String]?)] = [
            ("orders-read", ["orders:read"], nil), ("orders-write", ["orders:write"], nil),
            ("from-localhost", nil, ["127.0.0.1"]), ("from-office", nil, ["203.0.113.0/24"]),
        ]
        for rule in rules {
            f.add(rule.label, team: "payments", name: rule.label)
            let hash = APIKeyHash.of(f.keys[rule.label]!)
            let index = f.state.keys.firstIndex { $0.hash == hash }!
            f.state.keys[index].scopes = try rule.scopes?.map { try Scope(parsing: $0) }
            f.state.keys[index].allowedIPs = try rule.ips?.map { try IPAddressRange(parsing: $0) }
        }
        try f.write()
    }

    /// The gateway connects to keysync from here.
    static let gatewayAddress = [try! IPAddressRange(parsing: "127.0.0.1")]

    /// The protected application: an nginx server block echoing the headers keysync added.
    static func upstreamServer(port: Int) -> String {
        """
            server {
                listen 127.0.0.1:\(port);
                location / { return 200 "team=$http_x_keysync_team plan=$http_x_keysync_plan key=$http_x_keysync_key_id\\n"; }
            }
        """
    }

    /// An nginx configuration for one process in the foreground, files under `folder`.
    static func nginxConfig(folder: URL, http: String) -> String {
        """
        daemon off;
        master_process off;
        worker_processes 1;
        pid \(folder.path)/nginx.pid;
        error_log \(folder.path)/logs/error.log warn;
        events { worker_connections 256; }
        http {
            access_log \(folder.path)/logs/access.log;
        \(http)
        }
        """
    }

    /// Starts `executable` and waits until `port` answers; the log is in the failure if not.
    static func start(_ executable: String, _ arguments: [String], folder: URL, port: Int,
                      environment: [String: String] = [:]) async throws -> GatewayProcess {
        let gateway = try GatewayProcess(executable: executable, arguments: arguments, folder: folder, environment: environment)
        do {
            try await HTTPClient.waitUntilListening("http://127.0.0.1:\(port)/healthcheck")
        } catch {
            gateway.stop()
            XCTFail("\(executable) did not start: \(gateway.log)")
            throw error
        }
        return gateway
    }

    func testThroughNginx() async throws {
        guard let nginx = program("nginx") else { throw XCTSkip("nginx is not installed (apt-get install nginx)") }
        var withRules = fixture!
        try Self.addAccessKeys(&withRules)
        let f = withRules
        let folder = f.folder.appendingPathComponent("nginx")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        let (front, app) = (try freePort(), try freePort())
        try await withServer(f, logs: logs, setup: .live, trustedProxies: Self.gatewayAddress) { client, _ in
            let keysyncPort = try XCTUnwrap(client.port)
            let snippet = try Self.shipped("nginx.conf", replacing: [
                ("127.0.0.1:8080", "127.0.0.1:\(keysyncPort)"), ("127.0.0.1:9000", "127.0.0.1:\(app)"),
                ("listen 127.0.0.1:8000", "listen 127.0.0.1:\(front)"),
            ])
            try snippet.write(to: folder.appendingPathComponent("keysync.conf"), atomically: true, encoding: .utf8)
            let config = Self.nginxConfig(folder: folder, http: "    include \(folder.path)/keysync.conf;\n" + Self.upstreamServer(port: app))
            try config.write(to: folder.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
            let gateway = try await Self.start(nginx, ["-p", folder.path, "-c", folder.appendingPathComponent("nginx.conf").path],
                                               folder: folder, port: front)
            defer { gateway.stop() }
            try await Self.checkOutcomes(f, via: "http://127.0.0.1:\(front)", gateway: "nginx")
        }
    }

    func testThroughCaddy() async throws {
        guard let caddy = program("caddy") else { throw XCTSkip("caddy is not installed (apt-get install caddy)") }
        guard let nginx = program("nginx") else { throw XCTSkip("nginx is not installed (it serves as the upstream here)") }
        var withRules = fixture!
        try Self.addAccessKeys(&withRules)
        let f = withRules
        let folder = f.folder.appendingPathComponent("caddy")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        let (front, app) = (try freePort(), try freePort())
        try await withServer(f, logs: logs, setup: .live, trustedProxies: Self.gatewayAddress) { client, _ in
            let keysyncPort = try XCTUnwrap(client.port)
            let site = try Self.shipped("Caddyfile", replacing: [
                ("127.0.0.1:8080", "127.0.0.1:\(keysyncPort)"), ("127.0.0.1:9000", "127.0.0.1:\(app)"),
                (":8000 {", "http://127.0.0.1:\(front) {"),
            ])
            let caddyfile = "{\n\tadmin off\n\tauto_https off\n}\n\n" + site
            try caddyfile.write(to: folder.appendingPathComponent("Caddyfile"), atomically: true, encoding: .utf8)
            // The upstream application: an nginx that echoes the headers keysync added.
            let upstream = Self.nginxConfig(folder: folder, http: Self.upstreamServer(port: app))
            try upstream.write(to: folder.appendingPathComponent("upstream.conf"), atomically: true, encoding: .utf8)
            let application = try await Self.start(nginx, ["-p", folder.path, "-c", folder.appendingPathComponent("upstream.conf").path],
                                                   folder: folder, port: app)
            defer { application.stop() }
            let gateway = try await Self.start(
                caddy, ["run", "--config", folder.appendingPathComponent("Caddyfile").path, "--adapter", "caddyfile"],
                folder: folder, port: front, environment: ["HOME": folder.path, "XDG_DATA_HOME": folder.path, "XDG_CONFIG_HOME": folder.path])
            defer { gateway.stop() }
            try await Self.checkOutcomes(f, via: "http://127.0.0.1:\(front)", gateway: "caddy")
        }
    }
}
