import Foundation

/// A plan written to a file by `plan --out`, for a later `apply PLANFILE`. The file is the
/// plan's JSON form (the same bytes as `--format json`).
public enum SavedPlan {
    /// The bytes to write.
    public static func encode(_ plan: Plan) -> Data {
        do {
            return try CanonicalJSON.encode(plan)
        } catch {
            preconditionFailure("a plan always encodes: \(error)")
        }
    }

    /// Reads a saved plan; fails on anything that is not a plan of this format version.
    public static func decode(_ data: Data) throws(SavedPlanError) -> Plan {
        do {
            return try CanonicalJSON.decoder().decode(Plan.self, from: data)
        } catch {
            throw SavedPlanError.unreadable(String(describing: error))
        }
    }
}

/// Why a saved plan cannot be used.
public enum SavedPlanError: Error, Equatable, Sendable, CustomStringConvertible, DiagnosticConvertible {
    /// Not a plan file this keysync understands.
    case unreadable(String)
    /// The state's history is another one (another lineage).
    case lineageChanged(planned: String?, current: String?)
    /// The state was applied since the plan was made.
    case serialChanged(planned: Int, current: Int)
    /// The manifest changed since the plan was made.
    case manifestChanged(planned: String, current: String)
    /// The plan is not what the manifest and state give at its `planned_at`: it was edited after
    /// it was saved (a CI artifact, say), to send keys elsewhere or change what they allow.
    case edited

    public var diagnosticCode: DiagnosticCode {
        switch self {
        case .unreadable: .planUnreadable
        case .lineageChanged, .serialChanged, .manifestChanged: .planStale
        case .edited: .planTampered
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let detail):
            "the plan file cannot be read: \(detail)"
        case .lineageChanged(let planned, let current):
            "the plan was made for state lineage \(planned ?? "(none)"), but the state has lineage \(current ?? "(none)"); run keysync plan again"
        case .serialChanged(let planned, let current):
            "the plan was made at state serial \(planned), but the state is at serial \(current); run keysync plan again"
        case .manifestChanged(let planned, let current):
            "the manifest changed since the plan was made (\(planned) → \(current)); run keysync plan again"
        case .edited:
            "the saved plan is not the plan the manifest and the state give at its planned_at: it was edited after keysync plan --out wrote it"
        }
    }
}

extension Plan {
    /// What apply acts on: the plan without its notes (which depend on `--warn-within`) and
    /// source locations (which depend on how the manifest's path was typed).
    public var actionable: Plan {
        var copy = self
        copy.notes = []
        copy.teamChanges = copy.teamChanges.map { var change = $0; change.location = nil; return change }
        copy.keyChanges = copy.keyChanges.map { var change = $0; change.location = nil; return change }
        return copy
    }

    /// Why this saved plan must not be applied although it is current: `.edited` unless it
    /// acts exactly as `derived` (the plan made again from the manifest and state at this
    /// plan's `plannedAt`). Apply trusts no field of a plan file — recipients, prefix, names,
    /// limits — beyond what the reviewed manifest gives.
    public func tampering(against derived: Plan) -> SavedPlanError? {
        actionable == derived.actionable ? nil : .edited
    }

    /// Why this plan must not be applied to `state` with a manifest of digest `manifestDigest`,
    /// or `nil` when it is current. Lineage first (another history), then serial, then manifest.
    public func staleness(against state: StateFile, manifestDigest: String) -> SavedPlanError? {
        if lineage != state.lineage { return .lineageChanged(planned: lineage, current: state.lineage) }
        if serial != state.serial { return .serialChanged(planned: serial, current: state.serial) }
        if self.manifestDigest != manifestDigest {
            return .manifestChanged(planned: self.manifestDigest, current: manifestDigest)
        }
        return nil
    }
}

extension SavedPlanError {
    /// What `apply PLANFILE` prints: a stale plan says so and gives the reason as the hint; the
    /// others say what is wrong and how to make a new plan. `file`, when given, is where it points.
    public func diagnostic(file: String?) -> Diagnostic {
        let location = file.map { SourceLocation(file: $0, line: 1, column: 1) }
        switch self {
        case .lineageChanged, .serialChanged, .manifestChanged:
            return .error(diagnosticCode, "the plan is stale; run keysync plan again", hint: description, at: location)
        case .edited:
            return .error(diagnosticCode, description,
                          hint: "make the plan again with keysync plan --out, and keep the file where no one else can write it",
                          at: location)
        case .unreadable:
            return .error(diagnosticCode, description, hint: "save a new one with keysync plan --out", at: location)
        }
    }
}
