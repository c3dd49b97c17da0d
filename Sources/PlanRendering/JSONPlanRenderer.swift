import Reconciler
/// The plan for tools: the documented, versioned JSON form (`"format_version": 1`, see the
/// docs/plan.md). The same bytes `plan --out` saves, so what tools read is what apply executes.
public enum JSONPlanRenderer {
    public static func render(_ plan: Plan) -> String {
        String(decoding: SavedPlan.encode(plan), as: UTF8.self)
    }
}
