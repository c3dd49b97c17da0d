import Manifest

/// `protect: true`, as the planner enforces it: like Terraform's `prevent_destroy`, a plan that
/// would revoke a key (or remove a team) the *state* records as protected is an error. The
/// state's flag, not the manifest's, decides — so deleting a key together with its `protect`
/// line is still refused; the flag must leave in an earlier applied change.
extension PlannerRun {
    mutating func refuseRevocation(of record: KeyRecord, reason: Revocation.Reason) {
        diagnostics.append(.error(
            .keyProtected,
            "key \(record.team)/\(record.name) (\(record.id.rawValue)) is protected, but this plan would revoke it: \(Protection.why(reason))",
            hint: "keep the key; or first remove `protect: true` from it in a change of its own and apply that, then revoke it",
            at: nil))
    }

    mutating func refuseTeamRemoval(_ record: TeamRecord) {
        let live = state.keys.filter { $0.team == record.name && $0.status.isLive }.count
        let keys = live == 1 ? "its 1 live key" : "its \(live) live keys"
        diagnostics.append(.error(
            .teamProtected,
            "team \(record.name) is protected, but this plan would remove it and revoke \(keys)",
            hint: "keep the team; or first remove `protect: true` from it in a change of its own and apply that, then remove it",
            at: nil))
    }
}

enum Protection {
    static func why(_ reason: Revocation.Reason) -> String {
        switch reason {
        case .removedFromManifest: "its entry is gone from the manifest"
        case .teamRemoved: "its team is gone from the manifest"
        case .rotated, .rotationGraceEnded: "it was rotated"
        }
    }
}
