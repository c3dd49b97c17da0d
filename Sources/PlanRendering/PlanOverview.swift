import Reconciler

/// What a large plan's text and Markdown show instead of every change: counts per action, the
/// teams with the most changes, and the first changes. A first apply of 100k keys printed 33 MB
/// of plan into the CI log; its summary is a screenful, and `--full`, `--format json` and
/// `plan --out` still hold every change.
///
/// Past `PlanDetail.standardThreshold` changes (key changes and team changes together) a plan
/// is summarised; at or below it, it is shown whole, byte for byte as before.
struct PlanOverview {
    static let teamsShown = 10
    static let changesShown = 50

    /// One team's line: how many changes, and of which actions.
    struct TeamLine {
        var team: String
        var changes: Int
        var parts: [String]
    }

    let changeCount: Int
    /// `(symbol, "100,000 to create")`, for the actions present, in `KeyAction` order; team
    /// changes last without a symbol.
    let actionLines: [(symbol: String?, text: String)]
    /// The teams ranked by their number of changes (most first, then by name), `teamsShown` of
    /// them at most.
    let topTeams: [TeamLine]
    let teamCount: Int

    /// The overview when `detail` asks for one and the plan is past its threshold, else `nil`.
    init?(_ plan: Plan, detail: PlanDetail) {
        changeCount = plan.keyChanges.count + plan.teamChanges.count
        guard case .summarisedPast(let threshold) = detail, changeCount > threshold else { return nil }
        let summary = plan.summary
        var lines: [(symbol: String?, text: String)] = []
        for action in KeyAction.allCases where summary.count(of: action) > 0 {
            lines.append((symbol: PlanFormatting.symbol(action),
                          text: "\(CountText.grouped(summary.count(of: action))) to \(action.rawValue)"))
        }
        if summary.teamChanges > 0 {
            lines.append((symbol: nil, text: PlanFormatting.teamChangesText(summary.teamChanges, grouped: true)))
        }
        actionLines = lines

        var actions: [String: [KeyAction: Int]] = [:]
        var changes: [String: Int] = [:]
        var teamChanges: [String: Int] = [:]
        for change in plan.keyChanges {
            changes[change.team, default: 0] += 1
            for action in change.actions { actions[change.team, default: [:]][action, default: 0] += 1 }
        }
        for change in plan.teamChanges {
            changes[change.team, default: 0] += 1
            teamChanges[change.team, default: 0] += 1
        }
        teamCount = changes.count
        let ranked = changes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        topTeams = ranked.prefix(Self.teamsShown).map { entry in
            let (team, count) = (entry.key, entry.value)
            var parts = KeyAction.allCases.compactMap { action -> String? in
                let n = actions[team]?[action] ?? 0
                return n > 0 ? "\(CountText.grouped(n)) to \(action.rawValue)" : nil
            }
            if let n = teamChanges[team] { parts.append(PlanFormatting.teamChangesText(n, grouped: true)) }
            return TeamLine(team: team, changes: count, parts: parts)
        }
    }

    /// Changes left out after the first `changesShown`.
    var changesLeftOut: Int { max(0, changeCount - Self.changesShown) }

    /// Where the rest is, in the words both renderings use.
    static let howToSeeAll = "Run with --full to see every change; --format json and `keysync plan --out FILE` always hold the whole plan."
}
