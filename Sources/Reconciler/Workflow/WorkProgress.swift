/// How far a long run has got, as counts: what the workflows tell the command line so it can
/// show a bar or a line while 100k keys are minted, sealed and written.
///
/// What must hold: progress carries a fixed step and numbers only — never a team, a key name, a
/// path or key material — so nothing shown as progress (in a CI log, say) can leak what the run
/// handles. How it looks, and whether it is shown at all, is the caller's business.
public struct WorkProgress: Sendable, Equatable {
    /// The long parts of `validate`, `plan` and `apply`, in the order they run, and of the
    /// commands that read a large state (`list`, `expiring`, `audit verify`).
    public enum Step: String, Sendable, CaseIterable {
        /// Parsing and checking the manifest; counted in bytes of YAML.
        case readManifest
        /// Reading the state, the audit log and the sealed folder, and checking the signature.
        case readState
        /// Diffing the manifest against the state.
        case plan
        /// Minting new keys (creates and rotations) and applying the other changes to the state
        /// in memory; counted in key changes.
        case mint
        /// Encoding the audit lines and the new state, and signing it.
        case encodeState
        /// Encrypting each team's new keys to its recipients; counted in teams.
        case seal
        /// Writing the sealed files; counted in files.
        case writeSealedFiles
        /// Appending the audit log and writing the state.
        case writeState
        /// Checking the audit log's hash chain (`audit verify`).
        case checkAuditLog

        /// What `completed` and `total` count.
        public var unit: Unit {
            switch self {
            case .readManifest: .bytes
            case .readState, .plan, .encodeState, .writeState, .checkAuditLog: .whole
            case .mint: .keys
            case .seal: .teams
            case .writeSealedFiles: .files
            }
        }
    }

    public enum Unit: Sendable {
        case bytes, keys, teams, files
        /// The step as one piece: 0 of 1 while it runs, 1 of 1 once done.
        case whole
    }

    public var step: Step
    public var completed: Int
    public var total: Int

    public init(step: Step, completed: Int, total: Int) {
        self.step = step
        self.completed = completed
        self.total = total
    }

    /// The step's last report: everything counted is done.
    public var isFinished: Bool { completed >= total }
}

/// Where the workflows send `WorkProgress`: a closure the caller supplies, called on the
/// working thread after each unit of work (each team, each key, each file). It must be cheap;
/// the command line's display decides itself how often to draw. `silent` drops everything.
public struct ProgressReporter {
    private let handler: ((WorkProgress) -> Void)?

    public init(_ handler: @escaping (WorkProgress) -> Void) {
        self.handler = handler
    }

    private init() {
        handler = nil
    }

    /// No one is listening: library callers and tests that do not ask for progress.
    public static var silent: ProgressReporter { ProgressReporter() }

    /// Reports `completed` of `total` units of `step`.
    public func callAsFunction(_ step: WorkProgress.Step, _ completed: Int, of total: Int) {
        handler?(WorkProgress(step: step, completed: completed, total: total))
    }

    /// Runs `body` as the whole of `step` (a step without finer counts): 0 of 1 before it,
    /// 1 of 1 after it.
    public func whole<Value, Failure: Error>(
        _ step: WorkProgress.Step, _ body: () throws(Failure) -> Value
    ) throws(Failure) -> Value {
        self(step, 0, of: 1)
        let value = try body()
        self(step, 1, of: 1)
        return value
    }
}
