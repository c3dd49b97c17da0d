/// Why a state file cannot be used. Any of these stops the run before anything is written:
/// a state that is not understood must never be "repaired" by overwriting it.
///
/// Messages never quote a `hash` or `preview` value: a field that breaks its format might hold
/// something pasted by mistake (a raw key), and errors end up in CI logs.
public struct StateFileError: Error, Equatable, Sendable, CustomStringConvertible, DiagnosticConvertible {
    public enum Reason: Equatable, Sendable {
        /// The file exists but could not be read.
        case unreadable(String)
        /// A reader that answers about keys found no state file at the path.
        case missing(path: String)
        /// Not JSON, or JSON of the wrong shape (`detail` names the field path).
        case malformed(String)
        /// `version` is not one this keysync understands.
        case unsupportedVersion(Int)
        /// Two current (live, not retiring) keys share a team and name.
        case duplicateLiveKey(team: String, name: String, ids: [String])
        case duplicateID(String)
        /// Two records claim the same key material.
        case duplicateHash(ids: [String])
        /// A hash that is not `sha256:<64 lowercase hex>`.
        case invalidHash(id: String)
        /// A preview that is not `<prefix>_<4 characters>...<4 characters>`.
        case invalidPreview(id: String)
        /// Not the bytes keysync writes for this content (a fraction of a second, another
        /// field order, spacing): what is signed is the canonical form, so no other is read.
        case notCanonical
        /// A shard of a sharded state is missing or not what the index names (`detail` says how).
        case shardMismatch(file: String, detail: String)
    }

    public var reason: Reason
    /// 1-based position in the file, when it could be found.
    public var line: Int?
    public var column: Int?

    public init(_ reason: Reason, line: Int? = nil, column: Int? = nil) {
        self.reason = reason
        self.line = line
        self.column = column
    }

    /// The registered code; `code` is its text, as `Diagnostic.code`.
    public var diagnosticCode: DiagnosticCode {
        switch reason {
        case .unreadable: .stateUnreadable
        case .missing: .stateMissing
        case .malformed: .stateMalformed
        case .unsupportedVersion: .stateVersion
        case .duplicateLiveKey: .stateDuplicateLiveKey
        case .duplicateID: .stateDuplicateId
        case .duplicateHash: .stateDuplicateHash
        case .invalidHash: .stateInvalidHash
        case .invalidPreview: .stateInvalidPreview
        case .notCanonical: .stateNotCanonical
        case .shardMismatch: .stateShardMismatch
        }
    }

    public var message: String {
        switch reason {
        case .unreadable(let detail): "cannot read the state file: \(detail)"
        case .missing(let path): "the state file \(path) does not exist"
        case .malformed(let detail): "the state file is not valid: \(detail)"
        case .unsupportedVersion(let v):
            "the state file has version \(v), but this keysync understands only versions \(StateFile.readableVersions.lowerBound)-\(StateFile.readableVersions.upperBound)"
        case .duplicateLiveKey(let team, let name, let ids):
            "team \(team) has two live keys named \(name) (\(ids.joined(separator: ", ")))"
        case .duplicateID(let id): "two keys have the id \(id)"
        case .duplicateHash(let ids): "keys \(ids.joined(separator: " and ")) have the same hash"
        case .invalidHash(let id): "key \(id) has a hash that is not sha256:<64 lowercase hex>"
        case .invalidPreview(let id): "key \(id) has a preview that is not <prefix>_<4 characters>...<4 characters>"
        case .notCanonical: "the state file is not in the form keysync writes (it was edited after apply wrote it)"
        case .shardMismatch(let file, let detail): "the state's shard \(file) \(detail)"
        }
    }

    public var hint: String? {
        switch reason {
        case .unreadable: "check the path and its permissions"
        case .missing: "pass --state with the path of keysync.state.json"
        case .malformed: "restore the state file from git history; keysync writes it, it is not edited by hand"
        case .unsupportedVersion: "use a keysync release that understands this state version"
        case .shardMismatch:
            "restore the state file and its shard folder together from git history; apply writes them, they are not edited by hand"
        case .duplicateLiveKey, .duplicateID, .duplicateHash, .invalidHash, .invalidPreview, .notCanonical:
            "the state file was edited or merged by hand; restore it from git history"
        }
    }

    public var description: String { "error[\(code)]: \(message)" }

}

extension StateFileError {
    /// Points into the state file at the place of the problem (its start when the place is unknown).
    public func diagnostic(file: String?) -> Diagnostic {
        .error(diagnosticCode, message, hint: hint,
               at: file.map { SourceLocation(file: $0, line: line ?? 1, column: column ?? 1) })
    }
}
