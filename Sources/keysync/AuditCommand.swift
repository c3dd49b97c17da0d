import ArgumentParser
import Foundation
import Manifest
import Reconciler

/// `keysync audit …`: commands over the audit log that `apply` appends to.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Inspect the audit log that apply writes.",
        discussion: """
            Examples:
              keysync audit verify keysync.audit.jsonl
            """,
        subcommands: [Verify.self]
    )

    /// `keysync audit verify [FILE]`: checks the hash chain, exit 0 when intact, 1 otherwise.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that no line of the audit log was edited, removed or reordered.",
            discussion: """
                Each line holds the SHA-256 of the line before it, and the signed state records \
                the log's head as of its apply: so a cut tail, a rewritten last line or a history \
                rewritten with recomputed links fails, naming the line. Prints "ok: N events, \
                chain intact, …" and exits 0, or names every problem on stderr and exits 1. \
                Without a state file beside the log, only the chain is checked.

                Examples:
                  keysync audit verify
                  keysync audit verify keysync.audit.jsonl --state keysync.state.json
                """
        )

        @Argument(help: "The audit log.")
        var file: String = AuditLog.defaultFileName

        @Option(help: ArgumentHelp("The state whose recorded head the log must hold (default: keysync.state.json beside the log).", valueName: "FILE"))
        var state: String?

        @OptionGroup var trust: StateTrustOptions

        @OptionGroup var progressOptions: ProgressOptions

        func run() throws {
            let progress = try Console.current.progress(quiet: progressOptions.quiet)
            defer { progress.finish() }
            let log = try readLog()
            let chain = progress.reporter.whole(.checkAuditLog) { AuditLog.verify(log.file.bytes) }
            // Lines are counted across the whole log; the location names the segment file and its line.
            var problems = chain.map { problem in
                let (path, line) = log.locate(line: problem.line)
                return Diagnostic.error(problem.code, problem.description, at: SourceLocation(file: path, line: line, column: 1))
            }
            // Beside the log, as apply puts them.
            let statePath = state ?? PlanCommand.defaultStatePath(forManifest: file)
            var anchored: StateFile?
            if (try? FileSystemStorage().read(statePath)) != nil || state != nil {
                do {
                    let trusted = try trust.resolve(environment: ProcessInfo.processInfo.environment)
                    let snapshot = try progress.reporter.whole(.readState) { () throws(RepositoryError) -> RepositorySnapshot in
                        try RepositoryReader.read(
                            ApplyLayout(statePath: statePath, auditLogPath: file), storage: FileSystemStorage(), requireState: true,
                            trusting: trusted)
                    }
                    if let refusal = trusted.refusal(of: snapshot, path: statePath) {
                        problems.append(refusal)
                    } else {
                        anchored = snapshot.state
                    }
                } catch let error as Diagnostic {
                    problems.append(error)
                } catch let error as RepositoryError {
                    problems.append(error.diagnostic)
                } catch {
                    problems.append(.error(.stateUnreadable, "\(error)", at: nil))
                }
            }
            progress.finish()
            guard problems.isEmpty else {
                let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
                let what = problems.count == chain.count ? "the chain is broken" : "it does not hold what the state recorded"
                throw CommandFailure(problems, summary: "\(file): \(what) (\(count)); compare it with its history in git to see what changed")
            }
            let events = log.file.count
            let head = anchored.map { state in
                ", head as recorded by the state at serial \(state.serial)" + (state.log == nil ? " (version 1: no head recorded)" : "")
            } ?? " (no state file to check the head against)"
            Console.current.write("ok: \(events) \(events == 1 ? "event" : "events"), chain intact\(head)\n")
        }

        /// Every segment of the log, joined; a missing or unreadable log, or segment files that do
        /// not form one log, is a failure naming it.
        private func readLog() throws(CommandFailure) -> AuditLogSegments.Loaded {
            let problem: Diagnostic
            do {
                let storage = FileSystemStorage()
                let count = try AuditLogSegments.count(base: file, storage: storage)
                if count > 0 { return try AuditLogSegments.load(base: file, from: 1, count: count, eventsBefore: 0, storage: storage) }
                problem = .error(
                    "audit-log-missing", "no audit log at \(file)",
                    hint: "give its path: keysync audit verify PATH", at: nil)
            } catch .storage(let error) {
                problem = .error(.auditLogUnreadable, "\(error)", at: nil)
            } catch {
                problem = error.diagnostic
            }
            throw CommandFailure(problem, summary: nil)
        }
    }
}
