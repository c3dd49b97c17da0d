import ArgumentParser
import Foundation
import KeysyncServer
import Logging
import Reconciler

/// `keysync usage`: requests and last use per key, from the usage database `keysync serve`
/// writes, beside each key's status and preview from the state.
/// Exit status: 0 listed, 1 error, 64 usage error.
struct UsageCommand: AsyncParsableCommand, FormatsDiagnostics {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Show requests and last use per key (from keysync serve's usage database).",
        discussion: """
            REQUESTS counts every request that presented the key; ALLOWED those answered 200. \
            Revoked keys are listed only when they were used.
            Exit status: 0 success, 1 error, 64 usage error.

            Examples:
              keysync usage
              keysync usage --team payments --format json
            """
    )

    enum Format: String, CaseIterable, ExpressibleByArgument { case table, json }

    @OptionGroup var trusted: TrustedStateOptions

    @Option(name: .customLong("usage-db"),
            help: ArgumentHelp("The usage database; default: keysync.usage.sqlite beside the state file.", valueName: "FILE"))
    var usageDatabase: String?

    @Option(help: ArgumentHelp("Read from the PostgreSQL backend that keysync serve --backend writes.",
                               valueName: "postgres://USER@HOST:PORT/DB"))
    var backend: String?

    @Option(help: "Only this team's keys.")
    var team: String?

    @Option(help: "Output format: table or json.")
    var format: Format = .table

    var diagnosticFormat: DiagnosticRenderer.Format { format == .json ? .json : .text }

    @OptionGroup var progressOptions: ProgressOptions

    func validate() throws {
        try UsageDatabase.validate(usageDatabase: usageDatabase, backend: backend)
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let now = try PlanCommand.clock(environment)
        let console = Console.current(for: self)
        let progress = try console.progress(quiet: progressOptions.quiet)
        defer { progress.finish() }
        let state = try trusted.load(environment: environment, progress: progress.reporter).normalized
        progress.finish()
        let path = usageDatabase ?? ServerConfiguration.defaultUsageDatabasePath(statePath: trusted.state)
        let usage = try await UsageDatabase.open(path, backend: backend) { try await $0.usage() }
        let rows = Self.rows(state: state, usage: usage, team: team, now: now)
        let output = format == .json ? JSONOutput.render(["keys": rows]) : Self.table(rows)
        console.write(output)
    }

    struct Row: Encodable {
        var team, name, id, preview, status: String
        var requests: Int
        var allowed: Int
        var byOutcome: [String: Int]
        var lastUsed: Nullable<String>
        enum CodingKeys: String, CodingKey {
            case team, name, id, preview, status, requests, allowed, byOutcome = "by_outcome", lastUsed = "last_used"
        }
    }

    static func rows(state: StateFile, usage: [KeyUsage], team: String?, now: Date) -> [Row] {
        let byKey = Dictionary(usage.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first })
        return state.keys.compactMap { record in
            if let team, record.team != team { return nil }
            let condition = KeyCondition(record, at: now)
            let used = byKey[record.id.rawValue]
            if condition == .revoked, used == nil { return nil }
            var byOutcome: [String: Int] = [:]
            for (code, count) in used?.requests ?? [:] { byOutcome[code.rawValue] = count }
            return Row(team: record.team, name: record.name, id: record.id.rawValue, preview: record.preview.rawValue,
                       status: condition.rawValue, requests: used?.total ?? 0, allowed: used?.requests[.valid] ?? 0,
                       byOutcome: byOutcome, lastUsed: Nullable(used?.lastUsed.map(Timestamp.format)))
        }
    }

    static func table(_ rows: [Row]) -> String {
        guard !rows.isEmpty else { return "no keys match\n" }
        let header = ["TEAM", "NAME", "ID", "PREVIEW", "STATUS", "REQUESTS", "ALLOWED", "LAST USED"]
        let cells = rows.map { row in
            [row.team, row.name, row.id, row.preview, row.status, String(row.requests), String(row.allowed),
             row.lastUsed.value ?? "never"]
        }
        return TextTable.render(header: header, rows: cells)
    }
}

/// Opens the usage database read-only for one query (the SQLite file, or the PostgreSQL
/// backend when `--backend` is given); a missing or unreadable store is reported on standard
/// error as a diagnostic and exits with status 1.
enum UsageDatabase {
    /// `--usage-db` and `--backend` name two stores; reading one and ignoring the other would
    /// answer from the wrong place, so naming both is a usage error (before anything is opened).
    static func validate(usageDatabase: String?, backend: String?) throws {
        if usageDatabase != nil, backend != nil {
            throw ValidationError("--usage-db and --backend exclude each other: usage is read from one store")
        }
    }

    static func open<T: Sendable>(_ path: String, backend: String?,
                                  _ body: @escaping @Sendable (any UsageStore) async throws -> T) async throws -> T {
        if let backend {
            let postgres: PostgresBackend
            do {
                postgres = try PostgresBackend(url: backend, nodeID: "cli", environment: ProcessInfo.processInfo.environment)
            } catch {
                throw ValidationError("\(error)")
            }
            do {
                var logger = Logger(label: "keysync.usage")
                logger.logLevel = .critical
                return try await PostgresUsageStore.withStore(postgres, logger: logger) { try await body($0) }
            } catch {
                throw ServeCommand.fail(.error(.usageDbUnusable, "the backend \(postgres.displayURL) cannot be read: \(describeDatabaseError(error))",
                                               hint: "check that keysync serve --backend has run against it and the password is in KEYSYNC_PG_PASSWORD, the file named by KEYSYNC_PG_PASSWORD_FILE, or PGPASSWORD", at: nil),
                                        summary: "cannot read usage")
            }
        }
        do {
            let store = try SQLiteUsageStore(path: path, readOnly: true)
            return try await body(store)
        } catch {
            throw ServeCommand.fail(.error(.usageDbUnusable, "the usage database \(path) cannot be read: \(error)",
                                           hint: "pass --usage-db with the file keysync serve writes", at: nil),
                                    summary: "cannot read usage")
        }
    }
}
