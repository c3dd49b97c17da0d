/// One problem keysync reports: every error type of the libraries converts to it
/// (`DiagnosticConvertible`), so the command line prints one kind of thing.
///
/// Validation collects these instead of stopping at the first, so one run reports every
/// problem. The `code` is stable (tools and docs refer to it; `DiagnosticCode` lists them all);
/// `message` says what is wrong and `hint` what to do. Rendering (text, JSON, GitHub
/// annotations) lives in the CLI.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Comparable {
        case error
        case warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs == .error && rhs == .warning
        }
    }

    public var severity: Severity
    /// Stable, kebab-case identifier such as `rate-limit-range`.
    public var code: String
    public var message: String
    public var hint: String?
    /// Where the problem is; `nil` only for problems with no place in a file (a missing path).
    public var location: SourceLocation?

    public init(
        _ severity: Severity, code: String, message: String, hint: String? = nil,
        at location: SourceLocation?
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.hint = hint
        self.location = location
    }

    public init(
        _ severity: Severity, code: DiagnosticCode, message: String, hint: String? = nil,
        at location: SourceLocation?
    ) {
        self.init(severity, code: code.rawValue, message: message, hint: hint, at: location)
    }

    /// The registered code; `nil` only for a code missing from `DiagnosticCode` (a test
    /// keeps every code the sources use registered).
    public var registeredCode: DiagnosticCode? { DiagnosticCode(rawValue: code) }

    public static func error(
        _ code: DiagnosticCode, _ message: String, hint: String? = nil, at location: SourceLocation?
    ) -> Diagnostic {
        Diagnostic(.error, code: code.rawValue, message: message, hint: hint, at: location)
    }

    public static func warning(
        _ code: DiagnosticCode, _ message: String, hint: String? = nil, at location: SourceLocation?
    ) -> Diagnostic {
        Diagnostic(.warning, code: code.rawValue, message: message, hint: hint, at: location)
    }

    public static func error(
        _ code: String, _ message: String, hint: String? = nil, at location: SourceLocation?
    ) -> Diagnostic {
        Diagnostic(.error, code: code, message: message, hint: hint, at: location)
    }

    public static func warning(
        _ code: String, _ message: String, hint: String? = nil, at location: SourceLocation?
    ) -> Diagnostic {
        Diagnostic(.warning, code: code, message: message, hint: hint, at: location)
    }

    public var description: String {
        let place = location.map { "\($0): " } ?? ""
        return "\(place)\(severity.rawValue)[\(code)]: \(message)"
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Errors before warnings is not wanted: readers expect file order, as compilers print.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case let (l?, r?) where l != r: return l < r
            case (nil, _?): return true
            case (_?, nil): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }
}
