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

        // Teams are runs of the plan's sorted arrays: count each, rank, and word only the top.
        let teams = Array(PlanTeams(plan))
        teamCount = teams.count
        let ranked = teams.sorted { a, b in
            let (countA, countB) = (a.teamChanges.count + a.keyChanges.count, b.teamChanges.count + b.keyChanges.count)
            return countA != countB ? countA > countB : a.name < b.name
        }
        topTeams = ranked.prefix(Self.teamsShown).map { team in
            var actions: [KeyAction: Int] = [:]
            for change in team.keyChanges {
                for action in change.actions { actions[action, default: 0] += 1 }
            }
            var parts = KeyAction.allCases.compactMap { action -> String? in
                let n = actions[action] ?? 0
                return n > 0 ? "\(CountText.grouped(n)) to \(action.rawValue)" : nil
            }
            if !team.teamChanges.isEmpty { parts.append(PlanFormatting.teamChangesText(team.teamChanges.count, grouped: true)) }
            return TeamLine(team: team.name, changes: team.teamChanges.count + team.keyChanges.count, parts: parts)
        }
    }

    /// Changes left out after the first `changesShown`.
    var changesLeftOut: Int { max(0, changeCount - Self.changesShown) }

    /// Where the rest is, in the words both renderings use.
    static let howToSeeAll = "Run with --full to see every change; --format json and `keysync plan --out FILE` always hold the whole plan."
}
