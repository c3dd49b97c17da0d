import Foundation
import PlanRendering
import Manifest
import Reconciler

/// The steps `plan` and `apply` share — read and validate the manifest, read the state, plan —
/// collecting diagnostics (and the sources to quote under them) as they go. Each step returns
/// `nil` once an error was collected, so the caller stops there and reports.
struct PlanningRun {
    var sources: [String: [UInt8]] = [:]
    var diagnostics: [Diagnostic] = []

    mutating func loadManifest(at path: String) -> Manifest? {
        let read = ManifestLoader.readSources(at: path)
        for source in read.sources { sources[source.path] = source.bytes }
        diagnostics += read.diagnostics
        guard !read.diagnostics.hasErrors else { return nil }
        // As plan always did: the loader's diagnostics replace the reader's (which had no errors).
        let loaded = ManifestLoader.load(read.sources)
        diagnostics.removeLast(read.diagnostics.count)
        diagnostics += loaded.diagnostics
        return diagnostics.hasErrors ? nil : loaded.manifest
    }

    /// The state, checked against the audit log and sealed folder (`RepositoryReader`) and
    /// its signature (`trust`): a pull request that edits the state by hand, puts an older copy
    /// back or deletes it is refused here.
    mutating func readRepository(_ options: RepositoryOptions, trust: StateTrustOptions.Trust) -> RepositorySnapshot? {
        let snapshot: RepositorySnapshot
        do {
            snapshot = try RepositoryReader.read(options.layout, storage: FileSystemStorage(), allowInit: options.initialize)
        } catch {
            // The state's lines are not quoted under the error: a broken line may hold
            // something pasted by mistake (a raw key in a hash field), and this goes to CI logs.
            diagnostics.append(error.diagnostic)
            return nil
        }
        if let refusal = StateTrustOptions.check(snapshot.state, exists: snapshot.stateExists,
                                                 path: options.statePath, trust: trust) {
            diagnostics.append(refusal)
            return nil
        }
        return snapshot
    }

    /// The plan, or `nil` when planning found errors (such as an expiry already past).
    mutating func plan(manifest: Manifest, state: StateFile, now: Date, warnWithin: Period) -> Plan? {
        let (plan, planDiagnostics) = Planner.plan(manifest: manifest, state: state, now: now,
                                                   warnWithin: TimeInterval(warnWithin.seconds))
        diagnostics += planDiagnostics
        return diagnostics.hasErrors ? nil : plan
    }

    /// The plan as `keysync plan` prints it on standard output, in `format`.
    static func render(_ plan: Plan, as format: PlanFormat, environment: [String: String]) -> String {
        let colour = format == .text && Terminal.standardOutput(environment: environment).usesColour
        return plan.rendered(as: format, color: colour)
    }
}
