import Foundation

/// One key whose scheduled rotation (`rotate_every`, recorded as `rotate_due_at`) comes due
/// within the window, or already has: the next scheduled apply replaces it. Beside
/// `ExpiryNotice`, and read from the state alone the same way.
public struct RotationNotice: Sendable, Hashable {
    public var key: KeyRecord
    public var dueAt: Date
    /// Due already: the next plan rotates it.
    public var isDue: Bool
    /// The key's owner, or its team's owner when the key names none.
    public var owner: String?
    public var contacts: [String]

    /// Current, active keys due at or before `now + window`, soonest first (then team, name,
    /// id). An inactive key is left out: the plan rotates it only once it is active again.
    public static func notices(in state: StateFile, now: Date, within window: TimeInterval) -> [RotationNotice] {
        var teams: [String: TeamRecord] = [:]
        for team in state.teams { teams[team.name] = team }
        let horizon = now.addingTimeInterval(window)
        return state.keys.compactMap { record -> RotationNotice? in
            guard record.isCurrent, record.status == .active, let dueAt = record.rotateDueAt, dueAt <= horizon
            else { return nil }
            let team = teams[record.team]
            return RotationNotice(key: record, dueAt: dueAt, isDue: dueAt <= now,
                                  owner: record.owner ?? team?.owner, contacts: team?.contacts ?? [])
        }
        .sorted { ($0.dueAt, $0.key.team, $0.key.name, $0.key.id) < ($1.dueAt, $1.key.team, $1.key.name, $1.key.id) }
    }
}
