import Foundation
import Reconciler

/// One `keysync serve` node under the load of `ServeThroughput` (wrk, 32 connections, 10 s,
/// `/v1/authz` with random valid keys), twice per run: with its SQLite usage database, then
/// with `--backend postgres://…` on a throwaway PostgreSQL cluster this run starts (`initdb`
/// as `nobody` under root, `fsync=off`, loopback only) and deletes. Target (issue 13): the
/// PostgreSQL node keeps ≥ 90% of the SQLite node's rate, since nothing on the request path
/// waits for the database.
struct ServeBackendComparison {
    var state: StateFile
    var keys: [APIKey]
    var keysync: String
    var directory: String
    var publicKey: String
    var runs: Int
    var seconds = 10
    var connections = 32

    /// One node's load and what its usage writer did meanwhile (read from `/metrics` before it stops).
    struct NodeRun {
        var load: ServeThroughput.Load
        /// Requests added to the per-key counts (exact: never dropped).
        var counted: Int
        /// Request-log entries written and dropped (best-effort: a bounded buffer).
        var written: Int
        var dropped: Int
    }

    struct Pair {
        var sqlite: NodeRun
        var postgres: NodeRun
        var share: Double { postgres.load.rate / sqlite.load.rate }
    }

    func measure() throws -> ([BenchRow], [String]) {
        guard let wrk = ServeThroughput.program("wrk") else {
            throw BenchUsage("the backend comparison needs wrk (apt-get install wrk), or --backends no")
        }
        let fm = FileManager.default
        try? fm.removeItem(atPath: directory)
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let statePath = directory + "/keysync.state.json"
        try state.encoded().write(to: URL(fileURLWithPath: statePath))
        let verifier = KeyVerifier(state: state)
        let valid = keys.map { $0.reveal() }.filter { verifier.verify($0, now: Date()).isValid }
        guard !valid.isEmpty else { throw BenchUsage("no key of the benchmark state is valid now") }
        let script = directory + "/keys.lua"
        try ("local keys = {\n" + valid.map { "\"\($0)\"" }.joined(separator: ",\n") + "\n}\n" + """
            request = function()
              return wrk.format("GET", nil, { ["X-API-Key"] = keys[math.random(#keys)] })
            end
            """).write(toFile: script, atomically: true, encoding: .utf8)

        let cluster = try BenchPostgres(folder: directory + "/postgres")
        defer { cluster.remove() }
        var pairs: [Pair] = []
        for run in 1...max(1, runs) {
            log("serve backends, run \(run) of \(runs): SQLite")
            let sqlite = try load(wrk: wrk, script: script, statePath: statePath, port: 18_090,
                                  extra: ["--usage-db", directory + "/usage-\(run).sqlite"])
            log("serve backends, run \(run) of \(runs): PostgreSQL")
            let postgres = try load(wrk: wrk, script: script, statePath: statePath, port: 18_091,
                                    extra: ["--backend", cluster.url, "--node-id", "bench-\(run)"])
            pairs.append(Pair(sqlite: sqlite, postgres: postgres))
        }
        let written = (try? cluster.psql("SELECT coalesce(sum(count), 0) FROM keysync_key_usage")) ?? "?"
        // The lower median for an even count: the verdict never rounds in its own favour.
        let median = pairs.sorted { $0.share < $1.share }[(pairs.count - 1) / 2]
        let row = BenchRow(
            operation: "serve /v1/authz with --backend postgres (median of \(pairs.count) runs)", keys: state.keys.count,
            measured: .rate(median.postgres.load.rate), floorName: "the same node with SQLite", floor: .rate(median.sqlite.load.rate))
        let perRun = pairs.enumerated().map { index, pair in
            String(format: "run %d: SQLite %.0f req/s (p99 %.2f ms; requests counted %d; log written %d, dropped %d), PostgreSQL %.0f req/s (p99 %.2f ms; requests counted %d; log written %d, dropped %d), %.0f%%",
                   index + 1, pair.sqlite.load.rate, pair.sqlite.load.p99Milliseconds, pair.sqlite.counted, pair.sqlite.written, pair.sqlite.dropped,
                   pair.postgres.load.rate, pair.postgres.load.p99Milliseconds, pair.postgres.counted, pair.postgres.written, pair.postgres.dropped,
                   pair.share * 100)
        }.joined(separator: "; ")
        let shares = pairs.map(\.share)
        let note = String(
            format: "Serve backends at %d keys (wrk -t2 -c%d -d%ds each, alternating in one run): PostgreSQL keeps %.0f%% of SQLite's rate (median; spread %.0f–%.0f%%; target ≥ 90%%: %@). %@. Requests counted in PostgreSQL (all runs, after shutdown): %@; non-2xx answers: %d (SQLite) and %d (PostgreSQL).",
            state.keys.count, connections, seconds, median.share * 100, (shares.min() ?? 0) * 100, (shares.max() ?? 0) * 100,
            median.share >= 0.9 ? "ok" : "MISSED", perRun, written,
            pairs.map(\.sqlite.load.non2xx).reduce(0, +), pairs.map(\.postgres.load.non2xx).reduce(0, +))
        return ([row], [note])
    }

