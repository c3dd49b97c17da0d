import Foundation

/// One key a scheduled job should warn about: it expires within the window, or already has,
/// with the people to tell (from the state's team record, so no manifest is needed).
public struct ExpiryNotice: Sendable, Hashable {
    public var key: KeyRecord
    public var expiresAt: Date
    public var isExpired: Bool
    /// The key's owner, or its team's owner when the key names none.
    public var owner: String?
    public var contacts: [String]

    /// Keys that expire at or before `now + window`, soonest first (then team, name, id).
    /// Left out: tombstones, and keys already replaced by a rotation (`revoke_after` set), whose
    /// successor is the one that matters.
    public static func notices(in state: StateFile, now: Date, within window: TimeInterval) -> [ExpiryNotice] {
        var teams: [String: TeamRecord] = [:]
        for team in state.teams { teams[team.name] = team }
        let horizon = now.addingTimeInterval(window)
        return state.keys.compactMap { record -> ExpiryNotice? in
            guard record.isCurrent, let expiresAt = record.expiresAt, expiresAt <= horizon else { return nil }
            let team = teams[record.team]
            return ExpiryNotice(key: record, expiresAt: expiresAt, isExpired: record.isExpired(at: now),
                                owner: record.owner ?? team?.owner, contacts: team?.contacts ?? [])
        }
        .sorted { ($0.expiresAt, $0.key.team, $0.key.name, $0.key.id) < ($1.expiresAt, $1.key.team, $1.key.name, $1.key.id) }
    }
}
