import Foundation
import Manifest

/// The steps `plan` and `apply` share — read and validate the manifest, read the state and
/// check it, plan — collecting diagnostics (and the sources to quote under them) as they go.
/// Each step returns `nil` once an error was collected, so the caller stops there.
struct PlanningSteps<Storage: DurableStorage> {
    let configuration: ReconcileConfiguration
    let storage: Storage
    let progress: ProgressReporter
    var report = SessionReport()

    init(configuration: ReconcileConfiguration, storage: Storage, progress: ProgressReporter = .silent) {
        self.configuration = configuration
        self.storage = storage
        self.progress = progress
    }

    mutating func fail<Value>(_ diagnostic: Diagnostic) -> Value? {
        report.diagnostics.append(diagnostic)
        return nil
    }

    mutating func loadManifest() -> Manifest? {
        let read = ManifestLoader.readSources(at: configuration.manifestPath)
        for source in read.sources { report.sources[source.path] = source.bytes }
        guard !read.diagnostics.hasErrors else {
            report.diagnostics += read.diagnostics
            return nil
        }
        // The loader's diagnostics replace the reader's (which had no errors), as plan always did.
        let total = read.sources.reduce(0) { $0 + $1.bytes.count }
        progress(.readManifest, 0, of: total)
        let loaded = ManifestLoader.load(read.sources) { [progress] in progress(.readManifest, $0, of: total) }
        report.diagnostics += loaded.diagnostics
        return report.hasErrors ? nil : loaded.manifest
    }

    /// The state, checked against the audit log and sealed folder (`RepositoryReader`) and its
    /// signature: a pull request that edits the state by hand, puts an older copy back or
    /// deletes it is refused here.
    mutating func readRepository() -> RepositorySnapshot? {
        let snapshot: RepositorySnapshot
        do {
            snapshot = try progress.whole(.readState) { () throws(RepositoryError) -> RepositorySnapshot in
                try RepositoryReader.read(configuration.layout, storage: storage,
                                          allowInit: configuration.allowInit, trusting: configuration.trust)
            }
        } catch {
            // The state's lines are not quoted under the error: a broken line may hold
            // something pasted by mistake (a raw key in a hash field), and this goes to CI logs.
            return fail(error.diagnostic)
        }
        if let refusal = configuration.trust.refusal(of: snapshot, path: configuration.layout.statePath) {
            return fail(refusal)
        }
        return snapshot
    }

    /// The plan, or `nil` when planning found errors (such as an expiry already past).
    mutating func plan(_ manifest: Manifest, state: StateFile, now: Date) -> Plan? {
        let (plan, diagnostics) = progress.whole(.plan) {
            Planner.plan(manifest: manifest, state: state, now: now, warnWithin: configuration.warnWithin,
                         revocationLimit: configuration.revocationLimit)
        }
        report.diagnostics += diagnostics
        return report.hasErrors ? nil : plan
    }
}
