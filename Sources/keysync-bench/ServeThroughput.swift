import Foundation
import Reconciler

/// `keysync serve` under `wrk` (32 connections, 2 threads, 10 s) against `/v1/authz`, every
/// request presenting one of the state's valid keys at random, beside nginx (1 worker) answering
/// `return 204` under the same load: requests per second, p99 latency and keysync's peak RSS.
/// Targets: ≥ 40% of nginx's rate, p99 ≤ 2 ms, ≤ 150 MB.
///
/// On a machine with two or more cores (and `taskset`), each server in turn runs pinned to CPU 0
/// and wrk to CPU 1, so the comparison is fair (nginx's one worker and keysync get the same
/// core) and wrk does not deschedule the server it measures; NIO then runs one event loop.
struct ServeThroughput {
    var state: StateFile
    var keys: [APIKey]
    var keysync: String
    var directory: String
    /// The key the state is signed with, which serve is told to trust.
    var publicKey: String
    var seconds = 10
    var connections = 32

    /// `taskset` when the servers and wrk can each have a core of their own, else `nil`.
    static let pinning: String? = ProcessInfo.processInfo.activeProcessorCount >= 2 ? program("taskset") : nil

    /// `program arguments`, pinned to `cpu` when pinning is on.
    static func pinned(_ process: Process, _ program: String, _ arguments: [String], cpu: Int) {
        if let pinning {
            process.executableURL = URL(fileURLWithPath: pinning)
            process.arguments = ["-c", String(cpu), program] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
        }
    }

    struct Load {
        var rate: Double
        var p99Milliseconds: Double
        var non2xx: Int
    }

