import Foundation

/// What applying would do: plain, sorted data computed by `Planner` from a manifest, a state
/// and a clock. Renderers show it; apply executes it as given and never diffs again.
///
/// It remembers what it was computed from (`lineage`, `serial`, `manifestDigest`) so a saved
/// plan can be refused once the state or the manifest moved on (see `staleness(against:manifestDigest:)`).
/// It never holds anything secret: existing keys appear by id and preview only.
public struct Plan: Sendable, Hashable, Codable {
    /// The version of the plan's JSON form (`format_version`); raised on incompatible changes.
    public static let formatVersion = 1

    /// The state's lineage (`nil`: planned against an empty state).
    public var lineage: String?
    /// The state's serial.
    public var serial: Int
    /// `Manifest.digest` of the manifest planned from.
    public var manifestDigest: String
    /// The key prefix new keys get.
    public var prefix: String
    /// The clock reading the plan was made with (grace periods, expiry checks).
    public var plannedAt: Date
    /// Sorted by team name (the renderers walk teams as runs, so only this module may set it).
    public internal(set) var teamChanges: [TeamChange]
    /// Sorted by team, name, primary action, key id (as `teamChanges`, set only here).
    public internal(set) var keyChanges: [KeyChange]
    /// Warnings and notes for reviewers, sorted by team, key, kind. Not changes.
    public var notes: [PlanNote]

    public init(
        lineage: String?, serial: Int, manifestDigest: String, prefix: String, plannedAt: Date,
        teamChanges: [TeamChange] = [], keyChanges: [KeyChange] = [], notes: [PlanNote] = []
    ) {
        self.lineage = lineage
        self.serial = serial
        self.manifestDigest = manifestDigest
        self.prefix = prefix
        self.plannedAt = plannedAt
        self.teamChanges = teamChanges.sorted { $0.team < $1.team }
        // Sorting positions, not the changes: a stable merge sort copies its elements into a
        // buffer, and a change copied is a dozen retains (15 % of a 100k-key plan's time).
        let order = keyChanges.indices.sorted { Plan.keyChangeOrder(keyChanges[$0], keyChanges[$1]) }
        self.keyChanges = order.map { keyChanges[$0] }
        self.notes = notes.sorted(by: Plan.noteOrder)
    }

    /// The same plan with `note` among its notes (in their order).
    public func adding(_ note: PlanNote) -> Plan {
        var copy = self
        copy.notes = (notes + [note]).sorted(by: Plan.noteOrder)
        return copy
    }

    /// Whether applying would change the state.
    public var hasChanges: Bool { !teamChanges.isEmpty || !keyChanges.isEmpty }

    public var summary: PlanSummary { PlanSummary(self) }

    static func keyChangeOrder(_ a: KeyChange, _ b: KeyChange) -> Bool {
        if a.team != b.team { return a.team < b.team }
        if a.name != b.name { return a.name < b.name }
        if a.primaryAction != b.primaryAction { return a.primaryAction < b.primaryAction }
        return (a.keyID?.rawValue ?? "") < (b.keyID?.rawValue ?? "")
    }

    static func noteOrder(_ a: PlanNote, _ b: PlanNote) -> Bool {
        let kinds = PlanNote.Kind.allCases
        return (a.team, a.key ?? "", kinds.firstIndex(of: a.kind)!, a.keyID?.rawValue ?? "")
            < (b.team, b.key ?? "", kinds.firstIndex(of: b.kind)!, b.keyID?.rawValue ?? "")
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", lineage, serial, manifestDigest = "manifest_digest"
        case prefix, plannedAt = "planned_at", summary, teamChanges = "team_changes"
        case keyChanges = "key_changes", notes, hasChanges = "has_changes"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Plan.formatVersion, forKey: .formatVersion)
        try c.encode(lineage, forKey: .lineage)
        try c.encode(serial, forKey: .serial)
        try c.encode(manifestDigest, forKey: .manifestDigest)
        try c.encode(prefix, forKey: .prefix)
        try c.encode(plannedAt, forKey: .plannedAt)
        try c.encode(hasChanges, forKey: .hasChanges)
        try c.encode(summary, forKey: .summary)
        try c.encode(teamChanges, forKey: .teamChanges)
        try c.encode(keyChanges, forKey: .keyChanges)
        try c.encode(notes, forKey: .notes)
    }

    /// Reads a plan written by this format version; `has_changes` and `summary` are derived and ignored.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .formatVersion)
        guard version == Plan.formatVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .formatVersion, in: c,
                debugDescription: "plan format_version \(version) is not supported (expected \(Plan.formatVersion))")
        }
        self.init(
            lineage: try c.decodeIfPresent(String.self, forKey: .lineage),
            serial: try c.decode(Int.self, forKey: .serial),
            manifestDigest: try c.decode(String.self, forKey: .manifestDigest),
            prefix: try c.decode(String.self, forKey: .prefix),
            plannedAt: try c.decode(Date.self, forKey: .plannedAt),
            teamChanges: try c.decode([TeamChange].self, forKey: .teamChanges),
            keyChanges: try c.decode([KeyChange].self, forKey: .keyChanges),
            notes: try c.decode([PlanNote].self, forKey: .notes))
    }
}
