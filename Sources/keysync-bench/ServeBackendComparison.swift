import Foundation
import Reconciler

/// One `keysync serve` node under the load of `ServeThroughput` (wrk, 32 connections, 10 s,
/// `/v1/authz` with random valid keys), twice per run: with its SQLite usage database, then
/// with `--backend postgres://…` on a throwaway PostgreSQL cluster this run starts (`initdb`
/// as `nobody` under root, `fsync=off`, loopback only) and deletes. Target (issue 13): the
/// PostgreSQL node keeps ≥ 90% of the SQLite node's rate, since nothing on the request path
/// waits for the database.
///
/// Placement (with `taskset` and two cores): the node on CPU 0 and wrk on CPU 1, as in
/// `ServeThroughput`, and the PostgreSQL server on `postgresCPU` (default CPU 0, beside the
/// node: SQLite writes inside the node's process, so both stores then spend the node's core;
/// CPU 1 would take wrk's). Each PostgreSQL run gets a database of its own, so one run's
/// shared limit counts (another node id, the same keys, the same minute) cannot refuse the
/// next run's requests. Each node's decisions by code come from its `/metrics`, and the CPU
/// time of the node and of the PostgreSQL server during the measured load from `/proc`.
struct ServeBackendComparison {
    var state: StateFile
    var keys: [APIKey]
    var keysync: String
    var directory: String
    var publicKey: String
    var runs: Int
    var seconds = 10
    var connections = 32
    /// Where the PostgreSQL server runs when pinning is on (`nil`: anywhere).
    var postgresCPU: Int? = 0

    /// One node's load and what its usage writer did meanwhile (read from `/metrics` before it stops).
    struct NodeRun {
        var load: ServeThroughput.Load
        /// Requests added to the per-key counts (exact: never dropped).
        var counted: Int
        /// Request-log entries written and dropped (best-effort: a bounded buffer).
        var written: Int
        var dropped: Int
        /// Decisions other than VALID, by code (the node's own count; wrk only says "non-2xx").
        var refused: [String: Int]
        /// CPU seconds during the measured load: the node's, and the PostgreSQL server's (all
        /// its processes; 0 for SQLite).
        var nodeCPU: Double
        var postgresCPU: Double

