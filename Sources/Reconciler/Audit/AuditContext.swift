import Foundation

/// Who is applying, and from which commit: resolved once per apply and stamped on every event.
///
/// Resolution is a pure function of its inputs (an environment dictionary, an explicit actor,
/// and a closure for the one thing that needs a process, `git rev-parse HEAD`), so every case
/// is testable without touching the real environment.
public struct AuditContext: Equatable, Sendable {
    public var actor: String
    public var commit: String?

    public init(actor: String, commit: String?) {
        self.actor = actor
        self.commit = commit
    }

    /// The actor when nothing names one.
    public static let unknownActor = "unknown"

    /// - actor: `explicit` (`--actor`), else `GITHUB_ACTOR`, else `GITLAB_USER_LOGIN`, else the
    ///   user name (`USER`, then `LOGNAME`), else `unknown`;
    /// - commit: `GITHUB_SHA`, else `CI_COMMIT_SHA`, else `gitHead()` (called only then; it
    ///   returns `nil` outside a git work tree), else `nil`.
    ///
    /// Blank values count as absent and surrounding whitespace is trimmed: CI systems set some
    /// of these variables to empty strings.
    public static func resolve(
        actor explicit: String?, environment: [String: String], gitHead: () -> String?
    ) -> AuditContext {
        let actor = [explicit, environment["GITHUB_ACTOR"], environment["GITLAB_USER_LOGIN"],
                     environment["USER"], environment["LOGNAME"]]
            .lazy.compactMap(nonBlank).first ?? unknownActor
        let commit = nonBlank(environment["GITHUB_SHA"])
            ?? nonBlank(environment["CI_COMMIT_SHA"])
            ?? nonBlank(gitHead())
        return AuditContext(actor: actor, commit: commit)
    }

    private static func nonBlank(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }
}
