import PlanRendering
import Reconciler

/// The short line `apply` prints after the plan: what was done and which sealed file goes to
/// which team. Names files and counts, never key material. Past `PlanDetail.standardThreshold`
/// sealed files (a first apply of 100k keys writes 20,000) it counts them instead of naming
/// each, as the plan above it is summarised, unless `full`.
enum ApplyResultText {
    static func summary(of prepared: PreparedApply, plan: Plan, layout: ApplyLayout, full: Bool = false) -> String {
        guard prepared.hasChanges else { return "Apply complete: no changes; nothing was written." }
        let words: [(KeyAction, String)] = [
            (.create, "created"), (.update, "updated"), (.rename, "renamed"), (.deactivate, "deactivated"),
            (.activate, "activated"), (.rotate, "rotated"), (.revoke, "revoked"),
        ]
        var parts = words.compactMap { action, word in
            prepared.actionCounts[action].map { "\($0) \(word)" }
        }
        if !plan.teamChanges.isEmpty {
            let count = plan.teamChanges.count
            parts.append("\(count) team record\(count == 1 ? "" : "s") changed")
        }
        var text = "Apply complete: \(parts.joined(separator: ", ")). State serial \(prepared.state.serial)."
        if !full && prepared.sealedFiles.count > PlanDetail.standardThreshold {
            text += " Sealed files: \(CountText.grouped(prepared.sealedFiles.count)) in \(layout.sealedDirectory), one per team"
            text += " (\(layout.sealedPath(prepared.sealedFiles[0].name)) for team \(prepared.sealedFiles[0].team), and so on; --full lists them)."
        } else if !prepared.sealedFiles.isEmpty {
            let files = prepared.sealedFiles.map { "\(layout.sealedPath($0.name)) (give it to team \($0.team))" }
            text += " Sealed files: \(files.joined(separator: ", "))"
        }
        return text
    }
}
