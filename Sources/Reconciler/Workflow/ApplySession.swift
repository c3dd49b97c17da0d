import Foundation
import Logging
import Manifest

/// `keysync apply` as a library call, in two steps so the caller can show the plan between
/// them, before anything is written (as Terraform does):
///
/// 1. `plan(savedPlanPath:dryRun:)`: take the state lock (unless it is a dry run), read and
///    validate the manifest, read the repository through `storage` and check the state's
///    signature, then plan at `now` — or load a saved plan and refuse it when it is stale (the
///    state or the manifest changed since) or tampered with (it is not what the manifest and
///    state give at its `planned_at`). Either way a plan revoking more keys than
///    `configuration.revocationLimit` allows is refused here (a dry run only warns).
/// 2. `apply(context:armor:signingKey:using:)`: mint, seal and sign in memory
///    (`ApplyEngine.prepare`), then write through `storage` in `ApplyWriter`'s order.
///
/// What must hold: nothing is written before step 2, and step 2 writes only a plan step 1
/// accepted, under the lock step 1 took (held until `release()` or the session's end). Every
/// refusal is a diagnostic in `report`, so the caller shows them all and decides the exit
/// status. The clock (`now`) and all randomness (`generator`) are parameters.
public struct ApplySession<Storage: DurableStorage> {
    public let configuration: ReconcileConfiguration
    public let storage: Storage
    public let now: Date
    /// Written into the lock file, so a waiting apply can name who holds it.
    public let lockHolder: LockHolder
    /// How long to wait for another apply holding the lock (`.zero`: fail at once).
    public let lockTimeout: Duration
    /// Hears how far each step got (`WorkProgress`): reading, planning, minting, sealing,
    /// writing. Silent unless the caller listens.
    public var progress: ProgressReporter = .silent
    public private(set) var report = SessionReport()
    /// The plan step 1 accepted; `nil` before it or when it refused.
    public private(set) var plan: Plan?
    private var snapshot: RepositorySnapshot?
    private var lock: StateLock?
    private let logger: Logger

    public init(
        configuration: ReconcileConfiguration, storage: Storage, now: Date, lockHolder: LockHolder,
        lockTimeout: Duration = .zero, logger: Logger = Logger(label: "keysync.apply")
    ) {
        self.configuration = configuration
        self.storage = storage
        self.now = now
        self.lockHolder = lockHolder
        self.lockTimeout = lockTimeout
        self.logger = logger
    }

    /// Step 1. Returns the plan to show and apply, or `nil` after collecting why not. A dry run
    /// takes no lock (it writes nothing, not even the lock file).
    public mutating func plan(savedPlanPath: String? = nil, dryRun: Bool = false) -> Plan? {
        // The lock comes first, so the state read below is the one this apply replaces.
        if !dryRun {
            guard takeLock() else { return nil }
        }
        var steps = PlanningSteps(configuration: configuration, storage: storage, progress: progress)
        defer {
            report.diagnostics += steps.report.diagnostics
            report.sources.merge(steps.report.sources) { _, new in new }
            report.keepQuotedSources()
        }
        // The manifest model lives only in here: once the plan exists apply no longer needs it,
        // and at 100k keys it is the largest thing in memory.
        guard let manifest = steps.loadManifest(), let snapshot = steps.readRepository() else { return nil }
        let accepted: Plan?
        if let savedPlanPath {
            accepted = check(savedPlanAt: savedPlanPath, manifest: manifest, state: snapshot.state, steps: &steps)
        } else {
            accepted = steps.plan(manifest, state: snapshot.state, now: now)
        }
        guard let accepted else { return nil }
        // Checked on the plan about to be applied, saved or not; a dry run shows the plan's
        // warning (a `revocation-limit` note) as plan does.
        if !dryRun, let refusal = configuration.revocationLimit.refusal(of: accepted) {
            return steps.fail(refusal)
        }
        self.snapshot = snapshot
        self.plan = accepted
        return accepted
    }