        var refusedText: String {
            refused.isEmpty ? "none" : refused.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        /// CPU milliseconds per 1,000 answered requests, node and server together.
        var cpuPerThousand: Double { (nodeCPU + postgresCPU) * 1_000_000 / max(1, load.rate * Double(seconds)) }
        var seconds: Int
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
        try ConvergedState.write(state, to: statePath)
        let verifier = KeyVerifier(state: state)
        let valid = keys.map { $0.reveal() }.filter { verifier.verify($0, now: Date()).isValid }
        guard !valid.isEmpty else { throw BenchUsage("no key of the benchmark state is valid now") }
        let script = directory + "/keys.lua"
        try ("local keys = {\n" + valid.map { "\"\($0)\"" }.joined(separator: ",\n") + "\n}\n" + """
            request = function()
              return wrk.format("GET", nil, { ["X-API-Key"] = keys[math.random(#keys)] })
            end
            """).write(toFile: script, atomically: true, encoding: .utf8)

        let cluster = try BenchPostgres(folder: directory + "/postgres", cpu: ServeThroughput.pinning == nil ? nil : postgresCPU)
        defer { cluster.remove() }
        var pairs: [Pair] = []
        var written = 0
        for run in 1...max(1, runs) {
            log("serve backends, run \(run) of \(runs): SQLite")
            let sqlite = try load(wrk: wrk, script: script, statePath: statePath, port: 18_090,
                                  extra: ["--usage-db", directory + "/usage-\(run).sqlite"], cluster: nil)
            log("serve backends, run \(run) of \(runs): PostgreSQL")
            let database = "run_\(run)"
            try cluster.psql("CREATE DATABASE \(database)")
            let postgres = try load(wrk: wrk, script: script, statePath: statePath, port: 18_091,
                                    extra: ["--backend", cluster.url(database: database), "--node-id", "bench-\(run)"], cluster: cluster)
            written += Int(try cluster.psql("SELECT coalesce(sum(count), 0) FROM keysync_key_usage", database: database)) ?? 0
            pairs.append(Pair(sqlite: sqlite, postgres: postgres))
        }
        // The lower median for an even count: the verdict never rounds in its own favour.
        let median = pairs.sorted { $0.share < $1.share }[(pairs.count - 1) / 2]
        let row = BenchRow(
            operation: "serve /v1/authz with --backend postgres (median of \(pairs.count) runs)", keys: state.keys.count,
            measured: .rate(median.postgres.load.rate), floorName: "the same node with SQLite", floor: .rate(median.sqlite.load.rate))
        let perRun = pairs.enumerated().map { index, pair in
            String(format: "run %d: SQLite %.0f req/s (p99 %.2f ms; node CPU %.1f s, %.0f ms per 1k requests; requests counted %d; log written %d, dropped %d; refused: %@), PostgreSQL %.0f req/s (p99 %.2f ms; node CPU %.1f s, server CPU %.1f s, %.0f ms per 1k requests; requests counted %d; log written %d, dropped %d; refused: %@), %.0f%%",
                   index + 1, pair.sqlite.load.rate, pair.sqlite.load.p99Milliseconds, pair.sqlite.nodeCPU, pair.sqlite.cpuPerThousand,
                   pair.sqlite.counted, pair.sqlite.written, pair.sqlite.dropped, pair.sqlite.refusedText,
                   pair.postgres.load.rate, pair.postgres.load.p99Milliseconds, pair.postgres.nodeCPU, pair.postgres.postgresCPU,
                   pair.postgres.cpuPerThousand, pair.postgres.counted, pair.postgres.written, pair.postgres.dropped, pair.postgres.refusedText,
                   pair.share * 100)
        }.joined(separator: "; ")
        let placement = ServeThroughput.pinning == nil
            ? "nothing pinned (no taskset or one core)"
            : "node on CPU 0, wrk on CPU 1, PostgreSQL " + (postgresCPU.map { "on CPU \($0)" } ?? "unpinned")
        let shares = pairs.map(\.share)
        let note = String(
            format: "Serve backends at %d keys (wrk -t2 -c%d -d%ds each, alternating in one run; %@; a fresh PostgreSQL database per run): PostgreSQL keeps %.0f%% of SQLite's rate (median; spread %.0f–%.0f%%; target ≥ 90%%: %@). %@. Requests counted in PostgreSQL (all runs, after shutdown): %d; non-2xx answers seen by wrk: %d (SQLite) and %d (PostgreSQL).",
            state.keys.count, connections, seconds, placement, median.share * 100, (shares.min() ?? 0) * 100, (shares.max() ?? 0) * 100,
            median.share >= 0.9 ? "ok" : "MISSED", perRun, written,
            pairs.map(\.sqlite.load.non2xx).reduce(0, +), pairs.map(\.postgres.load.non2xx).reduce(0, +))
        return ([row], [note])
    }

    /// Starts one node (pinned to CPU 0), warms it up for 2 s, loads it for `seconds`, stops it
    /// (SIGTERM: the last usage batch is flushed before the next node starts).
    private func load(wrk: String, script: String, statePath: String, port: Int, extra: [String],
                      cluster: BenchPostgres?) throws -> NodeRun {
        let serve = Process()
        ServeThroughput.pinned(serve, keysync, ["serve", "--state", statePath, "--listen", "127.0.0.1:\(port)"] + extra, cpu: 0)
        serve.environment = ["KEYSYNC_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin", "KEYSYNC_STATE_PUBLIC_KEY": publicKey]
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { if serve.isRunning { serve.terminate(); serve.waitUntilExit() } }
        try ServeThroughput.waitForPort(port)
        let url = "http://127.0.0.1:\(port)/v1/authz"
        _ = try ServeThroughput.wrk(wrk, url: url, script: script, seconds: 2, connections: connections)
        let nodeBefore = ProcessCPU.seconds(pid: serve.processIdentifier), serverBefore = cluster?.cpuSeconds() ?? 0
        let measured = try ServeThroughput.wrk(wrk, url: url, script: script, seconds: seconds, connections: connections)
        let nodeCPU = ProcessCPU.seconds(pid: serve.processIdentifier) - nodeBefore
        let serverCPU = (cluster?.cpuSeconds() ?? 0) - serverBefore
        Thread.sleep(forTimeInterval: 2)  // the writer's last batches of the load
        let metrics = Self.metrics(port: port)
        serve.terminate()
        serve.waitUntilExit()
        var refused: [String: Int] = [:]
        for (name, value) in metrics where name.hasPrefix("keysync_decisions_total{") && value > 0 {
            guard let code = Self.label("code", in: name), code != "VALID" else { continue }
            refused[code, default: 0] += value
        }
        return NodeRun(load: measured, counted: metrics["keysync_usage_requests_counted_total"] ?? -1,
                       written: metrics["keysync_usage_events_written_total"] ?? -1,
                       dropped: metrics["keysync_usage_events_dropped_total"] ?? -1,
                       refused: refused, nodeCPU: nodeCPU, postgresCPU: serverCPU, seconds: seconds)
    }

