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

    /// Whom the state must be signed by, or that it need not be.
    enum Trust: Equatable {
        case signer(StatePublicKey)
        case unsigned
    }

    /// The configured key: the flag, else the environment; `nil` when neither is set (or empty).
    func publicKey(environment: [String: String]) throws(StateSignatureError) -> StatePublicKey? {
        let text = statePublicKey ?? environment[Self.environmentVariable]
        guard let text, !text.isEmpty else { return nil }
        return try StatePublicKey(parsing: text)
    }

    /// The trust in force: the configured public key, else `signingKey`'s public half, else
    /// `--insecure-unsigned` (announced loudly on standard error), else a refusal.
    func resolve(environment: [String: String], signingKey: StateSigningKey? = nil) throws(Diagnostic) -> Trust {
        let configured: StatePublicKey?
        do {
            configured = try publicKey(environment: environment)
        } catch {
            throw error.diagnostic(file: nil)
        }
        if insecureUnsigned {
            if configured != nil || signingKey != nil {
                throw .error("state-trust-conflict",
                             "--insecure-unsigned is given, but a \(configured != nil ? "state public key" : "signing key") is configured",
                             hint: "drop --insecure-unsigned: with a key configured, the state is signed and checked", at: nil)
            }
            FileHandle.standardError.write(Data(Self.insecureWarning.utf8))
            return .unsigned
        }
        if let configured { return .signer(configured) }
        if let signingKey { return .signer(signingKey.publicKey) }
        throw .error("state-trust-missing",
                     "no state public key is configured, so the state's signature cannot be checked",
                     hint: "set \(Self.environmentVariable) to the key `keysync keygen --signing` printed (an empty value counts as none), or pass --insecure-unsigned to work without signatures",
                     at: nil)
    }

    /// The signature check every reader makes: with a signer, `state` must carry a valid
    /// signature by it (a missing file — before the first apply — has none to check).
    static func check(_ state: StateFile, exists: Bool, path: String, trust: Trust) -> Diagnostic? {
        guard case .signer(let trusted) = trust, exists else { return nil }
        do {
            try state.verifySignature(trusting: trusted)
            return nil
        } catch {
            return error.diagnostic(file: path)
        }
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
    /// reports on standard error and throws exit status 1.
    func load(environment: [String: String]) throws -> StateFile {
        let layout = ApplyLayout(statePath: state, auditLogPath: auditLog)
        let trusted: StateTrustOptions.Trust
        let snapshot: RepositorySnapshot
        do {
            trusted = try trust.resolve(environment: environment)
            snapshot = try RepositoryReader.read(layout, storage: FileSystemStorage(), requireState: true)
        } catch let error as Diagnostic {
            throw fail(error)
        } catch let error as RepositoryError {
            throw fail(error.diagnostic)
        }
        if let refusal = StateTrustOptions.check(snapshot.state, exists: true, path: state, trust: trusted) {
            throw fail(refusal)
        }
        return snapshot.state
    }

    /// Reports `diagnostic` on standard error; the caller throws the returned exit status.
    private func fail(_ diagnostic: Diagnostic) -> ExitCode {
        let renderer = DiagnosticRenderer(format: .text, terminal: .plain, sources: [:])
        FileHandle.standardError.write(Data(renderer.render([diagnostic], summary: "cannot use the state file").utf8))
        return ExitCode(1)
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

    @Flag(name: .customLong("init"),
          help: "Start a new state although the repository has history (an audit log or sealed files) but no state file.")
    var initialize = false

    @OptionGroup var trust: StateTrustOptions

    var statePath: String { state ?? PlanCommand.defaultStatePath(forManifest: manifest) }

    var layout: ApplyLayout { ApplyLayout(statePath: statePath, sealedDirectory: sealedDir, auditLogPath: auditLog) }
}
