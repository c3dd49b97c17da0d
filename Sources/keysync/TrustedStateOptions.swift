import ArgumentParser
import Foundation
import Manifest
import Reconciler

/// Which state signer to trust: `--state-public-key` or `KEYSYNC_STATE_PUBLIC_KEY`, configured
/// outside the repository (the state itself never says whom to trust); for apply, the public
/// half of its own signing key when neither is set. Trust fails closed: with no key at all,
/// every command refuses the state unless `--insecure-unsigned` says to work without
/// signatures (an empty variable, as a secret stored where a workflow reads a variable gives,
/// counts as none).
struct StateTrustOptions: ParsableArguments {
    static let environmentVariable = "KEYSYNC_STATE_PUBLIC_KEY"
    static let insecureWarning = """
        WARNING: --insecure-unsigned: the state's signature is NOT checked. Anyone who can change
        WARNING: the repository can edit the state into granting keys or un-revoking them. Configure
        WARNING: KEYSYNC_STATE_PUBLIC_KEY (and KEYSYNC_SIGNING_KEY for apply) to protect it.

        """

    @Option(name: .customLong("state-public-key"),
            help: ArgumentHelp("Trust only a state signed by this key (keysync-ed25519:...); default: $KEYSYNC_STATE_PUBLIC_KEY.", valueName: "KEY"))
    var statePublicKey: String?

    @Flag(name: .customLong("insecure-unsigned"),
          help: "Work without state signatures: nothing protects the state from hand edits. Refused while a key is configured.")
    var insecureUnsigned = false

    /// The configured key: the flag, else the environment; `nil` when neither is set (or empty).
    func publicKey(environment: [String: String]) throws(StateSignatureError) -> StatePublicKey? {
        let text = statePublicKey ?? environment[Self.environmentVariable]
        guard let text, !text.isEmpty else { return nil }
        return try StatePublicKey(parsing: text)
    }

    /// The trust in force: the configured public key, else `signingKey`'s public half, else
    /// `--insecure-unsigned` (announced loudly on standard error), else a refusal.
    func resolve(environment: [String: String], signingKey: StateSigningKey? = nil) throws(Diagnostic) -> StateTrust {
        let configured: StatePublicKey?
        do {
            configured = try publicKey(environment: environment)
        } catch {
            throw error.diagnostic(file: nil)
        }
        if insecureUnsigned {
            if configured != nil || signingKey != nil {
                throw .error(.stateTrustConflict,
                             "--insecure-unsigned is given, but a \(configured != nil ? "state public key" : "signing key") is configured",
                             hint: "drop --insecure-unsigned: with a key configured, the state is signed and checked", at: nil)
            }
            Console(environment: environment).write(Self.insecureWarning, to: .standardError)
            return .unsigned
        }
        if let configured { return .signer(configured) }
        if let signingKey { return .signer(signingKey.publicKey) }
        throw .error(.stateTrustMissing,
                     "no state public key is configured, so the state's signature cannot be checked",
                     hint: "set \(Self.environmentVariable) to the key `keysync keygen --signing` printed (an empty value counts as none), or pass --insecure-unsigned to work without signatures",
                     at: nil)
    }
}

/// `--state FILE`, `--audit-log FILE` and the trust options: what `verify`, `list` and
/// `expiring` read.
struct TrustedStateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The state file.", valueName: "FILE"))
    var state: String = "keysync.state.json"

    @Option(name: .customLong("audit-log"),
            help: ArgumentHelp("The audit log the state is checked against (default: keysync.audit.jsonl beside the state).", valueName: "FILE"))
    var auditLog: String?

    @OptionGroup var trust: StateTrustOptions

    /// Reads the state (which must exist: answering from an empty state would hide a wrong
    /// path), checks it against the audit log (no rollback) and its signature. On failure,
    /// throws a `CommandFailure` saying why. `progress` hears the read (`.readState`): a
    /// 100k-key state takes seconds.
    func load(environment: [String: String], progress: ProgressReporter = .silent) throws(CommandFailure) -> StateFile {
        let layout = ApplyLayout(statePath: state, auditLogPath: auditLog)
        let trusted: StateTrust
        let snapshot: RepositorySnapshot
        do {
            trusted = try trust.resolve(environment: environment)
            snapshot = try progress.whole(.readState) { () throws(RepositoryError) -> RepositorySnapshot in
                try RepositoryReader.read(layout, storage: FileSystemStorage(), requireState: true, trusting: trusted)
            }
        } catch let error as Diagnostic {
            throw Self.failure(error)
        } catch let error as RepositoryError {
            throw Self.failure(error.diagnostic)
        } catch {
            throw Self.failure(.error(.stateUnreadable, "\(error)", at: nil))
        }
        if let refusal = trusted.refusal(of: snapshot, path: state) {
            throw Self.failure(refusal)
        }
        return snapshot.state
    }

    static func failure(_ diagnostic: Diagnostic) -> CommandFailure {
        CommandFailure(diagnostic, summary: "cannot use the state file")
    }
}

/// Where `plan` and `apply` find the repository: the manifest, the state, the sealed folder,
/// the audit log, how to trust the state, and whether a new state may start (`--init`).
struct RepositoryOptions: ParsableArguments {
    @Option(name: [.customShort("m"), .customLong("manifest")], help: "The manifest: a file or a folder of *.yaml/*.yml files.")
    var manifest: String = "keys.yaml"

    @Option(help: "The state file (default: keysync.state.json beside the manifest). A missing file is an empty state.")
    var state: String?

    @Option(name: .customLong("sealed-dir"), help: "Where sealed files go (default: sealed/ beside the state).")
    var sealedDir: String?

    @Option(name: .customLong("audit-log"), help: "The audit log (default: keysync.audit.jsonl beside the state).")
    var auditLog: String?

    /// Tests make audit log segments small to cross their boundaries with a few keys.
    @Option(name: .customLong("audit-segment-bytes"), help: .hidden)
    var auditSegmentBytes: Int = AuditLogSegments.maximumBytes

    @Flag(name: .customLong("init"),
          help: "Start a new state although the repository has history (an audit log or sealed files) but no state file.")
    var initialize = false

    @OptionGroup var trust: StateTrustOptions

    var statePath: String { state ?? PlanCommand.defaultStatePath(forManifest: manifest) }

    var layout: ApplyLayout {
        ApplyLayout(statePath: statePath, sealedDirectory: sealedDir, auditLogPath: auditLog, auditSegmentLimit: max(auditSegmentBytes, 1))
    }

    /// What the plan and apply sessions are pointed at. `signingKey` is apply's: its public
    /// half is trusted when no state public key is configured.
    func configuration(
        environment: [String: String], planning: PlanningOptions, signingKey: StateSigningKey? = nil
    ) throws(Diagnostic) -> ReconcileConfiguration {
        var configuration = ReconcileConfiguration(
            manifestPath: manifest, layout: layout,
            trust: try trust.resolve(environment: environment, signingKey: signingKey),
            allowInit: initialize, warnWithin: TimeInterval(planning.warnWithin.seconds))
        configuration.revocationLimit = try planning.revocationLimit(environment: environment)
        return configuration
    }
}
