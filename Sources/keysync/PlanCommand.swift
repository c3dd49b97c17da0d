import ArgumentParser
import Foundation
import PlanRendering
import Manifest
import Reconciler

/// `keysync plan`: validates the manifest, reads the state, and shows what `apply` would do.
/// Writes nothing except the `--out` plan file. Exit status as Terraform's: 0 success (with
/// `--detailed-exitcode`: 0 no changes, 2 changes), 1 error, 64 usage error.
struct PlanCommand: ParsableCommand, FormatsDiagnostics {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change: the diff between the manifest and the state.",
        // Past 12 options ArgumentParser shortens the synopsis to `<options>`, which reads as if
        // options were required; every one of plan's is optional.
        usage: "keysync plan [<options>]",
        discussion: """
            The plan goes to standard output; diagnostics (manifest problems, an unreadable
            state) go to standard error, as `validate` shows them.
            Exit status: 0 success, 1 error, 64 usage error; with --detailed-exitcode:
            0 no changes, 1 error, 2 changes present.

            The state is checked against the audit log (a state put back from an older commit \
            is refused) and its signature (KEYSYNC_STATE_PUBLIC_KEY; --insecure-unsigned to work \
            without). In a pull request, --previous-state FILE also refuses a state that does not \
            continue the base branch's: another lineage, a lower serial, a tombstone gone.

            Examples:
              keysync plan
              keysync plan -m teams/ --state keysync.state.json --format markdown
              keysync plan --detailed-exitcode --out plan.json
              mkdir base && git archive origin/main keysync.state.json keysync.state.d | tar -x -C base
              keysync plan --previous-state base/keysync.state.json
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(name: .customLong("previous-state"),
            help: ArgumentHelp("The base branch's state, its shard folder beside it (e.g. from `git archive origin/main keysync.state.json keysync.state.d`): refuse a state that does not continue it.", valueName: "FILE"))
    var previousState: String?

    @Option(help: "Output format: text (for people), markdown (for a pull-request comment), json (for tools).")
    var format: PlanFormat = .text

    var diagnosticFormat: DiagnosticRenderer.Format { format == .json ? .json : .text }

    @Option(name: .customLong("out"), help: "Also save the plan (JSON) to this file, for a later `keysync apply PLANFILE`.")
    var out: String?

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 0 when there are no changes, 2 when there are (1 on error).")
    var detailedExitCode = false

    @Flag(help: "Show every change: text and markdown plans past \(PlanDetail.standardThreshold) changes are otherwise summarised (json and --out always hold every change).")
    var full = false

    @OptionGroup var planning: PlanningOptions

    @OptionGroup var progressOptions: ProgressOptions

    /// Where the state lives unless `--state` says otherwise: beside the manifest file or folder.
    static func defaultStatePath(forManifest path: String) -> String {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let directory = (trimmed as NSString).deletingLastPathComponent
        return directory.isEmpty ? "keysync.state.json" : (directory as NSString).appendingPathComponent("keysync.state.json")
    }

    func run() throws {
        let console = Console.current(for: self)
        let environment = console.environment
        let now = try Self.clock(environment)
        let configuration: ReconcileConfiguration
        do {
            configuration = try repository.configuration(environment: environment, planning: planning)
        } catch {
            throw CommandFailure(command: "plan", [error])
        }
        let progress = try console.progress(quiet: progressOptions.quiet)
        defer { progress.finish() }
        let outcome = PlanSession(configuration: configuration, storage: FileSystemStorage(), progress: progress.reporter)
            .run(now: now, previousStatePath: previousState)
        progress.finish()
        guard let plan = outcome.plan else {
            throw CommandFailure(command: "plan", outcome.report.diagnostics, sources: outcome.report.sources)
        }
        if let out {
            do {
                try SavedPlan.encode(plan).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw CommandFailure(command: "plan", outcome.report.diagnostics + [
                    .error(.planWrite, "cannot write the plan to \(out): \(error.localizedDescription)",
                           hint: "check that the folder exists and that you may write to it", at: nil)],
                    sources: outcome.report.sources)
            }
        }
        console.write(plan.rendered(as: format, full: full, console: console))
        // Diagnostics go to standard error so the plan on standard output stays clean for tools.
        console.reportWarnings(outcome.report.diagnostics, sources: outcome.report.sources, command: "plan")
        if detailedExitCode && plan.hasChanges { throw ExitStatus.attention }
    }

    /// The clock, read at the edge. `KEYSYNC_NOW` (RFC 3339) pins it, for reproducible plans and tests.
    /// Whole seconds, as every time keysync stores: a saved plan made again at its `planned_at`
    /// then sees the very clock it was made with.
    static func clock(_ environment: [String: String]) throws -> Date {
        guard let text = environment["KEYSYNC_NOW"], !text.isEmpty else {
            return Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        }
        guard let date = Timestamp.parse(text) else {
            throw ValidationError("KEYSYNC_NOW must be an RFC 3339 timestamp such as 2026-11-25T12:00:00Z")
        }
        return date
    }
}

extension PlanFormat: ExpressibleByArgument {}

extension Plan {
    /// The plan as `plan` and `apply` print it on standard output, in `format`: coloured text
    /// only where the console says colour is wanted; past `PlanDetail.standardThreshold`
    /// changes summarised unless `full`.
    func rendered(as format: PlanFormat, full: Bool, console: Console) -> String {
        rendered(as: format, color: format == .text && console.terminal(for: .standardOutput).usesColour,
                 detail: full ? .full : .standard)
    }
}
