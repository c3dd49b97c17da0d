import ArgumentParser
import Foundation
import Reconciler

/// `keysync list`: the keys in the state, as their owners see them — never a raw key, only
/// previews. Exit status: 0 listed (even when nothing matches), 1 error, 64 usage error.
struct ListCommand: ParsableCommand, FormatsDiagnostics {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the keys in the state: team, name, preview, status, dates, rate limit, owner.",
        discussion: """
            Status is read against the clock: a key past its expiry is `expired` even while its \
            record says active, and a rotated-out key past its grace period is `revoked`. \
            Without --status, active, inactive and expired keys are listed; revoked keys \
            (tombstones) only with --status revoked or all.
            Exit status: 0 success, 1 error, 64 usage error.

            Examples:
              keysync list
              keysync list --team payments --status active --format json
            """
    )

    enum Format: String, CaseIterable, ExpressibleByArgument { case table, json }
    enum StatusFilter: String, CaseIterable, ExpressibleByArgument { case active, inactive, revoked, expired, all }

    @OptionGroup var trusted: TrustedStateOptions

    @Option(help: "Only this team's keys.")
    var team: String?

    @Option(help: "Only keys with this status (active, inactive, revoked, expired, all).")
    var status: StatusFilter?

    @Option(help: "Output format: table or json.")
    var format: Format = .table

    var diagnosticFormat: DiagnosticRenderer.Format { format == .json ? .json : .text }

    @OptionGroup var progressOptions: ProgressOptions

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let now = try PlanCommand.clock(environment)
        let console = Console.current(for: self)
        let progress = try console.progress(quiet: progressOptions.quiet)
        defer { progress.finish() }
        let state = try trusted.load(environment: environment, progress: progress.reporter).normalized
        progress.finish()
        let rows = Self.rows(state, now: now, team: team, status: status)
        let output = format == .json ? JSONOutput.render(["keys": rows]) : Self.table(rows)
        console.write(output)
    }

    struct Row: Encodable {
        var team, name, id, preview, status, createdAt: String
        var expiresAt: Nullable<String>
        var rateLimit: Int
        var owner: Nullable<String>
        /// Set on a key replaced by a rotation and still in its grace period: when it stops working.
        var revokeAfter: Nullable<String>
        enum CodingKeys: String, CodingKey {
            case team, name, id, preview, status, createdAt = "created_at", expiresAt = "expires_at"
            case rateLimit = "rate_limit", owner, revokeAfter = "revoke_after"
        }
    }

    static func rows(_ state: StateFile, now: Date, team: String?, status: StatusFilter?) -> [Row] {
        let owners = Dictionary(state.teams.map { ($0.name, $0.owner) }, uniquingKeysWith: { first, _ in first })
        return state.keys.compactMap { record in
            if let team, record.team != team { return nil }
            let condition = KeyCondition(record, at: now)
            switch status {
            case nil: if condition == .revoked { return nil }
            case .all?: break
            case let filter?: if condition.rawValue != filter.rawValue { return nil }
            }
            return Row(team: record.team, name: record.name, id: record.id.rawValue, preview: record.preview.rawValue,
                       status: condition.rawValue, createdAt: Timestamp.format(record.createdAt),
                       expiresAt: Nullable(record.expiresAt.map(Timestamp.format)), rateLimit: record.rateLimit,
                       owner: Nullable(record.owner ?? owners[record.team] ?? nil),
                       revokeAfter: Nullable(condition == .revoked ? nil : record.revokeAfter.map(Timestamp.format)))
        }
    }

    static func table(_ rows: [Row]) -> String {
        guard !rows.isEmpty else { return "no keys match\n" }
        let header = ["TEAM", "NAME", "PREVIEW", "STATUS", "CREATED", "EXPIRES", "RATE/MIN", "OWNER"]
        let cells = rows.map { row in
            [row.team, row.name, row.preview,
             row.revokeAfter.value == nil ? row.status : "retiring", row.createdAt, row.expiresAt.value ?? "never",
             String(row.rateLimit), row.owner.value ?? "-"]
        }
        return TextTable.render(header: header, rows: cells)
    }
}

/// Left-aligned columns, two spaces apart, no trailing spaces.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        var out = ""
        for row in all {
            var line = ""
            for (column, cell) in row.enumerated() {
                line += column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
