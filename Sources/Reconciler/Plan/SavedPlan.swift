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
public enum SavedPlanError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a plan file this keysync understands.
    case unreadable(String)
    /// The state's history is another one (another lineage).
    case lineageChanged(planned: String?, current: String?)
    /// The state was applied since the plan was made.
    case serialChanged(planned: Int, current: Int)
    /// The manifest changed since the plan was made.
    case manifestChanged(planned: String, current: String)

    public var code: String {
        switch self {
        case .unreadable: "plan-unreadable"
        case .lineageChanged, .serialChanged, .manifestChanged: "plan-stale"
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
        }
    }
}

extension Plan {
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
