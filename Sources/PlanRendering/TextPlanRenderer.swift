import Reconciler
/// The plan for a terminal or a CI log, in Terraform's manner: one block per change with a
/// symbol (`+` create, `~` update/rename/(de)activate, `-/+` rotate, `-` revoke), changed fields
/// as `old → new`, then the summary line and the warnings. Colour only when the caller says so.
public enum TextPlanRenderer {
    public static func render(_ plan: Plan, color: Bool = false) -> String {
        let paint = Paint(enabled: color)
        var out = ""
        out.reserveCapacity(300 * (plan.keyChanges.count + plan.teamChanges.count) + 200 * plan.notes.count)
        if plan.hasChanges {
            out += "keysync will perform the following actions:\n"
            let teamChanges = Dictionary(grouping: plan.teamChanges, by: \.team)
            let keyChanges = Dictionary(grouping: plan.keyChanges, by: \.team)
            for team in Set(teamChanges.keys).union(keyChanges.keys).sorted() {
                out += "\n" + paint.bold("Team \(team):") + "\n"
                for change in teamChanges[team] ?? [] {
                    block(symbol: PlanFormatting.symbol(change), headline: PlanFormatting.headline(change),
                          fields: PlanFormatting.fields(change), paint: paint, into: &out)
                }
                for change in keyChanges[team] ?? [] {
                    block(symbol: PlanFormatting.symbol(change), headline: PlanFormatting.headline(change),
                          fields: PlanFormatting.fields(change), paint: paint, into: &out)
                }
            }
            out += "\n"
        }
        out += paint.bold(PlanFormatting.summaryLine(plan)) + "\n"
        let notes = PlanFormatting.orderedNotes(plan)
        if !notes.isEmpty { out += "\n" }
        for note in notes {
            let label = note.severity == .warning ? paint.yellow("Warning:") : paint.cyan("Note:")
            out += "\(label) \(note.message)\n"
            if let hint = note.hint { out += "  \(hint)\n" }
        }
        return out
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