    /// The value of `label` in a metric line's name, e.g. `code` in `x{code="VALID",plan="p"}`.
    static func label(_ label: String, in name: String) -> String? {
        guard let start = name.range(of: label + "=\"") else { return nil }
        let rest = name[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
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
/// loopback port, run as `nobody` when the benchmark runs as root, every process of it pinned
/// to `cpu` (started under `taskset`, which its children inherit) when one is given.
struct BenchPostgres {
    let folder: String
    let port = 18_092
    let binaries: String
    let cpu: Int?
    func url(database: String) -> String { "postgres://keysync@127.0.0.1:\(port)/\(database)" }

    init(folder: String, cpu: Int?) throws {
        self.cpu = cpu
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
                           "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(folder)/sockets -c fsync=off", "start"],
                pinnedTo: cpu)
    }

    @discardableResult
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        try run("psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "keysync", "-d", database, "-X", "-A", "-t", "-c", sql])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// CPU seconds of the whole server so far: the postmaster (with its exited children, once
    /// reaped) and its live children (the backends, the writer, autovacuum).
    func cpuSeconds() -> Double {
        guard let text = try? String(contentsOfFile: folder + "/data/postmaster.pid", encoding: .utf8),
              let postmaster = Int32(text.split(separator: "\n").first ?? "") else { return 0 }
        var total = ProcessCPU.seconds(pid: postmaster, withReapedChildren: true)
        for child in ProcessCPU.children(of: postmaster) { total += ProcessCPU.seconds(pid: child) }
        return total
    }

    func remove() {
        _ = try? run("pg_ctl", ["-D", folder + "/data", "-m", "fast", "-w", "-t", "30", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a PostgreSQL program to completion with posix_spawn and waitpid, output through
    /// files: Foundation's Process learns of an exit through a descriptor the child inherits,
    /// and the server pg_ctl starts would inherit it too.
    @discardableResult
    private func run(_ program: String, _ arguments: [String], pinnedTo cpu: Int? = nil) throws -> String {
        let command = (cpu.flatMap { cpu in ServeThroughput.pinning.map { [$0, "-c", String(cpu)] } } ?? [])
            + (getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] : [])
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


/// CPU time of processes, from `/proc/PID/stat` (user + system, in clock ticks).
enum ProcessCPU {
    private static let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// The fields after the command (which may hold spaces and parentheses): field 3 on.
    private static func fields(pid: Int32) -> [Substring] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = text.lastIndex(of: ")") else { return [] }
        return text[text.index(after: end)...].split(separator: " ")
    }

    static func seconds(pid: Int32, withReapedChildren: Bool = false) -> Double {
        let fields = fields(pid: pid)
        // utime, stime, cutime, cstime are fields 14–17: 11–14 after the command.
        guard fields.count > 14 else { return 0 }
        let own = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        let reaped = withReapedChildren ? (Double(fields[13]) ?? 0) + (Double(fields[14]) ?? 0) : 0
        return (own + reaped) / ticks
    }

    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            let fields = fields(pid: pid)
            return fields.count > 1 && Int32(fields[1]) == parent
        }
    }
}
