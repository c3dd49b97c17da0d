import ArgumentParser
import Foundation
import PlanRendering
import Manifest
import Reconciler

/// `keysync apply [PLANFILE]`: carries out a plan — mints the new keys, seals each raw key to
/// its team, writes the state and the audit log — under the state lock. Exit 0 success, 1 error.
struct ApplyCommand: ParsableCommand {
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

    @OptionGroup var planning: PlanningOptions

    @OptionGroup var signing: SigningKeyOptions

    func run() throws {
        try CoreDumps.disable()
        let environment = ProcessInfo.processInfo.environment
        let now = try PlanCommand.clock(environment)
        let layout = repository.layout
        var run = PlanningRun()
        defer { PlanCommand.report(run.diagnostics, sources: run.sources, environment: environment, command: "apply") }

        // The lock comes first, so the state read below is the one this apply replaces.
        var lock: StateLock?
        if !dryRun {
            do {
                if let folder = ApplyCommand.folder(of: layout.statePath) {
                    try FileSystemStorage().createDirectory(folder)
                }
                lock = try StateLock.acquire(
                    forState: layout.statePath, holder: .current(startedAt: Date()),
                    timeout: lockTimeout.duration)
            } catch let error as StateLockError {
                run.diagnostics.append(.error(error.code, "\(error)", at: nil))
                throw ExitCode(1)
            } catch {
                run.diagnostics.append(.error("apply-write", "\(error)", at: nil))
                throw ExitCode(1)
            }
        }
        defer { lock?.release() }

        guard let (snapshot, plan, signingKey) = planForApply(now: now, run: &run, environment: environment)
        else { throw ExitCode(1) }
        // Only files with a diagnostic to quote stay in memory; at 100k keys the rest is megabytes.
        let quoted = Set(run.diagnostics.compactMap { $0.location?.file })
        run.sources = run.sources.filter { quoted.contains($0.key) }

        // The plan is shown before anything is written (as Terraform does), and its text is not
        // kept while the keys are minted and sealed.
        do {
            let rendered = PlanningRun.render(plan, as: format, environment: environment)
            let separator = format == .json ? "" : (rendered.hasSuffix("\n") ? "\n" : "\n\n")
            FileHandle.standardOutput.write(Data((dryRun ? rendered : rendered + separator).utf8))
        }
        if dryRun { return }

        let context = AuditContext.resolve(actor: actor, environment: environment) {
            GitRevision.head(in: ApplyCommand.folder(of: self.repository.manifest))
        }
        let stateFile = snapshot.state
        let neverValid = plan.hasChanges
            ? ApplyWriter.neverValidSealedFiles(in: layout.sealedDirectory, stateSerial: stateFile.serial) : []
        for name in neverValid {
            run.diagnostics.append(.warning(
                "apply-never-valid",
                "\(layout.sealedPath(name)) is from an apply that did not complete (the state is at serial \(stateFile.serial)); the keys in it were never valid",
                hint: "delete it; it is not a delivery", at: nil))
        }
        let prepared: PreparedApply
        do {
            var generator = SystemRandomNumberGenerator()
            prepared = try ApplyEngine.prepare(
                plan: plan, state: stateFile, history: snapshot.continuation, now: now, context: context,
                armor: armor, signingKey: signingKey, using: &generator)
            try ApplyWriter.write(prepared, to: layout, storage: FileSystemStorage())
        } catch {
            run.diagnostics.append(.error(error.code, "\(error)", at: nil))
            throw ExitCode(1)
        }
        let result = ApplyResultText.summary(of: prepared, plan: plan, layout: layout) + "\n"
        // With --format json, standard output stays one JSON document (the plan).
        (format == .json ? FileHandle.standardError : FileHandle.standardOutput).write(Data(result.utf8))
    }

    /// Reads the manifest and the repository and makes (or loads) the plan. The manifest model
    /// lives only in here: once the plan exists apply no longer needs it, and at 100k keys it is
    /// the largest thing in memory. `nil` when an error was collected in `run`.
    private func planForApply(
        now: Date, run: inout PlanningRun, environment: [String: String]
    ) -> (RepositorySnapshot, Plan, StateSigningKey?)? {
        let signingKey: StateSigningKey?
        let trust: StateTrustOptions.Trust
        do {
            signingKey = try resolveSigningKey(environment: environment)
            trust = try repository.trust.resolve(environment: environment, signingKey: signingKey)
        } catch {
            run.diagnostics.append(error)
            return nil
        }
        guard let manifest = run.loadManifest(at: repository.manifest),
              let snapshot = run.readRepository(repository, trust: trust)
        else { return nil }
        let stateFile = snapshot.state
        if let planFile {
            guard let saved = readSavedPlan(planFile, into: &run) else { return nil }
            if let stale = saved.staleness(against: stateFile, manifestDigest: manifest.digest) {
                run.diagnostics.append(.error(stale.code, "the plan is stale; run keysync plan again", hint: "\(stale)", at: nil))
                return nil
            }
            // The file is only a claim: the plan is made again from the manifest and the state at
            // the saved plan's time, and applied only when the two act alike.
            let (derived, _) = Planner.plan(manifest: manifest, state: stateFile, now: saved.plannedAt,
                                            warnWithin: TimeInterval(planning.warnWithin.seconds))
            if let edited = saved.tampering(against: derived) {
                run.diagnostics.append(.error(edited.code, "\(edited)", hint: "make the plan again with keysync plan --out, and keep the file where no one else can write it", at: nil))
                return nil
            }
            return (snapshot, derived, signingKey)
        }
        guard let fresh = run.plan(manifest: manifest, state: stateFile, now: now, warnWithin: planning.warnWithin) else {
            return nil
        }
        return (snapshot, fresh, signingKey)
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
            throw .error("signing-key-missing",
                         "a state public key is configured, but no signing key: the new state could not be trusted",
                         hint: "set \(SigningKeyOptions.environmentVariable) or pass --signing-key-file", at: nil)
        }
        guard key.publicKey == trusted else {
            throw .error("signing-key-mismatch",
                         "the signing key's public key (\(key.publicKey)) is not the configured state public key (\(trusted))",
                         hint: "use the signing key made together with \(StateTrustOptions.environmentVariable)", at: nil)
        }
        return key
    }

    private func readSavedPlan(_ path: String, into run: inout PlanningRun) -> Plan? {
        let bytes: [UInt8]?
        do {
            bytes = try FileSystemStorage().read(path)
        } catch {
            run.diagnostics.append(.error("plan-unreadable", "\(error)", hint: "save one with keysync plan --out \(path)", at: nil))
            return nil
        }
        guard let bytes else {
            run.diagnostics.append(.error("plan-unreadable", "cannot read the plan file \(path)",
                                          hint: "save one with keysync plan --out \(path)", at: nil))
            return nil
        }
        do {
            return try SavedPlan.decode(Data(bytes))
        } catch {
            run.diagnostics.append(.error(error.code, "\(error)", hint: "save a new one with keysync plan --out", at: nil))
            return nil
        }
    }

    /// The folder holding `path` (where `git rev-parse HEAD` runs), `nil` for the working folder.
    static func folder(of path: String) -> String? {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? nil : folder
    }
}
