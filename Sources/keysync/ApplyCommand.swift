import ArgumentParser
import Foundation
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
            state or the manifest changed since. Writes, in this order: sealed files, the state \
            (the previous one kept as <state>.backup), the audit log. Raw keys are written only \
            into sealed files, never to the terminal. Exit status: 0 success, 1 error, 64 usage error.

            Examples:
              keysync apply --actor alice
              keysync plan --out plan.json && keysync apply plan.json
              keysync apply --signing-key-file signing.key --lock-timeout 5m
            """
    )

    @Argument(help: ArgumentHelp("A plan saved by `keysync plan --out`.", valueName: "PLANFILE"))
    var planFile: String?

    @Option(name: [.customShort("m"), .customLong("manifest")], help: "The manifest: a file or a folder of *.yaml/*.yml files.")
    var manifest: String = "keys.yaml"

    @Option(help: "The state file (default: keysync.state.json beside the manifest). A missing file is an empty state.")
    var state: String?

    @Option(name: .customLong("sealed-dir"), help: "Where sealed files go (default: sealed/ beside the state).")
    var sealedDir: String?

    @Option(name: .customLong("audit-log"), help: "The audit log to append to (default: keysync.audit.jsonl beside the state).")
    var auditLog: String?

    @Flag(help: "Write sealed files in age's ASCII armor instead of binary.")
    var armor = false

    @Option(help: "Who is applying, for the state and the audit log (default: GITHUB_ACTOR, GITLAB_USER_LOGIN, or the user).")
    var actor: String?

    @Option(name: .customLong("lock-timeout"), help: "How long to wait for another apply holding the state lock, e.g. 30s, 5m (default 0: fail at once).")
    var lockTimeout: String = "0"

    @Flag(name: .customLong("dry-run"), help: "Only plan: print what would change, exactly as `keysync plan` does, and write nothing.")
    var dryRun = false

    @Option(help: "Output format of the plan: text, markdown or json.")
    var format: PlanFormat = .text

    @Option(name: .customLong("warn-within"), help: "Warn about keys expiring within this period, e.g. 7d, 48h, 2w.")
    var warnWithin: String = "7d"

    @OptionGroup var trust: StateTrustOptions

    @OptionGroup var signing: SigningKeyOptions

    func validate() throws {
        if Period(parsing: warnWithin) == nil {
            throw ValidationError("--warn-within must be a period such as 7d, 48h or 2w (a number followed by s, m, h, d or w)")
        }
        if Self.duration(lockTimeout) == nil {
            throw ValidationError("--lock-timeout must be 0 or a period such as 30s, 5m or 1h")
        }
    }

    static func duration(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        return Period(parsing: text).map { .seconds($0.seconds) }
    }

    func run() throws {
        try CoreDumps.disable()
        let environment = ProcessInfo.processInfo.environment
        let now = try PlanCommand.clock(environment)
        let statePath = state ?? PlanCommand.defaultStatePath(forManifest: manifest)
        let layout = ApplyLayout(statePath: statePath, sealedDirectory: sealedDir, auditLogPath: auditLog)
        var run = PlanningRun()
        defer { PlanCommand.report(run.diagnostics, sources: run.sources, environment: environment, command: "apply") }

        // The lock comes first, so the state read below is the one this apply replaces.
        var lock: StateLock?
        if !dryRun {
            do {
                let folder = ApplyCommand.folder(of: statePath)
                if let folder, !FileManager.default.fileExists(atPath: folder) {
                    try FileSystemStorage().createDirectory(folder)
                }
                lock = try StateLock.acquire(
                    forState: statePath, holder: .current(startedAt: Date()),
                    timeout: Self.duration(lockTimeout) ?? .zero)
            } catch let error as StateLockError {
                run.diagnostics.append(.error(error.code, "\(error)", at: nil))
                throw ExitCode(1)
            } catch {
                run.diagnostics.append(.error("apply-write", "\(error)", at: nil))
                throw ExitCode(1)
            }
        }
        defer { lock?.release() }

        guard let (stateFile, plan, signingKey) = planForApply(statePath: statePath, now: now, run: &run, environment: environment)
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
            GitRevision.head(in: ApplyCommand.folder(of: self.manifest))
        }
        let neverValid = plan.hasChanges
            ? ApplyWriter.neverValidSealedFiles(in: layout.sealedDirectory, stateSerial: stateFile.serial) : []
        let prepared: PreparedApply
        do {
            var generator = SystemRandomNumberGenerator()
            prepared = try ApplyEngine.prepare(
                plan: plan, state: stateFile, now: now, context: context, armor: armor,
                signingKey: signingKey, using: &generator)
            for name in neverValid {
                let replaced = prepared.sealedFiles.contains { $0.name == name }
                run.diagnostics.append(.warning(
                    "apply-never-valid",
                    "\(layout.sealedPath(name)) is from an apply that did not complete (the state is at serial \(stateFile.serial)); the keys in it were never valid",
                    hint: replaced ? "this apply replaces it with new keys" : "delete it; it is not a delivery",
                    at: nil))
            }
            try ApplyWriter.write(prepared, to: layout, storage: FileSystemStorage())
        } catch {
            run.diagnostics.append(.error(error.code, "\(error)", at: nil))
            throw ExitCode(1)
        }
        let result = ApplyResultText.summary(of: prepared, plan: plan, layout: layout) + "\n"
        // With --format json, standard output stays one JSON document (the plan).
        (format == .json ? FileHandle.standardError : FileHandle.standardOutput).write(Data(result.utf8))
    }

    /// Reads the manifest and the state and makes (or loads) the plan. The manifest model lives
    /// only in here: once the plan exists apply no longer needs it, and at 100k keys it is the
    /// largest thing in memory. `nil` when an error was collected in `run`.
    private func planForApply(
        statePath: String, now: Date, run: inout PlanningRun, environment: [String: String]
    ) -> (StateFile, Plan, StateSigningKey?)? {
        guard let manifest = run.loadManifest(at: manifest),
              let stateFile = run.readTrustedState(at: statePath, trust: trust, environment: environment)
        else { return nil }
        var signingKey: StateSigningKey?
        if !dryRun {
            do {
                signingKey = try resolveSigningKey(environment: environment)
            } catch {
                run.diagnostics.append(error)
                return nil
            }
        }
        if let planFile {
            guard let saved = readSavedPlan(planFile, into: &run) else { return nil }
            if let stale = saved.staleness(against: stateFile, manifestDigest: manifest.digest) {
                run.diagnostics.append(.error(stale.code, "the plan is stale; run keysync plan again", hint: "\(stale)", at: nil))
                return nil
            }
            return (stateFile, saved, signingKey)
        }
        guard let fresh = run.plan(manifest: manifest, state: stateFile, now: now, warnWithin: warnWithin) else {
            return nil
        }
        return (stateFile, fresh, signingKey)
    }

    /// The key to sign the new state with. When a state public key is configured, the state
    /// this apply writes must pass that check again: a signing key is then required and must
    /// be the configured key's pair, or the next plan would refuse what this apply wrote.
    private func resolveSigningKey(environment: [String: String]) throws(Diagnostic) -> StateSigningKey? {
        let key = try signing.signingKey(environment: environment)
        let trusted: StatePublicKey?
        do {
            trusted = try trust.publicKey(environment: environment)
        } catch {
            throw error.diagnostic(file: nil)
        }
        guard let trusted else { return key }
        guard let key else {
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
        guard let data = FileManager.default.contents(atPath: path) else {
            run.diagnostics.append(.error("plan-unreadable", "cannot read the plan file \(path)",
                                          hint: "save one with keysync plan --out \(path)", at: nil))
            return nil
        }
        do {
            return try SavedPlan.decode(data)
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
