import ArgumentParser
import Foundation
import PlanRendering
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

            The state is checked against the audit log (a state put back from an older commit \
            is refused) and its signature (KEYSYNC_STATE_PUBLIC_KEY; --insecure-unsigned to work \
            without). In a pull request, --previous-state FILE also refuses a state that does not \
            continue the base branch's: another lineage, a lower serial, a tombstone gone.

            Examples:
              keysync plan
              keysync plan -m teams/ --state keysync.state.json --format markdown
              keysync plan --detailed-exitcode --out plan.json
              git show origin/main:keysync.state.json > base.json && keysync plan --previous-state base.json
            """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(name: .customLong("previous-state"),
            help: ArgumentHelp("The base branch's state (e.g. from `git show origin/main:keysync.state.json`): refuse a state that does not continue it.", valueName: "FILE"))
    var previousState: String?

    @Option(help: "Output format: text (for people), markdown (for a pull-request comment), json (for tools).")
    var format: PlanFormat = .text

    @Option(name: .customLong("out"), help: "Also save the plan (JSON) to this file, for a later `keysync apply PLANFILE`.")
    var out: String?

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 0 when there are no changes, 2 when there are (1 on error).")
    var detailedExitCode = false

    @OptionGroup var planning: PlanningOptions

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
        var run = PlanningRun()
        defer { Self.report(run.diagnostics, sources: run.sources, environment: environment) }
        let trust: StateTrustOptions.Trust
        do {
            trust = try repository.trust.resolve(environment: environment)
        } catch {
            run.diagnostics.append(error)
            throw ExitCode(1)
        }
        guard let manifest = run.loadManifest(at: repository.manifest),
              let snapshot = run.readRepository(repository, trust: trust),
              checkPrevious(snapshot.state, trust: trust, run: &run),
              let plan = run.plan(manifest: manifest, state: snapshot.state, now: now, warnWithin: planning.warnWithin)
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

    /// `--previous-state`: the base branch's copy must be trusted like the state itself, and
    /// the state must continue it. `false` once a refusal was collected.
    private func checkPrevious(_ state: StateFile, trust: StateTrustOptions.Trust, run: inout PlanningRun) -> Bool {
        guard let previousState else { return true }
        do {
            let previous = try StateFileReader.read(at: previousState)
            if let refusal = StateTrustOptions.check(previous, exists: previous.serial > 0, path: previousState, trust: trust) {
                run.diagnostics.append(refusal)
                return false
            }
            try RepositoryHistory.checkDescends(state, from: previous)
            return true
        } catch let error as StateFileError {
            run.diagnostics.append(error.diagnostic(file: previousState))
        } catch let error as HistoryError {
            run.diagnostics.append(error.diagnostic(file: repository.statePath))
        } catch {
            run.diagnostics.append(.error("state-previous-unreadable", "\(error)", at: nil))
        }
        return false
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
