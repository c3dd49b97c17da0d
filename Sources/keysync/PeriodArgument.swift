import ArgumentParser
import Manifest
import Reconciler

/// Periods on the command line (`--warn-within 7d`, `--within 14d`) are parsed by
/// argument-parser into the manifest's `Period`, so a bad value is a usage error (exit 64)
/// before any command runs, and no command parses the text again.
extension Period: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(parsing: argument)
    }

    /// `--lock-timeout`'s and every period option's default.
    static let week = Period(seconds: 604_800, text: "7d")
}

/// `--lock-timeout`: `0` (fail at once) or a period.
struct LockTimeout: ExpressibleByArgument, CustomStringConvertible {
    var duration: Duration
    var description: String

    init?(argument: String) {
        if argument == "0" {
            self.init(duration: .zero, description: "0")
        } else if let period = Period(parsing: argument) {
            self.init(duration: .seconds(period.seconds), description: argument)
        } else {
            return nil
        }
    }

    init(duration: Duration, description: String) {
        self.duration = duration
        self.description = description
    }

    static let none = LockTimeout(duration: .zero, description: "0")
}

/// What `plan` and `apply` both take to plan: the manifest's warnings window, and the most
/// revocations one apply carries out (plan warns past it, so reviewers see what apply refuses).
struct PlanningOptions: ParsableArguments {
    @Option(name: .customLong("warn-within"),
            help: ArgumentHelp("Warn about keys expiring within this period, e.g. 7d, 48h, 2w.", valueName: "warn-within"))
    var warnWithin: Period = .week

    @Option(name: .customLong("max-revocations"),
            help: ArgumentHelp("Refuse to apply (plan: warn about) a plan revoking more than N keys (default: $\(Self.maxRevocationsVariable), else \(RevocationLimit.defaultMaximum)).",
                               valueName: "N"))
    var maxRevocations: Int?

    static let maxRevocationsVariable = "KEYSYNC_MAX_REVOCATIONS"

    func validate() throws {
        if let maxRevocations, maxRevocations < 0 { throw ValidationError("--max-revocations must be 0 or more") }
    }

    /// `--max-revocations`, else `KEYSYNC_MAX_REVOCATIONS`, else the default of 10.
    func revocationLimit(environment: [String: String]) throws(Diagnostic) -> RevocationLimit {
        if let maxRevocations { return RevocationLimit(maximum: maxRevocations) }
        guard let text = environment[Self.maxRevocationsVariable], !text.isEmpty else { return RevocationLimit() }
        guard let n = Int(text), n >= 0 else {
            throw .error(.revocationLimit, "\(Self.maxRevocationsVariable) must be a whole number of 0 or more",
                         hint: "unset it, or set it to the most revocations one apply may carry out", at: nil)
        }
        return RevocationLimit(maximum: n)
    }
}
