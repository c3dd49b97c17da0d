import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Reconciler
import TestSupport
import XCTest

/// `keysync serve`, `usage` and `requests` as a user runs them: the built binary on a loopback
/// port, stopped with SIGTERM (graceful: the usage it holds is written), then read back.
final class ServeCommandTests: XCTestCase {
    func testServeAnswersStopsOnSIGTERMAndUsageAndRequestsReadWhatItRecorded() async throws {
        try await serveAnswersStopsAndRecords(pinnedToOneCore: false)
    }

    /// The same on one core (`taskset -c 0`): serve then runs one event loop with the request
    /// handlers on it, and its reloads, usage writes and shutdown flush on Swift's own threads.
    func testServePinnedToOneCoreAnswersReloadsAndFlushesTheSame() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else {
            throw XCTSkip("taskset is not installed")
        }
        try await serveAnswersStopsAndRecords(pinnedToOneCore: true)
    }

    private func serveAnswersStopsAndRecords(pinnedToOneCore: Bool) async throws {
        let cli = CLIState.make()
        var seeded = SeededGenerator(seed: 5)
        let signing = StateSigningKey.generate(using: &seeded)
        let dir = try cli.write(signedWith: signing)
        let port = try freePort()
        let (serve, errPipe) = try Self.startServe(dir: dir, port: port, signing: signing, ["--poll-interval", "1h"],
                                                   pinnedToOneCore: pinnedToOneCore)
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }

        let checkout = cli.keys["checkout"]!.reveal()
        let answer = try await Self.firstAnswer("http://127.0.0.1:\(port)/v1/authz",
                                                headers: ["Authorization": "Bearer \(checkout)", "X-Forwarded-Uri": "/orders"])
        XCTAssertEqual(answer?.0, 200)
        let revoked = try await Self.get("http://127.0.0.1:\(port)/v1/authz", headers: ["X-API-Key": cli.keys["gone-old"]!.reveal()])
        XCTAssertEqual(revoked.0, 401)
        XCTAssertTrue(revoked.1.contains("KEY_REVOKED"))

        // SIGHUP reloads at once (the poll is an hour away): a newer state revoking checkout.
        var revoking = cli.state
        revoking.serial += 1
        revoking.keys = revoking.keys.map { record in
            var record = record
            if record.hash == cli.keys["checkout"]!.hash { record.status = .revoked }
            return record
        }
        try revoking.signed(with: signing).encoded().write(to: dir.appendingPathComponent("keysync.state.json"))
        kill(serve.processIdentifier, SIGHUP)
        var afterReload = (200, "")
        for _ in 0..<50 where afterReload.0 == 200 {
            try await Task.sleep(for: .milliseconds(100))
            afterReload = try await Self.get("http://127.0.0.1:\(port)/v1/authz", headers: ["X-API-Key": checkout])
        }
        XCTAssertEqual(afterReload.0, 401)
        XCTAssertTrue(afterReload.1.contains("KEY_REVOKED"), afterReload.1)

        kill(serve.processIdentifier, SIGTERM)
        serve.waitUntilExit()
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(serve.terminationStatus, 0, stderr)
        XCTAssertTrue(stderr.contains("usage flushed on shutdown"), stderr)
        XCTAssertTrue(stderr.contains("state reloaded") && stderr.contains("trigger=SIGHUP"), stderr)
        cli.assertNoRawKey(in: stderr, "serve's log")

        let env = ["KEYSYNC_STATE_PUBLIC_KEY": signing.publicKey.description, "KEYSYNC_NOW": CLIState.now]
        let usage = try Keysync.run(["usage", "--format", "json"], in: dir, environment: env)
        XCTAssertEqual(usage.exitCode, 0, usage.stderr)
        let keys = try XCTUnwrap((try JSONSerialization.jsonObject(with: usage.stdoutBytes) as? [String: Any])?["keys"] as? [[String: Any]])
        let checkoutID = cli.state.keys.first { $0.hash == cli.keys["checkout"]!.hash }!.id.rawValue
        let row = try XCTUnwrap(keys.first { $0["id"] as? String == checkoutID })
        XCTAssertEqual(row["requests"] as? Int, 2)
        XCTAssertEqual(row["allowed"] as? Int, 1)
        XCTAssertEqual(row["status"] as? String, "revoked", "usage shows the status in the state file as it is now")
        XCTAssertNotNil(row["last_used"] as? String)
        XCTAssertTrue(keys.contains { $0["name"] as? String == "gone" && $0["status"] as? String == "revoked" },
                      "a used revoked key is listed")
        let table = try Keysync.run(["usage", "--team", "payments"], in: dir, environment: env)
        XCTAssertEqual(table.exitCode, 0, table.stderr)
        XCTAssertTrue(table.stdout.hasPrefix("TEAM      NAME"), table.stdout)
        XCTAssertFalse(table.stdout.contains("hobby"))

        let requests = try Keysync.run(["requests", "--key", checkoutID, "--since", "1h", "--usage-db",
                                        dir.appendingPathComponent("keysync.usage.sqlite").path], environment: ["KEYSYNC_NOW": Timestamp.format(Date())])
        XCTAssertEqual(requests.exitCode, 0, requests.stderr)
        XCTAssertTrue(requests.stdout.contains("VALID"), requests.stdout)
        XCTAssertTrue(requests.stdout.contains("/orders"), requests.stdout)
        for output in [usage.stdout, table.stdout, requests.stdout] { cli.assertNoRawKey(in: output, "usage output") }
    }

    /// `serve --backend` against a REAL throwaway PostgreSQL, then `usage` and `requests` read it back.
    func testServeWithAPostgresBackendAndUsageAndRequestsReadIt() async throws {
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        let cli = CLIState.make()
        var seeded = SeededGenerator(seed: 6)
        let signing = StateSigningKey.generate(using: &seeded)
        let dir = try cli.write(signedWith: signing)
        let port = try freePort()
        let (serve, errPipe) = try Self.startServe(
            dir: dir, port: port, signing: signing,
            ["--backend", cluster.backendURL, "--node-id", "edge-1", "--sync-interval", "1s"],
            environment: ["KEYSYNC_PG_PASSWORD": "unused-with-trust"])
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }

        let checkout = cli.keys["checkout"]!.reveal()
        let answer = try await Self.firstAnswer("http://127.0.0.1:\(port)/v1/authz",
                                                headers: ["X-API-Key": checkout, "X-Forwarded-Uri": "/orders"])
        XCTAssertEqual(answer?.0, 200)
        _ = try await Self.get("http://127.0.0.1:\(port)/v1/authz", headers: ["X-API-Key": checkout, "X-Forwarded-Uri": "/refunds"])
        kill(serve.processIdentifier, SIGTERM)
        serve.waitUntilExit()
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(serve.terminationStatus, 0, stderr)
        XCTAssertTrue(stderr.contains("backend schema ready"), stderr)
        XCTAssertFalse(stderr.contains(" error "), "no write failed while the schema was being created: \(stderr)")
        XCTAssertFalse(stderr.contains("unused-with-trust"), "the password reached the log")
        XCTAssertEqual(try cluster.psql("SELECT max(version) FROM keysync_schema"), "2")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("keysync.usage.sqlite").path),
                       "with --backend nothing goes to SQLite")

        let env = ["KEYSYNC_STATE_PUBLIC_KEY": signing.publicKey.description, "KEYSYNC_NOW": CLIState.now]
        let usage = try Keysync.run(["usage", "--format", "json", "--backend", cluster.backendURL], in: dir, environment: env)
        XCTAssertEqual(usage.exitCode, 0, usage.stderr)
        let keys = try XCTUnwrap((try JSONSerialization.jsonObject(with: usage.stdoutBytes) as? [String: Any])?["keys"] as? [[String: Any]])
        let checkoutID = cli.state.keys.first { $0.hash == cli.keys["checkout"]!.hash }!.id.rawValue
        let row = try XCTUnwrap(keys.first { $0["id"] as? String == checkoutID })
        XCTAssertEqual(row["requests"] as? Int, 2)
        XCTAssertEqual(row["allowed"] as? Int, 2)
        let requests = try Keysync.run(["requests", "--key", checkoutID, "--backend", cluster.backendURL, "--format", "json"],
                                       environment: ["KEYSYNC_NOW": Timestamp.format(Date())])
        XCTAssertEqual(requests.exitCode, 0, requests.stderr)
        XCTAssertTrue(requests.stdout.contains("/orders") && requests.stdout.contains("/refunds"), requests.stdout)
        for output in [stderr, usage.stdout, requests.stdout] { cli.assertNoRawKey(in: output, "output") }

        let withPassword = try Keysync.run(["usage", "--backend", "postgres://keysync:hunter2@127.0.0.1:\(cluster.port)/postgres"],
                                           in: dir, environment: env)
        XCTAssertNotEqual(withPassword.exitCode, 0)
        XCTAssertTrue(withPassword.stderr.contains("KEYSYNC_PG_PASSWORD"), withPassword.stderr)
        XCTAssertFalse(withPassword.stderr.contains("hunter2"))
        let down = try Keysync.run(["usage", "--backend", "postgres://keysync@127.0.0.1:\(try freePort())/postgres"], in: dir, environment: env)
        XCTAssertEqual(down.exitCode, 1)
        XCTAssertTrue(down.stderr.contains("cannot be read"), down.stderr)
    }

    func testBadInputsGetClearErrors() throws {
        let dir = try makeTemporaryDirectory()
        let listen = try Keysync.run(["serve", "--listen", "localhost"], in: dir)
        XCTAssertEqual(listen.exitCode, 64)
        XCTAssertTrue(listen.stderr.contains("--listen must be HOST:PORT"), listen.stderr)
        let retention = try Keysync.run(["serve", "--retention", "30 days"], in: dir)
        XCTAssertEqual(retention.exitCode, 64)
        XCTAssertTrue(retention.stderr.contains("--retention must be a period"), retention.stderr)
        let missing = try Keysync.run(["serve", "--listen", "127.0.0.1:0"], in: dir)
        XCTAssertEqual(missing.exitCode, 1)
        XCTAssertTrue(missing.stderr.contains("keysync.state.json does not exist"), missing.stderr)
        let key = try Keysync.run(["requests", "--key", "nope"], in: dir)
        XCTAssertEqual(key.exitCode, 64)
        XCTAssertTrue(key.stderr.contains("--key must be a key id"), key.stderr)
        let noDatabase = try Keysync.run(["requests", "--key", "key_abcdefghijklmnopqrst"], in: dir)
        XCTAssertEqual(noDatabase.exitCode, 1)
        XCTAssertTrue(noDatabase.stderr.contains("keysync.usage.sqlite does not exist"), noDatabase.stderr)
    }

    /// The built binary serving `dir`'s state on `port`, its standard error in the returned pipe.
    static func startServe(dir: URL, port: Int, signing: StateSigningKey, _ extra: [String],
                           environment: [String: String] = [:], pinnedToOneCore: Bool = false) throws -> (Process, Pipe) {
        let serve = Process()
        serve.executableURL = Keysync.binary
        serve.arguments = ["serve", "--state", dir.appendingPathComponent("keysync.state.json").path,
                           "--listen", "127.0.0.1:\(port)", "--state-public-key", signing.publicKey.description] + extra
        if pinnedToOneCore {
            serve.arguments = ["-c", "0", Keysync.binary.path] + (serve.arguments ?? [])
            serve.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        }
        serve.environment = Keysync.environment(["KEYSYNC_LOG_LEVEL": "info"].merging(environment) { _, new in new })
        let errPipe = Pipe()
        serve.standardError = errPipe
        serve.standardOutput = FileHandle.nullDevice
        try serve.run()
        return (serve, errPipe)
    }

    /// The first answer of a server that is starting: retried for up to 20 s.
    static func firstAnswer(_ url: String, headers: [String: String]) async throws -> (Int, String)? {
        let deadline = Date() + 20
        while Date() < deadline {
            if let answer = try? await get(url, headers: headers) { return answer }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    static func get(_ url: String, headers: [String: String]) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }
}
