import Manifest

/// Why a state, an audit log and the sealed folder do not tell one story: what the
/// repository already recorded says the state was put back, cut, swapped or lost.
///
/// Each case is refused with its own code wherever the state is read (plan, apply, verify,
/// list, expiring, audit verify); none is ever "repaired" by writing over it.
public enum HistoryError: Error, Equatable, Sendable, CustomStringConvertible, DiagnosticConvertible {
    /// The log records a completed apply with a higher serial than the state's: the state is
    /// an older copy put back (every key revoked since would live again).
    case stateRolledBack(stateSerial: Int, completedSerial: Int, line: Int)
    /// The log holds fewer lines than the state recorded: its tail was cut (or it was
    /// swapped for an older copy).
    case auditLogTruncated(recorded: Int, found: Int)
    /// The line where the state's recorded head should be is another one: the log was
    /// rewritten, or the state belongs to another history.
    case auditLogMismatch(line: Int)
    /// A line after the recorded head is not an audit line, or breaks the chain.
    case auditLogUnreadable(line: Int, reason: String)
    /// A line up to the recorded head does not follow the one before it: history was edited.
    case auditChainBroken(line: Int)
    /// The state records audit events but there is no log.
    case auditLogMissing(recorded: Int)
    /// No state file, but the repository has history (an audit log, sealed files): a deleted
    /// state would start a new lineage and re-mint every key.
    case historyWithoutState(events: Int, sealedFiles: Int)
    /// `--previous-state`: the state is not a descendant of the base branch's.
    case notADescendant(String)
    /// The log's segment files are not segments 1...N, or one before the last is cut off.
    case auditSegmentsBroken(String)

    public var diagnosticCode: DiagnosticCode {
        switch self {
        case .stateRolledBack: .stateRolledBack
        case .auditLogTruncated: .auditLogTruncated
        case .auditLogMismatch: .auditLogMismatch
        case .auditLogUnreadable, .auditSegmentsBroken: .auditLogUnreadable
        case .auditChainBroken: .auditChainBroken
        case .auditLogMissing: .auditLogMissing
        case .historyWithoutState: .stateMissingWithHistory
        case .notADescendant: .stateNotDescendant
        }
    }

    public var description: String {
        switch self {
        case .stateRolledBack(let state, let completed, let line):
            "the state is at serial \(state), but the audit log records apply \(completed) as completed (line \(line)): the state file is an older copy put back"
        case .auditLogTruncated(let recorded, let found):
            "the state recorded \(recorded) audit lines, but the audit log has \(found): lines were cut from its end"
        case .auditLogMismatch(let line):
            "line \(line) of the audit log is not the one the signed state recorded as its head: the log was rewritten, or the state is from another history"
        case .auditLogUnreadable(let line, let reason):
            "line \(line) of the audit log, after the head the state recorded, \(reason)"
        case .auditChainBroken(let line):
            "line \(line) of the audit log does not follow the line before it: the log's history was edited"
        case .auditLogMissing(let recorded):
            "the state recorded \(recorded) audit lines, but there is no audit log"
        case .historyWithoutState(let events, let sealed):
            "there is no state file, but the repository has history (\(events) audit lines, \(sealed) sealed files): a new state would re-mint every key and forget every revocation"
        case .notADescendant(let reason):
            "the state is not a descendant of the previous state: \(reason)"
        case .auditSegmentsBroken(let reason):
            "the audit log's segment files do not form one log: \(reason)"
        }
    }

    public var hint: String {
        switch self {
        case .stateRolledBack, .auditLogTruncated, .auditLogMismatch, .auditLogUnreadable, .auditLogMissing, .auditChainBroken,
             .auditSegmentsBroken:
            "restore the state file and the audit log from the last apply's commit (git log -- keysync.state.json); never edit them by hand"
        case .historyWithoutState:
            "restore the state file from git history; to start a new state on purpose, run apply with --init"
        case .notADescendant:
            "the pull request replaces the state with one that is not the base branch's state plus applies; restore it from the base branch"
        }
    }

    public func diagnostic(file: String?) -> Diagnostic {
        let location: SourceLocation?
        switch self {
        case .auditLogMismatch(let line), .auditLogUnreadable(let line, _), .stateRolledBack(_, _, let line),
             .auditChainBroken(let line):
            location = file.map { SourceLocation(file: $0, line: max(line, 1), column: 1) }
        default:
            location = nil
        }
        return .error(code, description, hint: hint, at: location)
    }
}
