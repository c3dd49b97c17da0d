import Foundation
import Manifest

/// What `plan` and `apply` are pointed at, as one value: the manifest, where the state, sealed
/// files and audit log live, whom to trust, and the planning options. The command line builds
/// it from its arguments and environment; the sessions take it with the storage and the clock,
/// so tests can run the whole workflow without a process.
public struct ReconcileConfiguration: Sendable, Equatable {
    /// A manifest file, or a folder of `*.yaml`/`*.yml` files.
    public var manifestPath: String
    public var layout: ApplyLayout
    public var trust: StateTrust
    /// Start a new state although the repository has history (`--init`).
    public var allowInit: Bool
    /// Warn about keys expiring within this many seconds.
    public var warnWithin: TimeInterval
    /// apply refuses a plan revoking more keys than this; plan warns about it.
    public var revocationLimit = RevocationLimit()

    public init(manifestPath: String, layout: ApplyLayout, trust: StateTrust, allowInit: Bool = false,
                warnWithin: TimeInterval = 604_800) {
        self.manifestPath = manifestPath
        self.layout = layout
        self.trust = trust
        self.allowInit = allowInit
        self.warnWithin = warnWithin
    }
}

/// What a session found on its way: every diagnostic (warnings too, when it succeeded), and the
/// bytes of the files they point into, so the command line can quote the offending line.
public struct SessionReport: Sendable, Equatable {
    public var diagnostics: [Diagnostic] = []
    /// File contents by path; only files a diagnostic points into are kept (at 100k keys the
    /// rest is megabytes).
    public var sources: [String: [UInt8]] = [:]

    public init(diagnostics: [Diagnostic] = [], sources: [String: [UInt8]] = [:]) {
        self.diagnostics = diagnostics
        self.sources = sources
    }

    public var hasErrors: Bool { diagnostics.hasErrors }

    /// Drops the sources no diagnostic quotes.
    mutating func keepQuotedSources() {
        let quoted = Set(diagnostics.compactMap { $0.location?.file })
        sources = sources.filter { quoted.contains($0.key) }
    }
}
