/// An apply computed but not yet written: the new state, the sealed files and the audit lines.
///
/// What must hold: it holds no raw key. The keys minted by `ApplyEngine.prepare` exist only in
/// `sealedFiles`' ciphertext; the state and events know them by id, hash and preview.
public struct PreparedApply: Sendable, Equatable {
    /// The state before (as given to `prepare`), kept so callers can tell what changed.
    public var previousState: StateFile
    /// The state after; equal to `previousState` when the plan has no changes.
    public var state: StateFile {
        didSet { stateFiles = nil }  // never stale: a changed state is encoded again
    }
    /// One per team that got new keys, sorted by team. Empty when nothing was created.
    public var sealedFiles: [SealedFile]
    /// One per action, in the plan's order.
    public var events: [AuditEvent]
    /// Whether anything is to be written at all (`false` for a plan without changes).
    public var hasChanges: Bool
    /// How many key changes carried each action (for the summary line).
    public var actionCounts: [KeyAction: Int]
    /// The audit log's new lines, written before the state: markers for what an earlier crash
    /// left, `apply.began`, and `events`. The state records the log's head after them.
    public var auditLines: [UInt8]
    /// `apply.completed`, written after the state.
    public var completionLine: [UInt8]
    /// Where the log ends: the lines are appended after it (a half-written line beyond it is
    /// cut), spread over segment files as `AuditLogEnd.appending` says.
    public var logEnd: AuditLogEnd
    /// `state.encodedFiles()` (index and shards), when `ApplyEngine.prepare` already made them
    /// (it signs the index); the writer encodes the state itself otherwise.
    public var stateFiles: StateFiles?

    public init(
        previousState: StateFile, state: StateFile, sealedFiles: [SealedFile], events: [AuditEvent],
        hasChanges: Bool, actionCounts: [KeyAction: Int], auditLines: [UInt8] = [],
        completionLine: [UInt8] = [], logEnd: AuditLogEnd = AuditLogEnd(), stateFiles: StateFiles? = nil
    ) {
        self.previousState = previousState
        self.state = state
        self.sealedFiles = sealedFiles
        self.events = events
        self.hasChanges = hasChanges
        self.actionCounts = actionCounts
        self.auditLines = auditLines
        self.completionLine = completionLine
        self.logEnd = logEnd
        self.stateFiles = stateFiles
    }
}