    /// Starts one node, warms it up for 2 s, loads it for `seconds`, stops it (SIGTERM: the
    /// last usage batch is flushed before the next node starts).
    private func load(wrk: String, script: String, statePath: String, port: Int, extra: [String]) throws -> NodeRun {
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: keysync)
        serve.arguments = ["serve", "--state", statePath, "--listen", "127.0.0.1:\(port)"] + extra
        serve.environment = ["KEYSYNC_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin", "KEYSYNC_STATE_PUBLIC_KEY": publicKey]
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { if serve.isRunning { serve.terminate(); serve.waitUntilExit() } }
        try ServeThroughput.waitForPort(port)
        let url = "http://127.0.0.1:\(port)/v1/authz"
        _ = try ServeThroughput.wrk(wrk, url: url, script: script, seconds: 2, connections: connections)
        let measured = try ServeThroughput.wrk(wrk, url: url, script: script, seconds: seconds, connections: connections)
        Thread.sleep(forTimeInterval: 2)  // the writer's last batches of the load
        let metrics = Self.metrics(port: port)
        serve.terminate()
        serve.waitUntilExit()
        return NodeRun(load: measured, counted: metrics["keysync_usage_requests_counted_total"] ?? -1,
                       written: metrics["keysync_usage_events_written_total"] ?? -1,
                       dropped: metrics["keysync_usage_events_dropped_total"] ?? -1)
    }

    /// The node's counters from `/metrics` (with curl), by name.
    static func metrics(port: Int) -> [String: Int] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [:] }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var values: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = Int(value) }
        }
        return values
    }
}

/// A throwaway PostgreSQL cluster for the benchmark (the tests have their own in TestSupport,
/// which links XCTest): Debian's newest `/usr/lib/postgresql/*/bin`, trust authentication on a
/// loopback port, run as `nobody` when the benchmark runs as root.
struct BenchPostgres {
    let folder: String
    let port = 18_092
    let binaries: String
    var url: String { "postgres://keysync@127.0.0.1:\(port)/postgres" }

    init(folder: String) throws {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        guard let version = versions.first(where: { FileManager.default.isExecutableFile(atPath: "\(root)/\($0)/bin/pg_ctl") }) else {
            throw BenchUsage("the backend comparison needs PostgreSQL (apt-get install postgresql), or --backends no")
        }
        binaries = "\(root)/\(version)/bin"
        self.folder = folder
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder + "/sockets", withIntermediateDirectories: true)
        if getuid() == 0 {
            for path in [folder, folder + "/sockets"] {
                try FileManager.default.setAttributes([.ownerAccountID: 65534, .groupOwnerAccountID: 65534], ofItemAtPath: path)
            }
        }
        try run("initdb", ["-D", folder + "/data", "-U", "keysync", "--auth=trust", "-E", "UTF8", "--no-sync"])
        try run("pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "30",
                           "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(folder)/sockets -c fsync=off", "start"])
    }

    func psql(_ sql: String) throws -> String {
        try run("psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "keysync", "-d", "postgres", "-X", "-A", "-t", "-c", sql])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func remove() {
        _ = try? run("pg_ctl", ["-D", folder + "/data", "-m", "fast", "-w", "-t", "30", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a PostgreSQL program to completion with posix_spawn and waitpid, output through
    /// files: Foundation's Process learns of an exit through a descriptor the child inherits,
    /// and the server pg_ctl starts would inherit it too.
    @discardableResult
    private func run(_ program: String, _ arguments: [String]) throws -> String {
        let command = (getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] : [])
            + [binaries + "/" + program] + arguments
        let output = folder + "/\(program).out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, command[0], &actions, nil, &argv, environ) == 0 else { throw BenchUsage("\(program): spawn failed") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else { throw BenchUsage("\(program) failed: \(text)") }
        return text
    }
}
