import Foundation
import Manifest

/// What a command reads of the repository before it plans, applies or answers: the state, and
/// the audit log and sealed folder that vouch for it — all through `DurableStorage`, so no read
/// follows a symbolic link a pull request committed.
public struct RepositorySnapshot: Sendable {
    public var state: StateFile
    /// `false` when there is no state file (before the first apply, or `--init`).
    public var stateExists: Bool
    public var continuation: RepositoryHistory.Continuation
    /// The signer whose signature `RepositoryReader.read(trusting:)` found valid over the state
    /// file's own bytes, while it still had them; `nil` when not asked, unsigned or not valid.
    /// `StateTrust.refusal(of:path:)` accepts it as is, so no reader encodes a 72 MB state again
    /// to rebuild the signing payload.
    public internal(set) var verifiedSigner: StatePublicKey?
}

/// Why the repository cannot be read: the state, the log or the folder, with where to look.
public enum RepositoryError: Error, Sendable, CustomStringConvertible, DiagnosticConvertible {
    case state(StateFileError, path: String)
    case history(HistoryError, auditLog: String)
    case storage(StorageError)

    public var diagnosticCode: DiagnosticCode {
        switch self {
        case .state(let error, _): error.diagnosticCode
        case .history(let error, _): error.diagnosticCode
        case .storage: .repositoryUnreadable
        }
    }

    public var description: String {
        switch self {
        case .state(let error, _): error.message
        case .history(let error, _): error.description
        case .storage(let error): "\(error)"
        }
    }

    /// The error carries its own paths; `file` is not needed.
    public func diagnostic(file: String?) -> Diagnostic { diagnostic }

    public var diagnostic: Diagnostic {
        switch self {
        case .state(let error, _) where error.code == "state-missing":
            .error(error.code, error.message, hint: error.hint, at: nil)
        case .state(let error, let path): error.diagnostic(file: path)
        case .history(let error, let log): error.diagnostic(file: log)
        case .storage(let error):
            .error(code, "\(error)", hint: "keysync reads only regular files and folders in the repository", at: nil)
        }
    }
}

public enum RepositoryReader {
    /// Reads the state at `layout.statePath` and checks it against the audit log and sealed
    /// folder (`RepositoryHistory.check`). `requireState` refuses a missing state file
    /// (readers answering questions about keys); `allowInit` accepts one where history exists.
    /// With `trust` naming a signer, the state's signature is checked over the bytes just read
    /// (`verifiedSigner`); a failed check is left to `StateTrust.refusal`, which says why.
    public static func read(
        _ layout: ApplyLayout, storage: some DurableStorage, requireState: Bool = false, allowInit: Bool = false,
        trusting trust: StateTrust = .unsigned
    ) throws(RepositoryError) -> RepositorySnapshot {
        var stateBytes: [UInt8]?
        let sealed: [String]
        do {
            stateBytes = try storage.read(layout.statePath)
            sealed = try storage.entries(in: layout.sealedDirectory) ?? []
        } catch {
            throw .storage(error)
        }
        let segments = try AuditLogSegments.count(base: layout.auditLogPath, storage: storage)
        guard stateBytes != nil else {
            if requireState {
                throw .state(StateFileError(.missing(path: layout.statePath)), path: layout.statePath)
            }
            return try snapshot(.empty, exists: false, segments: segments, sealed: sealed, layout: layout,
                                allowInit: allowInit, storage: storage)
        }
        var data = Data(stateBytes.take()!)  // the 72 MB are held once, as `data`
        let state: StateFile
        let verifiedSigner: StatePublicKey?
        do {
            let trusted: StatePublicKey? = if case .signer(let key) = trust { key } else { nil }
            (state, verifiedSigner) = try StateFileReader.decode(&data, at: layout.statePath, storage: storage, trusting: trusted)
        } catch {
            throw .state(error, path: layout.statePath)
        }
        data = Data()
        var result = try snapshot(state, exists: true, segments: segments, sealed: sealed, layout: layout,
                                  allowInit: allowInit, storage: storage)
        result.verifiedSigner = verifiedSigner
        return result
    }

    /// The trusted signer when `state`'s signature by it is valid over `bytes`, the canonical
    /// bytes `StateFile.decode` accepted (so the payload can be cut from them; they are consumed).
    static func signer(of state: StateFile, verifiedOver bytes: inout Data, trust: StateTrust) -> StatePublicKey? {
        guard case .signer(let trusted) = trust, state.signature != nil else { return nil }
        do {
            try state.verifySignature(trusting: trusted, consumingCanonicalBytes: &bytes)
            return trusted
        } catch {
            return nil
        }
    }

    /// Checks `state` against the log's segments from the one holding its recorded head (all of
    /// them for a state without one, or when that segment is gone) and the sealed folder.
    private static func snapshot(
        _ state: StateFile, exists: Bool, segments: Int, sealed: [String], layout: ApplyLayout, allowInit: Bool,
        storage: some DurableStorage
    ) throws(RepositoryError) -> RepositorySnapshot {
        let anchored = exists ? state.log.flatMap { $0.headSegment <= segments ? $0 : nil } : nil
        let log = try AuditLogSegments.load(
            base: layout.auditLogPath, from: anchored?.headSegment ?? 1, count: segments,
            eventsBefore: anchored?.eventsBeforeHeadSegment ?? 0, limit: layout.auditSegmentLimit, storage: storage)
        do {
            let continuation = try RepositoryHistory.check(
                state: state, stateExists: exists, log: log, sealedNames: sealed, allowInit: allowInit)
            return RepositorySnapshot(state: state, stateExists: exists, continuation: continuation)
        } catch {
            throw located(error, in: log)
        }
    }

    /// The error pointing at the segment file and line it is about.
    static func located(_ error: HistoryError, in log: AuditLogSegments.Loaded) -> RepositoryError {
        func at(_ line: Int, _ make: (Int) -> HistoryError) -> RepositoryError {
            let (path, local) = log.locate(line: line)
            return .history(make(local), auditLog: path)
        }
        switch error {
        case .stateRolledBack(let state, let completed, let line):
            return at(line) { .stateRolledBack(stateSerial: state, completedSerial: completed, line: $0) }
        case .auditLogMismatch(let line): return at(line) { .auditLogMismatch(line: $0) }
        case .auditLogUnreadable(let line, let reason): return at(line) { .auditLogUnreadable(line: $0, reason: reason) }
        case .auditChainBroken(let line): return at(line) { .auditChainBroken(line: $0) }
        default: return .history(error, auditLog: log.base)
        }
    }
}
