import Reconciler
import Manifest

/// The plan as a pull-request comment: warnings on top, the summary, a table per team, then
/// each key's details folded in a `<details>` block.
///
/// GitHub refuses comments over 65,535 characters, so the rendering stays under `limit`: past
/// it, the per-key details are left out, then table rows, each time saying how much was left out
/// and where to find the whole plan. Warnings are capped for the same reason.
///
/// Past `detail`'s threshold the comment is a summary from the start (`PlanOverview`): counts
/// per action, the teams with the most changes, and the first changes' rows.
public enum MarkdownPlanRenderer {
    /// Under GitHub's 65,535 with room for a CI's own header and footer.
    public static let defaultLimit = 60_000
    static let maxNotes = 50

    public static func render(_ plan: Plan, limit: Int = defaultLimit, detail: PlanDetail = .full) -> String {
        var top = "### keysync plan\n\n"
        top += notesSection(plan)
        top += "**\(PlanFormatting.summaryLine(plan))**\n"
        guard plan.hasChanges else { return top }
        if let overview = PlanOverview(plan, detail: detail) {
            return top + summary(overview, plan: plan)
        }

        let (tables, details) = teamTables(plan, withDetails: true)

        let allTables = tables.map { $0.heading + $0.rows.joined() }.joined()
        let detailsBlock = "\n" + details.joined()
        let full = top + allTables + detailsBlock
        if size(full) <= limit { return full }

        let omittedDetails = "\n_Per-key details are left out: the plan is too large for one comment. Run `keysync plan` (or `--format json`) to see all of it._\n"
        if size(top + allTables + omittedDetails) <= limit { return top + allTables + omittedDetails }

        // Even the tables are too long: keep rows while they fit, then say how many are missing.
        let totalRows = tables.reduce(0) { $0 + $1.rows.count }
        var out = top
        var used = size(top)
        var shown = 0
        let reserve = 400  // room for the closing note
        outer: for table in tables {
            if used + size(table.heading) + reserve > limit { break }
            out += table.heading
            used += size(table.heading)
            for row in table.rows {
                if used + size(row) + reserve > limit { break outer }
                out += row
                used += size(row)
                shown += 1
            }
        }
        out += "\n_\(totalRows - shown) more of \(totalRows) changes and all per-key details are left out: the plan is too large for one comment. Run `keysync plan` (or `--format json`) to see all of it._\n"
        return out
    }

    static func size(_ s: String) -> Int { s.utf16.count }

    /// A summarised plan after its summary line: counts per action, the top teams, the first
    /// changes' rows (grouped by team, as the full tables are), and how to see the rest.
    static func summary(_ overview: PlanOverview, plan: Plan) -> String {
        var out = "\n_\(CountText.grouped(overview.changeCount)) changes, summarised. \(escape(PlanOverview.howToSeeAll))_\n"
        out += "\n| | Action | Changes |\n|---|---|---:|\n"
        for line in overview.actionLines {
            let (action, count) = splitCount(line.text)
            out += "| \(line.symbol.map { "`\($0)`" } ?? "") | \(action) | \(count) |\n"
        }
        out += "\n#### Teams with the most changes (\(overview.topTeams.count) of \(CountText.grouped(overview.teamCount)))\n\n"
        out += "| Team | Changes | Actions |\n|---|---:|---|\n"
        for line in overview.topTeams {
            out += "| `\(line.team)` | \(CountText.grouped(line.changes)) | \(line.parts.joined(separator: ", ")) |\n"
        }
        let first = min(PlanOverview.changesShown, overview.changeCount)
        out += "\n#### The first \(first) changes\n"
        var left = first
        for (heading, rows) in teamTables(plan, withDetails: false).tables {
            guard left > 0 else { break }
            out += heading + rows.prefix(left).joined()
            left -= min(left, rows.count)
        }
        if overview.changesLeftOut > 0 {
            out += "\n_...and \(CountText.grouped(overview.changesLeftOut)) more changes._\n"
        }
        return out
    }

    /// `"100,000 to create"` → `("to create", "100,000")`; `"20,000 team changes"` → `("team changes", "20,000")`.
    static func splitCount(_ text: String) -> (String, String) {
        let count = text.prefix { $0 != " " }
        return (String(text.dropFirst(count.count + 1)), String(count))
    }

