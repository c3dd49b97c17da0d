import ArgumentParser
import Foundation
import PlanRendering
import Manifest
import Reconciler

/// `keysync apply [PLANFILE]`: carries out a plan — mints the new keys, seals each raw key to
/// its team, writes the state and the audit log — under the state lock. Exit 0 success, 1 error.
struct ApplyCommand: ParsableCommand, FormatsDiagnostics {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Carry out the plan: mint keys, seal them to their teams, record the state and the audit log.",
        discussion: """
            Without PLANFILE it validates the manifest, plans and applies in one go. With a \
            PLANFILE saved by `keysync plan --out`, it applies that plan, and refuses it when the \
            state or the manifest changed since. Writes, in this order: sealed files, the audit \
            log's lines, the state (the previous one kept as <state>.backup; it records the log's \
            head), then the log's apply.completed line. The state is signed with the signing key, \
            whose public half is trusted when KEYSYNC_STATE_PUBLIC_KEY is not set. Raw keys are \
            written only into sealed files, never to the terminal. Exit status: 0 success, \
            1 error, 64 usage error.

            Examples:
              keysync apply --actor alice
              keysync plan --out plan.json && keysync apply plan.json
              keysync apply --signing-key-file signing.key --lock-timeout 5m
            """
    )

    @Argument(help: ArgumentHelp("A plan saved by `keysync plan --out`.", valueName: "PLANFILE"))
    var planFile: String?

    @OptionGroup var repository: RepositoryOptions

    @Flag(help: "Write sealed files in age's ASCII armor instead of binary.")
    var armor = false

    @Option(help: "Who is applying, for the state and the audit log (default: GITHUB_ACTOR, GITLAB_USER_LOGIN, or the user).")
    var actor: String?

    @Option(name: .customLong("lock-timeout"), help: "How long to wait for another apply holding the state lock, e.g. 30s, 5m (default 0: fail at once).")
    var lockTimeout: LockTimeout = .none

    @Flag(name: .customLong("dry-run"), help: "Only plan: print what would change, exactly as `keysync plan` does, and write nothing.")
    var dryRun = false

    @Option(help: "Output format of the plan: text, markdown or json.")
    var format: PlanFormat = .text

    @Flag(help: "Show every change of the plan: text and markdown plans past \(PlanDetail.standardThreshold) changes are otherwise summarised.")
    var full = false

    var diagnosticFormat: DiagnosticRenderer.Format { format == .json ? .json : .text }

    @OptionGroup var planning: PlanningOptions

    @OptionGroup var signing: SigningKeyOptions

    @OptionGroup var progressOptions: ProgressOptions

    func run() throws {
        try CoreDumps.disable()
        let console = Console.current(for: self)
        let environment = console.environment
        let now = try PlanCommand.clock(environment)
        // Secrets and trust come from the environment and files, before anything is locked.
        let signingKey: StateSigningKey?
        let configuration: ReconcileConfiguration
        do {
            signingKey = try resolveSigningKey(environment: environment)
            configuration = try repository.configuration(environment: environment, planning: planning, signingKey: signingKey)
        } catch {
            throw CommandFailure(command: "apply", [error])
        }
        let progress = try console.progress(quiet: progressOptions.quiet)
        defer { progress.finish() }
        var session = ApplySession(
            configuration: configuration, storage: FileSystemStorage(), now: now,
            lockHolder: .current(startedAt: Date()), lockTimeout: lockTimeout.duration)
        session.progress = progress.reporter
        defer { session.release() }
        let accepted = session.plan(savedPlanPath: planFile, dryRun: dryRun)
        progress.finish()
        guard let plan = accepted else {
            throw CommandFailure(command: "apply", session.report.diagnostics, sources: session.report.sources)
        }

        // The plan is shown before anything is written (as Terraform does), and its text is not
        // kept while the keys are minted and sealed.
        do {
            let rendered = plan.rendered(as: format, full: full, console: console)
            let separator = format == .json ? "" : (rendered.hasSuffix("\n") ? "\n" : "\n\n")
            console.write(dryRun ? rendered : rendered + separator)
        }
        if dryRun {
            console.reportWarnings(session.report.diagnostics, sources: session.report.sources, command: "apply")
            return
        }

        let context = AuditContext.resolve(actor: actor, environment: environment) {
            GitRevision.head(in: ApplyCommand.folder(of: self.repository.manifest))
        }
        var generator = SystemRandomNumberGenerator()
        let applied = session.apply(context: context, armor: armor, signingKey: signingKey, using: &generator)
        progress.finish()
        guard let prepared = applied else {
            throw CommandFailure(command: "apply", session.report.diagnostics, sources: session.report.sources)
        }
        let result = ApplyResultText.summary(of: prepared, plan: plan, layout: configuration.layout, full: full) + "\n"
        // With --format json, standard output stays one JSON document (the plan).
        console.write(result, to: format == .json ? .standardError : .standardOutput)
        console.reportWarnings(session.report.diagnostics, sources: session.report.sources, command: "apply")
    }

    /// The key to sign the new state with. When a state public key is configured, the state
    /// this apply writes must pass that check again: a signing key is then required (except
    /// for `--dry-run`, which writes nothing) and must be the configured key's pair, or the
    /// next plan would refuse what this apply wrote.
    private func resolveSigningKey(environment: [String: String]) throws(Diagnostic) -> StateSigningKey? {
        let key = try signing.signingKey(environment: environment)
        let trusted: StatePublicKey?
        do {
            trusted = try repository.trust.publicKey(environment: environment)
        } catch {
            throw error.diagnostic(file: nil)
        }
        guard let trusted else { return key }
        guard let key else {
            if dryRun { return nil }
            throw .error(.signingKeyMissing,
                         "a state public key is configured, but no signing key: the new state could not be trusted",
                         hint: "set \(SigningKeyOptions.environmentVariable) or pass --signing-key-file", at: nil)
        }
        guard key.publicKey == trusted else {
            throw .error(.signingKeyMismatch,
                         "the signing key's public key (\(key.publicKey)) is not the configured state public key (\(trusted))",
                         hint: "use the signing key made together with \(StateTrustOptions.environmentVariable)", at: nil)
        }
        return key
    }

    /// The folder holding `path` (where `git rev-parse HEAD` runs), `nil` for the working folder.
    static func folder(of path: String) -> String? {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? nil : folder
    }
}
