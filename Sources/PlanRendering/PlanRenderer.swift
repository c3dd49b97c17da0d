import Reconciler
/// The three renderings of a plan, chosen by `--format`. Pure: a plan in, a string out.
public enum PlanFormat: String, Sendable, CaseIterable {
    case text
    case markdown
    case json
}

/// How much of a plan the text and Markdown renderings show. JSON always holds every change:
/// tools (and `apply PLANFILE`) need all of it, and nobody scrolls through it.
public enum PlanDetail: Sendable, Equatable {
    /// Every change, however many.
    case full
    /// Past this many changes (key and team changes together) a summary: counts per action and
    /// per team, the first changes, and how to see all. At or below it, every change, byte for
    /// byte as `.full` shows it.
    case summarisedPast(Int)

    /// What `plan` and `apply` show unless `--full` is given: 200 changes is a long review
    /// already, while a first apply of 100k keys would print 33 MB.
    public static let standardThreshold = 200
    public static let standard = PlanDetail.summarisedPast(standardThreshold)
}

extension Plan {
    /// The plan in `format`; `color` only affects `.text`, `detail` only text and Markdown.
    public func rendered(as format: PlanFormat, color: Bool = false, detail: PlanDetail = .full) -> String {
        switch format {
        case .text: TextPlanRenderer.render(self, color: color, detail: detail)
        case .markdown: MarkdownPlanRenderer.render(self, detail: detail)
        case .json: JSONPlanRenderer.render(self)
        }
    }
}