    /// A table per team (teams sorted; a team's own change first), and each change's folded
    /// details when asked for.
    static func teamTables(_ plan: Plan, withDetails: Bool) -> (tables: [(heading: String, rows: [String])], details: [String]) {
        var tables: [(heading: String, rows: [String])] = []
        var details: [String] = []
        for team in PlanTeams(plan) {
            var rows: [String] = []
            for change in team.teamChanges {
                rows.append(row(symbol: PlanFormatting.symbol(change), subject: "team",
                                action: change.action.rawValue, changes: teamChangesCell(change)))
                if withDetails && change.action != .remove { details.append(detail(change)) }
            }
            for change in team.keyChanges {
                rows.append(row(symbol: PlanFormatting.symbol(change), subject: keyCell(change),
                                action: change.actions.map(\.rawValue).joined(separator: ", "),
                                changes: changesCell(change)))
                if withDetails { details.append(detail(change)) }
            }
            tables.append(("\n#### Team `\(team.name)`\n\n| | Key | Action | Changes |\n|---|---|---|---|\n", rows))
        }
        return (tables, details)
    }

    static func notesSection(_ plan: Plan) -> String {
        let notes = PlanFormatting.orderedNotes(plan)
        guard !notes.isEmpty else { return "" }
        var out = ""
        for (severity, title) in [(PlanNote.Severity.warning, "WARNING"), (.note, "NOTE")] {
            let group = notes.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            out += "> [!\(title)]\n"
            for note in group.prefix(maxNotes) {
                var line = "> - \(escape(note.message))"
                if let hint = note.hint { line += " — \(escape(hint))" }
                if let location = note.location { line += " (`\(location)`)" }
                out += line + "\n"
            }
            if group.count > maxNotes { out += "> - …and \(group.count - maxNotes) more\n" }
            out += "\n"
        }
        return out
    }

    static func row(symbol: String, subject: String, action: String, changes: String) -> String {
        "| `\(symbol)` | \(subject) | \(action) | \(changes) |\n"
    }

    static func keyCell(_ change: KeyChange) -> String {
        if let old = change.previousName { return "`\(old)` → `\(change.name)`" }
        return "`\(change.name)`"
    }

    /// Field names only: values can be long, they are in the details.
    static func changesCell(_ change: KeyChange) -> String {
        switch change.primaryAction {
        case .create: return "new key"
        case .rotate:
            let grace = change.revocation?.grace.map { "old key kept \($0.text)" } ?? "old key revoked at once"
            return (change.reason == .due ? "due; " : "") + "new key; \(grace)"
        case .revoke: return change.revocation.map { escape(PlanFormatting.reasonText($0.reason)) } ?? ""
        case .update, .rename, .deactivate, .activate: return change.changes.map(\.field).joined(separator: ", ")
        }
    }

    static func teamChangesCell(_ change: TeamChange) -> String {
        switch change.action {
        case .add: "new team"
        case .update: change.changedFields.joined(separator: ", ")
        case .remove: "removed from the manifest"
        }
    }

    static func detail(_ change: TeamChange) -> String {
        detail(symbol: PlanFormatting.symbol(change), headline: PlanFormatting.headline(change),
               fields: PlanFormatting.fields(change), location: change.location,
               summary: "team \(html(change.team)): \(change.action == .add ? "added" : "updated")")
    }

    static func detail(_ change: KeyChange) -> String {
        detail(symbol: PlanFormatting.symbol(change), headline: PlanFormatting.headline(change),
               fields: PlanFormatting.fields(change), location: change.location,
               summary: "\(html(PlanFormatting.keyTitle(change))): \(PlanFormatting.verbs(change))")
    }

    static func detail(symbol: String, headline: String, fields: [(String, String)], location: SourceLocation?, summary: String) -> String {
        var body = "\(symbol) \(headline)\n"
        let width = fields.map(\.0.count).max() ?? 0
        for (label, value) in fields {
            body += "    " + label + ":" + String(repeating: " ", count: width - label.count + 1) + value + "\n"
        }
        if let location { body += "    # \(location)\n" }
        let fence = String(repeating: "`", count: max(3, longestBacktickRun(body) + 1))
        return "<details><summary><code>\(symbol)</code> \(summary)</summary>\n\n\(fence)text\n\(body)\(fence)\n\n</details>\n"
    }

    static func longestBacktickRun(_ s: String) -> Int {
        var best = 0, run = 0
        for c in s { if c == "`" { run += 1; best = max(best, run) } else { run = 0 } }
        return best
    }

    /// For table cells and quotes: no table breaks, no HTML from manifest values.
    static func escape(_ s: String) -> String {
        html(s).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func html(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
