import Reconciler
/// The three renderings of a plan, chosen by `--format`. Pure: a plan in, a string out.
public enum PlanFormat: String, Sendable, CaseIterable {
    case text
    case markdown
    case json
}

extension Plan {
    /// The plan in `format`; `color` only affects `.text`.
    public func rendered(as format: PlanFormat, color: Bool = false) -> String {
        switch format {
        case .text: TextPlanRenderer.render(self, color: color)
        case .markdown: MarkdownPlanRenderer.render(self)
        case .json: JSONPlanRenderer.render(self)
        }
    }
}
