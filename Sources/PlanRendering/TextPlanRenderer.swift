import Reconciler
/// The plan for a terminal or a CI log, in Terraform's manner: one block per change with a
/// symbol (`+` create, `~` update/rename/(de)activate, `-/+` rotate, `-` revoke), changed fields
/// as `old → new`, then the summary line and the warnings. Colour only when the caller says so.
/// Past `detail`'s threshold, a summary instead of every block (`PlanOverview`).
public enum TextPlanRenderer {
    /// At most this many notes in a summary: a plan of 100k keys may warn about thousands.
    static let maxNotes = 50

    public static func render(_ plan: Plan, color: Bool = false, detail: PlanDetail = .full) -> String {
        let paint = Paint(enabled: color)
        let overview = PlanOverview(plan, detail: detail)
        var out = ""
        if let overview {
            summary(overview, paint: paint, into: &out)
            changeBlocks(plan, limit: PlanOverview.changesShown, paint: paint, into: &out)
            if overview.changesLeftOut > 0 {
                out += "\n...and \(CountText.grouped(overview.changesLeftOut)) more changes. \(PlanOverview.howToSeeAll)\n"
            }
            out += "\n"
        } else {
            out.reserveCapacity(300 * (plan.keyChanges.count + plan.teamChanges.count) + 200 * plan.notes.count)
            if plan.hasChanges {
                out += "keysync will perform the following actions:\n"
                changeBlocks(plan, limit: nil, paint: paint, into: &out)
                out += "\n"
            }
        }
        out += paint.bold(PlanFormatting.summaryLine(plan)) + "\n"
        let notes = PlanFormatting.orderedNotes(plan)
        if !notes.isEmpty { out += "\n" }
        let shownNotes = overview == nil ? notes.count : maxNotes
        for note in notes.prefix(shownNotes) {
            let label = note.severity == .warning ? paint.yellow("Warning:") : paint.cyan("Note:")
            out += "\(label) \(note.message)\n"
            if let hint = note.hint { out += "  \(hint)\n" }
        }
        if notes.count > shownNotes {
            out += "...and \(CountText.grouped(notes.count - shownNotes)) more warnings and notes (--full or --format json shows them all)\n"
        }
        return out
    }

    /// The head of a summarised plan: counts per action, then the teams with the most changes.
    static func summary(_ overview: PlanOverview, paint: Paint, into out: inout String) {
        out += "keysync will perform the following actions (\(CountText.grouped(overview.changeCount)) changes, summarised):\n"
        out += "\n" + paint.bold("Changes by action:") + "\n"
        let symbolWidth = overview.actionLines.reduce(0) { max($0, $1.symbol?.utf8.count ?? 0) }
        let countWidth = overview.actionLines.reduce(0) { max($0, $1.text.prefix { $0 != " " }.count) }
        for line in overview.actionLines {
            let symbol = line.symbol ?? ""
            let count = line.text.prefix { $0 != " " }
            out += "  " + (line.symbol.map(paint.symbol) ?? "") + String(repeating: " ", count: symbolWidth - symbol.utf8.count + 1)
            out += String(repeating: " ", count: countWidth - count.count) + line.text + "\n"
        }
        let shown = overview.topTeams.count
        out += "\n" + paint.bold("Teams with the most changes (\(shown) of \(CountText.grouped(overview.teamCount))):") + "\n"
        let nameWidth = overview.topTeams.reduce(0) { max($0, $1.team.count) }
        let countsWidth = overview.topTeams.reduce(0) { max($0, CountText.grouped($1.changes).count) }
        for line in overview.topTeams {
            let count = CountText.grouped(line.changes)
            out += "  " + line.team + String(repeating: " ", count: nameWidth - line.team.count + 2)
            out += String(repeating: " ", count: countsWidth - count.count) + count
            out += " (" + line.parts.joined(separator: ", ") + ")\n"
        }
        let first = min(PlanOverview.changesShown, overview.changeCount)
        out += "\n" + paint.bold("The first \(first) changes:") + "\n"
    }

    /// One block per change, grouped by team (teams sorted; a team's own change first), the
    /// first `limit` changes only when given.
    static func changeBlocks(_ plan: Plan, limit: Int?, paint: Paint, into out: inout String) {
        var left = limit ?? Int.max
        for team in PlanTeams(plan) {
            guard left > 0 else { return }
            out += "\n" + paint.bold("Team \(team.name):") + "\n"
            for change in team.teamChanges {
                guard left > 0 else { return }
                left -= 1
                block(symbol: PlanFormatting.symbol(change), headline: PlanFormatting.headline(change),
                      fields: PlanFormatting.fields(change), paint: paint, into: &out)
            }
            for change in team.keyChanges {
                guard left > 0 else { return }
                left -= 1
                block(symbol: PlanFormatting.symbol(change), headline: PlanFormatting.headline(change),
                      fields: PlanFormatting.fields(change), paint: paint, into: &out)
            }
        }
    }

    /// Appends in place, without a temporary string per line: a plan of 100k keys has 800k lines.
    static func block(symbol: String, headline: String, fields: [(String, String)], paint: Paint, into out: inout String) {
        out += "  "
        out += paint.symbol(symbol)
        out += " "
        out += headline
        out += "\n"
        // Labels and symbols are ASCII field names: bytes are characters.
        let width = fields.reduce(0) { max($0, $1.0.utf8.count) }
        let indent = 2 + symbol.utf8.count + 3
        for (label, value) in fields {
            out += spaces.prefix(indent)
            out += label
            out += ":"
            out += spaces.prefix(width - label.utf8.count + 1)
            out += value
            out += "\n"
        }
    }

    private static let spaces = String(repeating: " ", count: 64)
}

/// ANSI colours, or nothing.
struct Paint {
    var enabled: Bool

    func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func bold(_ s: String) -> String { wrap(s, "1") }
    func yellow(_ s: String) -> String { wrap(s, "33") }
    func cyan(_ s: String) -> String { wrap(s, "36") }

    func symbol(_ s: String) -> String {
        switch s {
        case "+": wrap(s, "32")
        case "-": wrap(s, "31")
        case "~": wrap(s, "33")
        case "-/+": wrap("-", "31") + "/" + wrap("+", "32")
        default: s
        }
    }
}
