import ArgumentParser
import Foundation
import Manifest
import Reconciler

/// Which state signer to trust: `--state-public-key` or `KEYSYNC_STATE_PUBLIC_KEY`, configured
/// outside the repository (the state itself never says whom to trust). Shared by every command
/// that reads the state, so they all refuse a forged state the same way.
struct StateTrustOptions: ParsableArguments {
    static let environmentVariable = "KEYSYNC_STATE_PUBLIC_KEY"
    static let uncheckedNote =
        "note: no state public key configured (KEYSYNC_STATE_PUBLIC_KEY); the state's signature is not checked\n"

    @Option(name: .customLong("state-public-key"),
            help: ArgumentHelp("Trust only a state signed by this key (keysync-ed25519:...); default: $KEYSYNC_STATE_PUBLIC_KEY.", valueName: "KEY"))
    var statePublicKey: String?

    /// The configured key: the flag, else the environment; `nil` when neither is set.
    func publicKey(environment: [String: String]) throws(StateSignatureError) -> StatePublicKey? {
        let text = statePublicKey ?? environment[Self.environmentVariable]
        guard let text, !text.isEmpty else { return nil }
        return try StatePublicKey(parsing: text)
    }

    /// The one check every reader makes. With a public key configured, `state` must carry a
    /// valid signature by it (a missing file — the empty state before the first apply — is
    /// accepted only when `missingFileIsEmpty`). Without one, says so once on standard error.
    /// Returns the diagnostic to report when the state must be refused.
    func check(_ state: StateFile, path: String, fileExists: Bool, environment: [String: String]) -> Diagnostic? {
        let trusted: StatePublicKey?
        do {
            trusted = try publicKey(environment: environment)
        } catch {
            return error.diagnostic(file: nil)
        }
        guard let trusted else {
            FileHandle.standardError.write(Data(Self.uncheckedNote.utf8))
            return nil
        }
        guard fileExists else { return nil }
        do {
            try state.verifySignature(trusting: trusted)
            return nil
        } catch {
            return error.diagnostic(file: path)
        }
    }
}

/// `--state FILE` plus the trust options: what `verify`, `list` and `expiring` read.
struct TrustedStateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The state file.", valueName: "FILE"))
    var state: String = "keysync.state.json"

    @OptionGroup var trust: StateTrustOptions

    /// Reads the state (which must exist: answering from an empty state would hide a wrong
    /// path) and enforces its signature when a public key is configured. On failure, reports
    /// on standard error and throws exit status 1.
    func load(environment: [String: String]) throws -> StateFile {
        guard FileManager.default.fileExists(atPath: state) else {
            throw fail(.error("state-missing", "the state file \(state) does not exist",
                        hint: "pass --state with the path of keysync.state.json", at: nil))
        }
        let stateFile: StateFile
        do {
            stateFile = try StateFileReader.read(at: state)
        } catch {
            throw fail(error.diagnostic(file: state))
        }
        if let refusal = trust.check(stateFile, path: state, fileExists: true, environment: environment) {
            throw fail(refusal)
        }
        return stateFile
    }

    /// Reports `diagnostic` on standard error; the caller throws the returned exit status.
    private func fail(_ diagnostic: Diagnostic) -> ExitCode {
        let renderer = DiagnosticRenderer(format: .text, terminal: .plain, sources: [:])
        FileHandle.standardError.write(Data(renderer.render([diagnostic], summary: "cannot use the state file").utf8))
        return ExitCode(1)
    }
}
