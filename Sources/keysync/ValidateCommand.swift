import ArgumentParser
import Foundation
import Manifest
import Reconciler

/// `keysync validate [PATH ...]`: checks a manifest and reports every problem at once.
/// Exit 0 when valid (warnings allowed), 1 when invalid, 64 for usage errors.
struct ValidateCommand: ParsableCommand, FormatsDiagnostics {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a keys.yaml manifest (a file or a folder) and report every problem.",
        discussion: """
            Several paths are read together as one manifest, like the files of a folder.
            Exit status: 0 valid (warnings allowed), 1 invalid, 64 usage error.

            Examples:
              keysync validate
              keysync validate teams/ --format github
              keysync validate keys.yaml --format json
            """
    )

    @Argument(help: "Manifest files or folders of *.yaml/*.yml files.")
    var paths: [String] = ["keys.yaml"]

    @Option(help: "Output format: text (for people), json (for tools), github (Actions annotations).")
    var format: DiagnosticRenderer.Format = .text

    var diagnosticFormat: DiagnosticRenderer.Format { format }

    @OptionGroup var progressOptions: ProgressOptions

    func run() throws {
        let console = Console.current(for: self)
        let progress = try console.progress(quiet: progressOptions.quiet)
        defer { progress.finish() }
        var sources: [ManifestSource] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            let read = ManifestLoader.readSources(at: path)
            sources += read.sources
            diagnostics += read.diagnostics
        }
        // A file that could not be read would make the rest look wrong (no version, ...):
        // report reading problems alone.
        var manifest: Manifest?
        if !diagnostics.hasErrors {
            let total = sources.reduce(0) { $0 + $1.bytes.count }
            let reporter = progress.reporter
            reporter(.readManifest, 0, of: total)
            let result = ManifestLoader.load(sources) { reporter(.readManifest, $0, of: total) }
            manifest = result.manifest
            diagnostics = result.diagnostics
        }
        progress.finish()
        // The diagnostics are validate's result: they go to standard output, in --format.
        console.report(
            diagnostics, summary: Self.summary(manifest, diagnostics),
            sources: Dictionary(sources.map { ($0.path, $0.bytes) }, uniquingKeysWith: { first, _ in first }),
            format: format, to: .standardOutput)
        if diagnostics.hasErrors { throw ExitStatus.failure }
    }

    static func summary(_ manifest: Manifest?, _ diagnostics: [Diagnostic]) -> String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        let warningText = "\(warnings) warning\(warnings == 1 ? "" : "s")"
        guard let manifest else {
            return "invalid: \(errors) error\(errors == 1 ? "" : "s"), \(warningText)"
        }
        let keys = manifest.teams.reduce(0) { $0 + $1.keys.count }
        let teams = manifest.teams.count
        return "valid: \(teams) team\(teams == 1 ? "" : "s"), \(keys) key\(keys == 1 ? "" : "s"), \(warningText)"
    }
}
