import ArgumentParser
import Foundation
import Manifest
import Reconciler

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `keysync plan`: validates the manifest, reads the state, and shows what `apply` would do.
/// Writes nothing except the `--out` plan file. Exit status as Terraform's: 0 success (with
/// `--detailed-exitcode`: 0 no changes, 2 changes), 1 error, 64 usage error.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change: the diff between the manifest and the state.",
        discussion: """
            The plan goes to standard output; diagnostics (manifest problems, an unreadable
            state) go to standard error, as `validate` shows them.
            Exit status: 0 success, 1 error, 64 usage error; with --detailed-exitcode:
            0 no changes, 1 error, 2 changes present.

            Examples:
              keysync plan
              keysync plan -m teams/ --state keysync.state.json --format markdown
              keysync plan --detailed-exitcode --out plan.json
            """
    )

    @Option(name: [.customShort("m"), .customLong("manifest")], help: "The manifest: a file or a folder of *.yaml/*.yml files.")
    var manifest: String = "keys.yaml"

    @Option(help: "The state file (default: keysync.state.json beside the manifest). A missing file is an empty state.")
    var state: String?

    @OptionGroup var trust: StateTrustOptions

    @Option(help: "Output format: text (for people), markdown (for a pull-request comment), json (for tools).")
    var format: PlanFormat = .text

    @Option(name: .customLong("out"), help: "Also save the plan (JSON) to this file, for a later `keysync apply PLANFILE`.")
    var out: String?

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 0 when there are no changes, 2 when there are (1 on error).")
    var detailedExitCode = false

    @Option(name: .customLong("warn-within"), help: "Warn about keys expiring within this period, e.g. 7d, 48h, 2w.")
    var warnWithin: String = "7d"

    func validate() throws {
        if Period(parsing: warnWithin) == nil {
            throw ValidationError("--warn-within must be a period such as 7d, 48h or 2w (a number followed by s, m, h, d or w)")
        }
    }

    /// Where the state lives unless `--state` says otherwise: beside the manifest file or folder.
    static func defaultStatePath(forManifest path: String) -> String {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let directory = (trimmed as NSString).deletingLastPathComponent
        return directory.isEmpty ? "keysync.state.json" : (directory as NSString).appendingPathComponent("keysync.state.json")
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let now = try Self.clock(environment)
        let statePath = state ?? Self.defaultStatePath(forManifest: manifest)
        var run = PlanningRun()
        defer { Self.report(run.diagnostics, sources: run.sources, environment: environment) }
        guard let manifest = run.loadManifest(at: manifest),
              let stateFile = run.readTrustedState(at: statePath, trust: trust, environment: environment),
              let plan = run.plan(manifest: manifest, state: stateFile, now: now, warnWithin: warnWithin)
        else { throw ExitCode(1) }

        if let out {
            do {
                try SavedPlan.encode(plan).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                run.diagnostics.append(.error("plan-write", "cannot write the plan to \(out): \(error.localizedDescription)",
                                              hint: "check that the folder exists and that you may write to it", at: nil))
                throw ExitCode(1)
            }
        }
        FileHandle.standardOutput.write(Data(PlanningRun.render(plan, as: format, environment: environment).utf8))
        if detailedExitCode && plan.hasChanges { throw ExitCode(2) }
    }

    /// The clock, read at the edge. `KEYSYNC_NOW` (RFC 3339) pins it, for reproducible plans and tests.
    static func clock(_ environment: [String: String]) throws -> Date {
        guard let text = environment["KEYSYNC_NOW"], !text.isEmpty else { return Date() }
        guard let date = Timestamp.parse(text) else {
            throw ValidationError("KEYSYNC_NOW must be an RFC 3339 timestamp such as 2026-11-25T12:00:00Z")
        }
        return date
    }

    /// Diagnostics go to standard error so the plan on standard output stays clean for tools.
    static func report(
        _ diagnostics: [Diagnostic], sources: [String: [UInt8]], environment: [String: String], command: String = "plan"
    ) {
        guard !diagnostics.isEmpty else { return }
        let terminal = Terminal(usesColour: isatty(STDERR_FILENO) == 1 && (environment["NO_COLOR"] ?? "").isEmpty)
        let renderer = DiagnosticRenderer(format: .text, terminal: terminal, sources: sources)
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        let summary = errors > 0
            ? "\(command) failed: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            : "\(warnings) warning\(warnings == 1 ? "" : "s")"
        FileHandle.standardError.write(Data(renderer.render(diagnostics.sortedByLocation(), summary: summary).utf8))
    }
}

extension PlanFormat: ExpressibleByArgument {}
