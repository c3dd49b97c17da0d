import ArgumentParser
import Foundation
import Manifest
import Reconciler

/// `keysync expiring`: the keys a scheduled job should send notices about — expired, or
/// expiring within the window — with their team, owner and contacts from the state; and,
/// beside them, the scheduled rotations (`rotate_every`) due within the window.
/// Exit status: 0 none, 2 some (so a job can branch on it), 1 error, 64 usage error.
struct ExpiringCommand: ParsableCommand, FormatsDiagnostics {
    static let configuration = CommandConfiguration(
        commandName: "expiring",
        abstract: "List keys that have expired or expire soon, with owners and contacts.",
        discussion: """
            Revoked keys and keys already replaced by a rotation are left out. Keys whose \
            scheduled rotation (rotate_every) is due within the window are listed after them: \
            the next apply (the scheduled CI job) replaces those.
            Exit status: 0 no such keys, 2 some keys listed, 1 error, 64 usage error.

            Examples:
              keysync expiring --within 14d
              keysync expiring --format json > expiring.json
            """
    )

    enum Format: String, CaseIterable, ExpressibleByArgument { case text, json }

    @OptionGroup var trusted: TrustedStateOptions

    @Option(help: "The window, e.g. 7d, 48h, 2w.")
    var within: Period = .week

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    var diagnosticFormat: DiagnosticRenderer.Format { format == .json ? .json : .text }

    @OptionGroup var progressOptions: ProgressOptions

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let now = try PlanCommand.clock(environment)
        let window = within
        let console = Console.current(for: self)
        let progress = try console.progress(quiet: progressOptions.quiet)
        defer { progress.finish() }
        let state = try trusted.load(environment: environment, progress: progress.reporter)
        progress.finish()
        let notices = ExpiryNotice.notices(in: state, now: now, within: TimeInterval(window.seconds))
        let rotations = RotationNotice.notices(in: state, now: now, within: TimeInterval(window.seconds))
        let output = format == .json
            ? Self.json(notices, rotations: rotations, now: now, within: window.text)
            : Self.text(notices, now: now, within: window.text) + Self.text(rotations, within: window.text)
        console.write(output)
        if !notices.isEmpty || !rotations.isEmpty { throw ExitStatus.attention }
    }

    /// The rotations block, after the expiries; nothing when no rotation comes due.
    static func text(_ rotations: [RotationNotice], within: String) -> String {
        guard !rotations.isEmpty else { return "" }
        let count = rotations.count == 1 ? "1 key is" : "\(rotations.count) keys are"
        var out = "\n\(count) due for scheduled rotation (rotate_every) within \(within):\n"
        let header = ["ROTATE AT", "STATE", "TEAM", "NAME", "PREVIEW", "OWNER", "CONTACTS"]
        out += TextTable.render(header: header, rows: rotations.map { notice in
            [Timestamp.format(notice.dueAt), notice.isDue ? "due" : "coming", notice.key.team,
             notice.key.name, notice.key.preview.rawValue, notice.owner ?? "-",
             notice.contacts.isEmpty ? "-" : notice.contacts.joined(separator: ", ")]
        })
        return out
    }

    static func text(_ notices: [ExpiryNotice], now: Date, within: String) -> String {
        let asOf = Timestamp.format(now)
        guard !notices.isEmpty else { return "no keys have expired or expire within \(within) (as of \(asOf))\n" }
        let count = notices.count == 1 ? "1 key has" : "\(notices.count) keys have"
        var out = "\(count) expired or expire within \(within) (as of \(asOf)):\n"
        let header = ["EXPIRES", "STATE", "TEAM", "NAME", "PREVIEW", "OWNER", "CONTACTS"]
        out += TextTable.render(header: header, rows: notices.map { notice in
            [Timestamp.format(notice.expiresAt), notice.isExpired ? "expired" : "expiring", notice.key.team,
             notice.key.name, notice.key.preview.rawValue, notice.owner ?? "-",
             notice.contacts.isEmpty ? "-" : notice.contacts.joined(separator: ", ")]
        })
        return out
    }

    struct JSONNotice: Encodable {
        var team, name, id, preview, expiresAt: String
        var expired: Bool
        var owner: Nullable<String>
        var contacts: [String]
        enum CodingKeys: String, CodingKey {
            case team, name, id, preview, expiresAt = "expires_at", expired, owner, contacts
        }
    }

    struct JSONRotation: Encodable {
        var team, name, id, preview, rotateAt: String
        var due: Bool
        var owner: Nullable<String>
        var contacts: [String]
        enum CodingKeys: String, CodingKey {
            case team, name, id, preview, rotateAt = "rotate_at", due, owner, contacts
        }
    }

    struct JSONReport: Encodable {
        var now, within: String
        var keys: [JSONNotice]
        var rotations: [JSONRotation]
    }

    static func json(_ notices: [ExpiryNotice], rotations: [RotationNotice], now: Date, within: String) -> String {
        JSONOutput.render(JSONReport(now: Timestamp.format(now), within: within, keys: notices.map { notice in
            JSONNotice(team: notice.key.team, name: notice.key.name, id: notice.key.id.rawValue, preview: notice.key.preview.rawValue,
                       expiresAt: Timestamp.format(notice.expiresAt), expired: notice.isExpired,
                       owner: Nullable(notice.owner), contacts: notice.contacts)
        }, rotations: rotations.map { notice in
            JSONRotation(team: notice.key.team, name: notice.key.name, id: notice.key.id.rawValue, preview: notice.key.preview.rawValue,
                         rotateAt: Timestamp.format(notice.dueAt), due: notice.isDue,
                         owner: Nullable(notice.owner), contacts: notice.contacts)
        }))
    }
}
