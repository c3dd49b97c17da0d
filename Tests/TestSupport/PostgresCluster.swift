import Foundation
import XCTest

/// A throwaway PostgreSQL cluster for one test: `initdb` into a temporary folder (as `nobody`
/// when the tests run as root: PostgreSQL refuses to run as root), started with `pg_ctl` on a
/// free loopback port with trust authentication, stopped and deleted by `remove()`.
public final class PostgresCluster: @unchecked Sendable {
    public let folder: URL
    public let port: Int
    let binaries: URL
    private var data: URL { folder.appendingPathComponent("data") }
    private var sockets: URL { folder.appendingPathComponent("sockets") }
    public static let user = "keysync"
    public static let database = "postgres"

    /// The folder of Debian's PostgreSQL programs, or `nil` when the package is not installed.
    public static var installedBinaries: URL? {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            .map { root.appendingPathComponent($0).appendingPathComponent("bin") }
            .first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("pg_ctl").path) }
    }

    /// Creates and starts a cluster; skips the test (with the reason) only when PostgreSQL is not installed.
    public init() throws {
        guard let binaries = Self.installedBinaries else {
            throw XCTSkip("PostgreSQL is not installed (apt-get install postgresql; .ci/run does): no initdb/pg_ctl in /usr/lib/postgresql/*/bin")
        }
        self.binaries = binaries
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("keysync-pg-\(UUID().uuidString.prefix(8))")
        port = try freePort()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: sockets, withIntermediateDirectories: true)
        if getuid() == 0 {
            for path in [folder.path, sockets.path] { try FileManager.default.setAttributes([.ownerAccountID: 65534, .groupOwnerAccountID: 65534], ofItemAtPath: path) }
        }
        try run("initdb", ["-D", data.path, "-U", Self.user, "--auth=trust", "-E", "UTF8", "--no-sync"])
        try start()
    }

    public var backendURL: String { "postgres://\(Self.user)@127.0.0.1:\(port)/\(Self.database)" }

    public func start() throws {
        try run("pg_ctl", ["-D", data.path, "-l", folder.appendingPathComponent("server.log").path, "-w", "-t", "30",
                           "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(sockets.path) -c fsync=off -c max_connections=100",
                           "start"])
    }

    /// A fast shutdown: open connections are closed, as when the database host goes away.
    public func stop() throws {
        try run("pg_ctl", ["-D", data.path, "-m", "fast", "-w", "-t", "30", "stop"])
    }

    /// An immediate shutdown, as a crash: at the next start PostgreSQL runs crash recovery,
    /// which empties every UNLOGGED table.
    public func crash() throws {
        try run("pg_ctl", ["-D", data.path, "-m", "immediate", "-w", "-t", "30", "stop"])
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the server and all its processes: a database that
    /// accepts connections and never answers, the "slow" failure.
    public func freeze(_ frozen: Bool) throws {
        let pidFile = try String(contentsOf: data.appendingPathComponent("postmaster.pid"), encoding: .utf8)
        guard let postmaster = pidFile.split(separator: "\n").first.flatMap({ pid_t($0) }) else { throw CocoaError(.fileReadCorruptFile) }
        var processes = [postmaster]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, pid_t(fields[1]) == postmaster { processes.append(pid) }
        }
        for pid in processes { kill(pid, frozen ? SIGSTOP : SIGCONT) }
    }

    /// Turns TLS on with this certificate and key (copied into the data folder, readable only
    /// by the server's user) and restarts the server.
    public func enableTLS(certificate: String, key: String) throws {
        for (source, name) in [(certificate, "server.crt"), (key, "server.key")] {
            let target = data.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(atPath: source, toPath: target.path)
            var attributes: [FileAttributeKey: Any] = [.posixPermissions: 0o600]
            if getuid() == 0 { attributes[.ownerAccountID] = 65534; attributes[.groupOwnerAccountID] = 65534 }
            try FileManager.default.setAttributes(attributes, ofItemAtPath: target.path)
        }
        let settings = "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
        let conf = FileHandle(forWritingAtPath: data.appendingPathComponent("postgresql.conf").path)!
        defer { try? conf.close() }
        try conf.seekToEnd()
        try conf.write(contentsOf: Data(settings.utf8))
        try stop()
        try start()
    }

    /// Runs SQL with psql (plain TCP, so it is never one of the TLS connections a test counts)
    /// and returns its unaligned, tuples-only output.
    public func psql(_ sql: String) throws -> String {
        try run("psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", Self.user, "-d", "dbname=\(Self.database) sslmode=disable", "-X", "-A", "-t",
                         "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    public func remove() {
        try? freeze(false)
        _ = try? stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs one of the PostgreSQL programs (as `nobody` when root) and returns its standard output.
    /// posix_spawn and waitpid, not Foundation's Process: Process learns of an exit through a
    /// descriptor the child inherits, and the server pg_ctl starts inherits it too, so
    /// `waitUntilExit` would wait for the server to stop. Output goes to files for the same reason.
    @discardableResult
    func run(_ program: String, _ arguments: [String]) throws -> String {
        let executable = binaries.appendingPathComponent(program).path
        let command = getuid() == 0
            ? ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", executable] + arguments
            : [executable] + arguments
        let name = UUID().uuidString.prefix(8)
        let outputFile = folder.appendingPathComponent("\(program)-\(name).out").path
        let errorFile = folder.appendingPathComponent("\(program)-\(name).err").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, &argv, environ)
        guard spawned == 0 else { throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(program): spawn failed (\(spawned))"]) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let text = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0, code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            let problem = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(program) failed (status \(status)): \(problem) \(text)"])
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
