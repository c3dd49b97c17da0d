import ArgumentParser
import Foundation
import KeysyncServer
import Manifest
import Reconciler

/// `keysync requests`: the request log of one key (time, outcome, method, path, client), from
/// the usage database `keysync serve` writes. Exit status: 0 listed, 1 error, 64 usage error.
struct RequestsCommand: AsyncParsableCommand, FormatsDiagnostics {
    static let configuration = CommandConfiguration(
        commandName: "requests",
        abstract: "List the recorded requests of one key (from keysync serve's usage database).",
        discussion: """
            The newest --limit requests since --since, oldest first. The log keeps requests for \
            serve's --retention (30 days by default).
            Exit status: 0 success, 1 error, 64 usage error.

            Examples:
              keysync requests --key key_abcdefghijklmnopqrst --since 1h
              keysync requests --key key_abcdefghijklmnopqrst --format json
            """
    )

    enum Format: String, CaseIterable, ExpressibleByArgument { case table, json }

    @Option(help: ArgumentHelp("The key's id (key_...), as keysync list shows it.", valueName: "ID"))
    var key: String

    @Option(help: ArgumentHelp("Only requests in this last period (e.g. 15m, 1h, 7d).", valueName: "PERIOD"))
    var since: String?

    @Option(help: "At most this many requests (the newest).")
    var limit: Int = 1000

    /// `nil` unless given, so naming it beside `--backend` is refused (the help names the default).
    @Option(name: .customLong("usage-db"),
            help: ArgumentHelp("The usage database. (default: \(Self.defaultUsageDatabase))", valueName: "FILE"))
    var usageDatabase: String?

    static let defaultUsageDatabase = "keysync.usage.sqlite"

    @Option(help: ArgumentHelp("Read from the PostgreSQL backend that keysync serve --backend writes.",
                               valueName: "postgres://USER@HOST:PORT/DB"))
    var backend: String?

    @Option(help: "Output format: table or json.")
    var format: Format = .table

    var diagnosticFormat: DiagnosticRenderer.Format { format == .json ? .json : .text }

    func validate() throws {
        guard KeyID(rawValue: key) != nil else {
            throw ValidationError("--key must be a key id such as key_abcdefghijklmnopqrst (keysync list shows them)")
        }
        if let since { _ = try ServeCommand.period(since, option: "--since") }
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        try UsageDatabase.validate(usageDatabase: usageDatabase, backend: backend)
    }

    func run() async throws {
        let now = try PlanCommand.clock(ProcessInfo.processInfo.environment)
        let cutoff = try since.map { now.addingTimeInterval(-TimeInterval(try ServeCommand.period($0, option: "--since"))) }
        let (key, limit) = (key, limit)
        let events = try await UsageDatabase.open(usageDatabase ?? Self.defaultUsageDatabase, backend: backend) {
            try await $0.requests(keyID: key, since: cutoff, limit: limit)
        }
        let rows = events.map { Row(time: Timestamp.format($0.time), outcome: $0.outcome.rawValue, method: $0.method,
                                    path: $0.path, client: $0.client) }
        let output = format == .json ? JSONOutput.render(Output(key: key, requests: rows)) : Self.table(rows)
        Console.current(for: self).write(output)
    }

    struct Row: Encodable {
        var time, outcome, method, path, client: String
    }

    struct Output: Encodable {
        var key: String
        var requests: [Row]
    }

    static func table(_ rows: [Row]) -> String {
        guard !rows.isEmpty else { return "no requests recorded\n" }
        return TextTable.render(header: ["TIME", "OUTCOME", "METHOD", "PATH", "CLIENT"],
                                rows: rows.map { [$0.time, $0.outcome, $0.method, $0.path, $0.client] })
    }
}