    /// Step 2: prepares and writes the accepted plan, signing the new state with `signingKey`
    /// (the caller has checked it against the configured public key). Returns what was written,
    /// or `nil` after collecting why nothing (or, for a failed write, not all of it) was.
    public mutating func apply(
        context: AuditContext, armor: Bool = false, signingKey: StateSigningKey?,
        using generator: inout some RandomNumberGenerator
    ) -> PreparedApply? {
        guard let plan, let snapshot else {
            preconditionFailure("ApplySession.apply needs a plan accepted by plan(savedPlanPath:dryRun:)")
        }
        precondition(lock != nil, "ApplySession.apply writes only under the lock a non-dry-run plan step took")
        let layout = configuration.layout
        let state = snapshot.state
        if plan.hasChanges {
            for name in ApplyWriter.neverValidSealedFiles(in: layout.sealedDirectory, stateSerial: state.serial,
                                                          storage: storage) {
                report.diagnostics.append(.warning(
                    .applyNeverValid,
                    "\(layout.sealedPath(name)) is from an apply that did not complete (the state is at serial \(state.serial)); the keys in it were never valid",
                    hint: "delete it; it is not a delivery", at: nil))
            }
        }
        do {
            let prepared = try ApplyEngine.prepare(
                plan: plan, state: state, history: snapshot.continuation, now: now, context: context,
                armor: armor, signingKey: signingKey, progress: progress, using: &generator)
            try ApplyWriter.write(prepared, to: layout, storage: storage, logger: logger, progress: progress)
            return prepared
        } catch {
            report.diagnostics.append(.error(error.code, "\(error)", at: nil))
            return nil
        }
    }

    /// Releases the state lock (also done when the session goes away, and by the kernel when
    /// the process dies).
    public mutating func release() {
        lock?.release()
        lock = nil
    }

    private mutating func takeLock() -> Bool {
        let statePath = configuration.layout.statePath
        do {
            if let folder = ApplyLayout.folder(of: statePath) { try storage.createDirectory(folder) }
        } catch {
            report.diagnostics.append(.error(.applyWrite, "\(error)", at: nil))
            return false
        }
        do {
            lock = try storage.lock(forState: statePath, holder: lockHolder, timeout: lockTimeout)
            return true
        } catch {
            report.diagnostics.append(.error(error.code, "\(error)", at: nil))
            return false
        }
    }

    /// The saved plan at `path`, when it is current and is what the manifest and `state` give
    /// at its `planned_at`: the file is only a claim, so the plan is made again and applied
    /// only when the two act alike. The plan made again is what is applied.
    private func check(
        savedPlanAt path: String, manifest: Manifest, state: StateFile, steps: inout PlanningSteps<Storage>
    ) -> Plan? {
        let bytes: [UInt8]?
        do {
            bytes = try storage.read(path)
        } catch {
            return steps.fail(.error(.planUnreadable, "\(error)", hint: "save one with keysync plan --out \(path)", at: nil))
        }
        guard let bytes else {
            return steps.fail(.error(.planUnreadable, "cannot read the plan file \(path)",
                                     hint: "save one with keysync plan --out \(path)", at: nil))
        }
        let saved: Plan
        do {
            saved = try SavedPlan.decode(Data(bytes))
        } catch {
            return steps.fail(.error(error.code, "\(error)", hint: "save a new one with keysync plan --out", at: nil))
        }
        if let stale = saved.staleness(against: state, manifestDigest: manifest.digest) {
            return steps.fail(.error(stale.code, "the plan is stale; run keysync plan again", hint: "\(stale)", at: nil))
        }
        let (derived, diagnostics) = progress.whole(.plan) {
            Planner.plan(manifest: manifest, state: state, now: saved.plannedAt, warnWithin: configuration.warnWithin)
        }
        // What plan refused (a protected key revoked, say) is refused here too, whatever the file says.
        let errors = diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty {
            steps.report.diagnostics += errors
            return nil
        }
        if let edited = saved.tampering(against: derived) {
            return steps.fail(.error(edited.code, "\(edited)",
                                     hint: "make the plan again with keysync plan --out, and keep the file where no one else can write it",
                                     at: nil))
        }
        return derived
    }
}
