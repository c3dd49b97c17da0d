import Foundation

/// apply's guard against a plan that revokes many keys at once (a team deleted by mistake, a
/// folder manifest missing a file): more revocations than `maximum` are refused unless the
/// limit is raised for that apply (`--max-revocations`). Revocations are counted as the plan's
/// summary counts them: rotations, whose old key leaves by replacement, do not count.
public struct RevocationLimit: Sendable, Equatable {
    /// The limit when none is given.
    public static let defaultMaximum = 10

    public var maximum: Int

    public init(maximum: Int = RevocationLimit.defaultMaximum) {
        self.maximum = maximum
    }

    /// The revocations `plan` holds.
    public static func count(in plan: Plan) -> Int { plan.summary.revoke }

    public func isExceeded(by plan: Plan) -> Bool { Self.count(in: plan) > maximum }

    /// apply's refusal (an error), or `nil` within the limit.
    public func refusal(of plan: Plan) -> Diagnostic? {
        guard isExceeded(by: plan) else { return nil }
        return .error(.revocationLimit, message(plan),
                      hint: "check the plan; if these revocations are meant, apply with --max-revocations \(Self.count(in: plan))",
                      at: nil)
    }

    /// The plan's own warning (a note about the whole plan, `team` empty), so reviewers see in
    /// the plan — a pull-request comment included — what apply will refuse.
    public func note(for plan: Plan) -> PlanNote? {
        guard isExceeded(by: plan) else { return nil }
        return PlanNote(kind: .revocationLimit, team: "", message: message(plan) + ": apply will refuse it",
                        hint: "check the revocations; if they are meant, apply with --max-revocations \(Self.count(in: plan)) (or set KEYSYNC_MAX_REVOCATIONS)")
    }

    private func message(_ plan: Plan) -> String {
        "this plan revokes \(Self.count(in: plan)) keys, more than the limit of \(maximum)"
    }
}
