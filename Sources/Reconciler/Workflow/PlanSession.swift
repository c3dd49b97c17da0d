import Foundation
import Manifest

/// `keysync plan` as a library call: read and validate the manifest, read the repository
/// (state, audit log, sealed folder) through `storage`, check the state's signature and, with a
/// base branch's copy, that the state continues it, then plan at `now`. Writes nothing.
///
/// What must hold: a plan comes back only when no error was found; every refusal is a
/// diagnostic in the report, never a thrown error, so the caller shows them all at once.
public struct PlanSession<Storage: DurableStorage> {
    public var configuration: ReconcileConfiguration
    public var storage: Storage
    /// Hears how far reading and planning got (`WorkProgress`); silent unless the caller listens.
    public var progress: ProgressReporter

    public init(configuration: ReconcileConfiguration, storage: Storage, progress: ProgressReporter = .silent) {
        self.configuration = configuration
        self.storage = storage
        self.progress = progress
    }

    /// What a plan run gives: the plan (`nil` once an error was found) and its diagnostics.
    public struct Outcome: Sendable {
        public var plan: Plan?
        public var report: SessionReport
    }

    /// Plans at `now`. `previousStatePath` (`plan --previous-state`) is the base branch's
    /// state: it must be trusted like the state itself, and the state must continue it.
    public func run(now: Date, previousStatePath: String? = nil) -> Outcome {
        var steps = PlanningSteps(configuration: configuration, storage: storage, progress: progress)
        let plan = steps.loadManifest().flatMap { manifest -> Plan? in
            guard let snapshot = steps.readRepository(),
                  checkPrevious(previousStatePath, continuedBy: snapshot.state, steps: &steps)
            else { return nil }
            return steps.plan(manifest, state: snapshot.state, now: now)
        }
        return Outcome(plan: plan, report: steps.report)
    }

    /// `false` once a refusal was collected.
    private func checkPrevious(
        _ path: String?, continuedBy state: StateFile, steps: inout PlanningSteps<Storage>
    ) -> Bool {
        guard let path else { return true }
        let previous: StateFile
        do {
            previous = try StateFileReader.read(at: path, storage: storage)
        } catch {
            steps.report.diagnostics.append(error.diagnostic(file: path))
            return false
        }
        if let refusal = configuration.trust.refusal(of: previous, exists: previous.serial > 0, path: path) {
            steps.report.diagnostics.append(refusal)
            return false
        }
        do {
            try RepositoryHistory.checkDescends(state, from: previous)
            return true
        } catch {
            steps.report.diagnostics.append(error.diagnostic(file: configuration.layout.statePath))
        }
        return false
    }
}
