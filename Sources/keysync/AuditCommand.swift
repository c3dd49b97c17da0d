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
                Each line holds the SHA-256 of the line before it. Prints "ok: N events, chain \
                intact" and exits 0, or names every broken line on stderr and exits 1. The last \
                line can be checked only against a head recorded elsewhere.

                Examples:
                  keysync audit verify
                  keysync audit verify keysync.audit.jsonl
                """
        )

        @Argument(help: "The audit log.")
        var file: String = AuditLog.defaultFileName

        func run() throws {
            guard let bytes = readLog() else { throw ExitCode(1) }
            let problems = AuditLog.verify(bytes)
            guard problems.isEmpty else {
                Self.printToStandardError(problems.map { problem in
                    Diagnostic.error(
                        problem.code, problem.description,
                        at: SourceLocation(file: file, line: problem.line, column: 1))
                })
                let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
                Self.printToStandardError(raw: "\(file): the chain is broken (\(count)); compare it with its history in git to see what changed\n")
                throw ExitCode(1)
            }
            let events = AuditLog.eventCount(in: bytes)
            print("ok: \(events) \(events == 1 ? "event" : "events"), chain intact")
        }

        /// The log's bytes, or `nil` after reporting why there are none.
        private func readLog() -> [UInt8]? {
            let problem: Diagnostic
            do {
                if let bytes = try FileSystemStorage().read(file) { return bytes }
                problem = .error(
                    "audit-log-missing", "no audit log at \(file)",
                    hint: "give its path: keysync audit verify PATH", at: nil)
            } catch {
                problem = .error("audit-log-unreadable", "\(error)", at: nil)
            }
            Self.printToStandardError([problem])
            return nil
        }

        private static func printToStandardError(_ diagnostics: [Diagnostic]) {
            let text = diagnostics.map { diagnostic in
                "\(diagnostic)\n" + (diagnostic.hint.map { "  hint: \($0)\n" } ?? "")
            }.joined()
            printToStandardError(raw: text)
        }

        private static func printToStandardError(raw text: String) {
            FileHandle.standardError.write(Data(text.utf8))
        }
    }
}
