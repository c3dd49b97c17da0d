/// An apply computed but not yet written: the new state, the sealed files and the audit events.
///
/// What must hold: it holds no raw key. The keys minted by `ApplyEngine.prepare` exist only in
/// `sealedFiles`' ciphertext; the state and events know them by id, hash and preview.
public struct PreparedApply: Sendable, Equatable {
    /// The state before (as given to `prepare`), kept so callers can tell what changed.
    public var previousState: StateFile
    /// The state after; equal to `previousState` when the plan has no changes.
    public var state: StateFile
    /// One per team that got new keys, sorted by team. Empty when nothing was created.
    public var sealedFiles: [SealedFile]
    /// One per action, in the plan's order.
    public var events: [AuditEvent]
    /// Whether anything is to be written at all (`false` for a plan without changes).
    public var hasChanges: Bool
    /// How many key changes carried each action (for the summary line).
    public var actionCounts: [KeyAction: Int]

    public init(
        previousState: StateFile, state: StateFile, sealedFiles: [SealedFile], events: [AuditEvent],
        hasChanges: Bool, actionCounts: [KeyAction: Int]
    ) {
        self.previousState = previousState
        self.state = state
        self.sealedFiles = sealedFiles
        self.events = events
        self.hasChanges = hasChanges
        self.actionCounts = actionCounts
    }
}
