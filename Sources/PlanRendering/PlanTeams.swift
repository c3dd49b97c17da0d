import Reconciler

/// A plan's changes team by team (teams sorted, each team's own change before its keys'), as
/// slices of the plan's own arrays.
///
/// Why not `Dictionary(grouping:)`: at 100k keys grouping copied every change (a dozen
/// reference-counted fields each) into a dictionary of arrays, although a summarised plan
/// prints 50 of them. `Plan` keeps both arrays sorted by team, so the teams are runs, walked
/// with two cursors.
struct PlanTeams: Sequence, IteratorProtocol {
    struct Team {
        var name: String
        var teamChanges: ArraySlice<TeamChange>
        var keyChanges: ArraySlice<KeyChange>
    }

    private let teamChanges: [TeamChange]
    private let keyChanges: [KeyChange]
    private var nextTeamChange = 0
    private var nextKeyChange = 0

    init(_ plan: Plan) {
        teamChanges = plan.teamChanges
        keyChanges = plan.keyChanges
    }

    mutating func next() -> Team? {
        let teamName = nextTeamChange < teamChanges.count ? teamChanges[nextTeamChange].team : nil
        let keyTeamName = nextKeyChange < keyChanges.count ? keyChanges[nextKeyChange].team : nil
        let name: String
        switch (teamName, keyTeamName) {
        case (nil, nil): return nil
        case (let team?, nil): name = team
        case (nil, let team?): name = team
        case (let a?, let b?): name = Swift.min(a, b)
        }
        let teams = run(of: name, in: teamChanges, from: &nextTeamChange, team: \.team)
        let keys = run(of: name, in: keyChanges, from: &nextKeyChange, team: \.team)
        return Team(name: name, teamChanges: teams, keyChanges: keys)
    }

    private func run<Change>(of name: String, in changes: [Change], from start: inout Int,
                             team: KeyPath<Change, String>) -> ArraySlice<Change> {
        var end = start
        while end < changes.count && changes[end][keyPath: team] == name { end += 1 }
        defer { start = end }
        return changes[start..<end]
    }
}
