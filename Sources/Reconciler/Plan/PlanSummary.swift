/// How many of each action a plan holds: a key that is renamed and updated counts once in
/// each. Drives the summary line and the detailed exit code.
public struct PlanSummary: Sendable, Hashable, Codable {
    public var create = 0
    public var update = 0
    public var rename = 0
    public var deactivate = 0
    public var activate = 0
    public var rotate = 0
    public var revoke = 0
    /// Team records added, changed or removed.
    public var teamChanges = 0

    public init(_ plan: Plan) {
        for change in plan.keyChanges {
            for action in change.actions {
                switch action {
                case .create: create += 1
                case .update: update += 1
                case .rename: rename += 1
                case .deactivate: deactivate += 1
                case .activate: activate += 1
                case .rotate: rotate += 1
                case .revoke: revoke += 1
                }
            }
        }
        teamChanges = plan.teamChanges.count
    }

    public func count(of action: KeyAction) -> Int {
        switch action {
        case .create: create
        case .update: update
        case .rename: rename
        case .deactivate: deactivate
        case .activate: activate
        case .rotate: rotate
        case .revoke: revoke
        }
    }

    enum CodingKeys: String, CodingKey {
        case create, update, rename, deactivate, activate, rotate, revoke, teamChanges = "team_changes"
    }
}