    func measure() throws -> (BenchRow, String) {
        guard let wrk = Self.program("wrk"), let nginx = Self.program("nginx") else {
            throw BenchUsage("the serve row needs wrk and nginx (apt-get install wrk nginx), or --serve no")
        }
        let fm = FileManager.default
        try? fm.removeItem(atPath: directory)
        try fm.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        let statePath = directory + "/keysync.state.json"
        try ConvergedState.write(state, to: statePath)
        // Only keys valid now (the server reads the real clock): the figure is of allowed requests.
        let verifier = KeyVerifier(state: state)
        let valid = keys.map { $0.reveal() }.filter { verifier.verify($0, now: Date()).isValid }
        guard !valid.isEmpty else { throw BenchUsage("no key of the benchmark state is valid now") }
        // Benchmark keys (seeded, never issued to anyone) for wrk's script.
        let script = "local keys = {\n" + valid.map { "\"\($0)\"" }.joined(separator: ",\n") + "\n}\n" + """
            request = function()
              return wrk.format("GET", nil, { ["X-API-Key"] = keys[math.random(#keys)] })
            end
            """
        try script.write(toFile: directory + "/keys.lua", atomically: true, encoding: .utf8)

        let port = 18_080
        let serve = Process()
        Self.pinned(serve, keysync, ["serve", "--state", statePath, "--listen", "127.0.0.1:\(port)",
                                     "--usage-db", directory + "/usage.sqlite"], cpu: 0)
        serve.environment = ["KEYSYNC_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin", "KEYSYNC_STATE_PUBLIC_KEY": publicKey]
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try serve.run()
        defer { if serve.isRunning { serve.terminate(); serve.waitUntilExit() } }
        try Self.waitForPort(port)
        log("serve: wrk against keysync serve (\(valid.count) valid keys)")
        _ = try Self.wrk(wrk, url: "http://127.0.0.1:\(port)/v1/authz", script: directory + "/keys.lua", seconds: 2,
                         connections: connections)  // warm-up
        let keysyncLoad = try Self.wrk(wrk, url: "http://127.0.0.1:\(port)/v1/authz", script: directory + "/keys.lua",
                                       seconds: seconds, connections: connections)
        let rss = Self.memory("VmHWM", pid: serve.processIdentifier)
        let steady = Self.memory("VmRSS", pid: serve.processIdentifier)
        // What the usage writer kept up with: its thread yields the core to requests, so a writer
        // that fell behind shows here as request-log entries dropped (counts never are).
        Thread.sleep(forTimeInterval: 2)  // the writer's last batches of the load
        let usage = ServeBackendComparison.metrics(port: port)
        serve.terminate()
        serve.waitUntilExit()

        let nginxPort = 18_081
        let config = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/logs/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                server { listen 127.0.0.1:\(nginxPort); location / { return 204; } }
            }
            """
        try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let floor = Process()
        Self.pinned(floor, nginx, ["-p", directory, "-c", directory + "/nginx.conf"], cpu: 0)
        floor.standardError = FileHandle.nullDevice
        try floor.run()
        defer { if floor.isRunning { kill(floor.processIdentifier, SIGKILL); floor.waitUntilExit() } }
        try Self.waitForPort(nginxPort)
        log("serve: wrk against nginx return 204")
        _ = try Self.wrk(wrk, url: "http://127.0.0.1:\(nginxPort)/v1/authz", script: directory + "/keys.lua", seconds: 2,
                         connections: connections)
        let nginxLoad = try Self.wrk(wrk, url: "http://127.0.0.1:\(nginxPort)/v1/authz", script: directory + "/keys.lua",
                                     seconds: seconds, connections: connections)
        kill(floor.processIdentifier, SIGKILL)
        floor.waitUntilExit()

        let share = keysyncLoad.rate / nginxLoad.rate
        let row = BenchRow(
            operation: "serve /v1/authz (wrk, \(connections) connections, \(state.keys.count)-key state)", keys: state.keys.count,
            measured: .rate(keysyncLoad.rate), floorName: "nginx `return 204`, 1 worker", floor: .rate(nginxLoad.rate))
        func verdict(_ ok: Bool) -> String { ok ? "ok" : "MISSED" }
        let note = String(
            format: "Serve at %d keys: %.0f requests/s = %.0f%% of nginx's %.0f (target ≥ 40%%: %@); p99 %.2f ms (nginx %.2f ms; target ≤ 2 ms: %@); keysync peak RSS %.1f MB (target ≤ 150 MB: %@; the peak is the state's load, %.1f MB resident after the run); non-2xx answers: %d; request log: %d entries written, %d dropped. Rates are requests per second (the table's \"keys/s\"); %@.",
            state.keys.count, keysyncLoad.rate, share * 100, nginxLoad.rate, verdict(share >= 0.4), keysyncLoad.p99Milliseconds,
            nginxLoad.p99Milliseconds, verdict(keysyncLoad.p99Milliseconds <= 2), Double(rss) / 1_000_000,
            verdict(rss <= 150_000_000), Double(steady) / 1_000_000, keysyncLoad.non2xx,
            usage["keysync_usage_events_written_total"] ?? -1, usage["keysync_usage_events_dropped_total"] ?? -1,
            Self.pinning == nil ? "wrk and the server share the machine's cores" : "each server pinned to CPU 0, wrk to CPU 1 (taskset)")
        return (row, note)
    }

    static func program(_ name: String) -> String? {
        ["/usr/bin/", "/usr/sbin/", "/usr/local/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func waitForPort(_ port: Int) throws {
        let deadline = Date() + 30
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(fd)
            if connected { return }
            usleep(50_000)
        }
        throw BenchUsage("nothing listens on 127.0.0.1:\(port) after 30 s")
    }

    /// Runs wrk and reads its summary: Requests/sec, the 99% latency, non-2xx responses.
    static func wrk(_ wrk: String, url: String, script: String, seconds: Int, connections: Int) throws -> Load {
        let process = Process()
        pinned(process, wrk, ["-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script, url], cpu: 1)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        func value(after label: String) -> String? {
            output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }
                .map { $0.trimmingCharacters(in: .whitespaces).dropFirst(label.count).trimmingCharacters(in: .whitespaces) }
        }
        guard let rateText = value(after: "Requests/sec:"), let rate = Double(rateText),
              let p99Text = value(after: "99%") else { throw BenchUsage("unexpected wrk output:\n\(output)") }
        return Load(rate: rate, p99Milliseconds: milliseconds(p99Text), non2xx: Int(value(after: "Non-2xx or 3xx responses:") ?? "0") ?? 0)
    }

    /// wrk's `812.00us`, `1.20ms`, `2.01s` in milliseconds.
    static func milliseconds(_ text: String) -> Double {
        for (unit, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(unit) {
            return (Double(text.dropLast(unit.count)) ?? .nan) * scale
        }
        return .nan
    }

    /// A memory line of a running process's status (`VmHWM`: peak resident set, `VmRSS`: now), in bytes.
    static func memory(_ field: String, pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        return kilobytes * 1024
    }
}
