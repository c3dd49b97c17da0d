import ArgumentParser
import Foundation
import Manifest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every exit status a command ends with: one table for all commands, as the README's command
/// table and docs/*.md give it. 64 (a usage error) is argument-parser's, from `ValidationError`.
enum ExitStatus: Int32, Error {
    case success = 0
    /// An error: an invalid manifest, a refused state or plan, a key that does not verify.
    case failure = 1
    /// Something to act on: `plan --detailed-exitcode` found changes, `expiring` listed keys.
    case attention = 2
}

/// A command whose `--format` also decides how its diagnostics look: `--format json` gets them
/// as one JSON document on standard error, so a tool reading the command's JSON reads its errors
/// the same way.
protocol FormatsDiagnostics {
    var diagnosticFormat: DiagnosticRenderer.Format { get }
}

/// Why a command stopped: the diagnostics that say so and the line under them. Commands throw
/// it out of `run()`; `Console.exit(with:)` prints it and exits with `failure` (1).
struct CommandFailure: Error {
    var diagnostics: [Diagnostic]
    /// The line under the diagnostics; `nil` when they say it all.
    var summary: String?
    /// Files the diagnostics point into, to quote the offending line.
    var sources: [String: [UInt8]] = [:]

    init(_ diagnostics: [Diagnostic], summary: String?, sources: [String: [UInt8]] = [:]) {
        self.diagnostics = diagnostics
        self.summary = summary
        self.sources = sources
    }

    init(_ diagnostic: Diagnostic, summary: String?) {
        self.init([diagnostic], summary: summary)
    }

    /// "`command` failed: N errors, M warnings", the line under a run's diagnostics.
    init(command: String, _ diagnostics: [Diagnostic], sources: [String: [UInt8]] = [:]) {
        self.init(diagnostics.sortedByLocation(), summary: Console.summary(of: diagnostics, command: command),
                  sources: sources)
    }
}

/// The one part of the CLI that turns results and problems into bytes on a stream, and errors
/// into an exit status. Colour only on a terminal, never with `NO_COLOR` set
/// (https://no-color.org); diagnostics always as `DiagnosticRenderer` renders them, in the
/// command's `--format` where it has one for diagnostics and as text elsewhere.
struct Console {
    enum Stream {
        case standardOutput, standardError

        var descriptor: Int32 { self == .standardOutput ? STDOUT_FILENO : STDERR_FILENO }
        var handle: FileHandle { self == .standardOutput ? .standardOutput : .standardError }
    }

    var environment: [String: String]
    /// How diagnostics look: the command's `--format` when it has one (`FormatsDiagnostics`).
    var diagnosticFormat: DiagnosticRenderer.Format = .text

    static var current: Console { Console(environment: ProcessInfo.processInfo.environment) }

    /// The console for `command`: diagnostics in its `--format` (JSON for `--format json`).
    static func current(for command: any ParsableCommand) -> Console {
        var console = current
        console.diagnosticFormat = (command as? FormatsDiagnostics)?.diagnosticFormat ?? .text
        return console
    }

    /// What may be assumed about `stream`: colour only at a terminal without `NO_COLOR`.
    func terminal(for stream: Stream) -> Terminal {
        Terminal(usesColour: isatty(stream.descriptor) == 1 && (environment["NO_COLOR"] ?? "").isEmpty)
    }

    /// Where a long command shows its progress: standard error, as a bar at a terminal (not
    /// with `TERM=dumb`) and as lines elsewhere; hidden with `quiet` or `KEYSYNC_PROGRESS=never`.
    /// `KEYSYNC_PROGRESS=always` shows it from the start instead of after 2 s. An unknown value
    /// is a usage error, not ignored. With JSON diagnostics, standard error is a tool's to read
    /// as one JSON document, so there progress lines only come when asked for (`always`).
    func progress(quiet: Bool) throws -> ProgressDisplay {
        let name = environment["KEYSYNC_PROGRESS"] ?? ""
        guard let mode = name.isEmpty ? .auto : ProgressDisplay.Mode(rawValue: name.lowercased()) else {
            throw ValidationError("KEYSYNC_PROGRESS must be auto, always or never")
        }
        let style: ProgressDisplay.Style
        if quiet || mode == .never {
            style = .hidden
        } else if diagnosticFormat == .json && mode == .auto && isatty(Stream.standardError.descriptor) != 1 {
            style = .hidden
        } else if isatty(Stream.standardError.descriptor) == 1 && environment["TERM"] != "dumb" {
            style = .bar
        } else {
            style = .lines
        }
        return ProgressDisplay(style: style, delay: mode == .always ? .zero : ProgressDisplay.defaultDelay) { text in
            write(text, to: .standardError)
        }
    }

    /// A command's result (a plan, a table, JSON), or a note, as it is.
    func write(_ text: String, to stream: Stream = .standardOutput) {
        stream.handle.write(Data(text.utf8))
    }

    /// Bytes that need not be text (what `unseal` opened), as they are.
    func write(bytes: [UInt8], to stream: Stream = .standardOutput) {
        stream.handle.write(Data(bytes))
    }

    /// Diagnostics, each with its code, message, quoted line and hint, then `summary` — or, in
    /// JSON, one document holding them. `format` overrides the command's.
    func report(
        _ diagnostics: [Diagnostic], summary: String?, sources: [String: [UInt8]] = [:],
        format: DiagnosticRenderer.Format? = nil, to stream: Stream = .standardError
    ) {
        let format = format ?? diagnosticFormat
        let terminal = format == .text ? terminal(for: stream) : .plain
        let renderer = DiagnosticRenderer(format: format, terminal: terminal, sources: sources)
        write(renderer.render(diagnostics, summary: summary), to: stream)
    }

    /// The diagnostics of a run that went on (warnings only), or nothing when there are none.
    func reportWarnings(_ diagnostics: [Diagnostic], sources: [String: [UInt8]], command: String) {
        guard !diagnostics.isEmpty else { return }
        report(diagnostics.sortedByLocation(), summary: Self.summary(of: diagnostics, command: command), sources: sources)
    }

    /// "`command` failed: 1 error, 0 warnings" when there are errors, else "2 warnings".
    static func summary(of diagnostics: [Diagnostic], command: String) -> String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        let warningText = "\(warnings) warning\(warnings == 1 ? "" : "s")"
        return errors > 0 ? "\(command) failed: \(errors) error\(errors == 1 ? "" : "s"), \(warningText)" : warningText
    }

    /// The one mapping from what a command threw to what is printed and the exit status:
    /// a `CommandFailure` is reported on standard error and exits 1; an `ExitStatus` exits with
    /// itself (its output is already written); everything else is argument-parser's (a
    /// `ValidationError` is a usage error, 64; `--help` and `--version` exit 0).
    func exit(with error: Error) -> Never {
        switch error {
        case let failure as CommandFailure:
            report(failure.diagnostics, summary: failure.summary, sources: failure.sources)
            Keysync.exit(withError: ExitCode(ExitStatus.failure.rawValue))
        case let status as ExitStatus:
            Keysync.exit(withError: ExitCode(status.rawValue))
        default:
            Keysync.exit(withError: error)
        }
    }
}
