/// One permission a key grants, as keys.yaml writes it: `resource:action` (`projects:read`),
/// `resource:*` (every action on one resource) or `*` (everything). Parsed once, so a value of
/// this type always has one of those shapes and its canonical spelling.
///
/// Each part is 1 to 63 lowercase ASCII letters, digits, `-`, `_` or `.`, starting with a
/// letter or digit: the same alphabet as key names, so scopes read the same in YAML, headers
/// and logs and need no quoting anywhere.
public struct Scope: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The canonical spelling, e.g. `projects:read`.
    public let rawValue: String
    /// The part before the colon; `nil` for `*`.
    public let resource: Substring?
    /// The part after the colon (`*` for a resource wildcard); `nil` for `*`.
    public let action: Substring?

    /// `*`: grants every scope.
    public static let all = Scope(unchecked: "*")

    private init(unchecked text: String) {
        rawValue = text
        if let colon = text.firstIndex(of: ":") {
            resource = text[..<colon]
            action = text[text.index(after: colon)...]
        } else {
            resource = nil
            action = nil
        }
    }

    /// Why a spelling is not a scope: one lower-case sentence, and what to write instead.
    public struct Problem: Error, Sendable, Equatable {
        public var message: String
        public var hint: String
    }

    /// The rule as people read it, for hints and documentation.
    public static let rule = "`resource:action`, `resource:*` or `*`; each part 1 to 63 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit"

    /// Parses a scope a key may grant (wildcards allowed).
    public init(parsing text: String) throws(Problem) {
        try self.init(parsing: text, allowingWildcards: true)
    }

    /// Parses the scope a request requires: always a concrete `resource:action`.
    public init(requiring text: String) throws(Problem) {
        try self.init(parsing: text, allowingWildcards: false)
    }

    private init(parsing text: String, allowingWildcards: Bool) throws(Problem) {
        if text == "*" {
            guard allowingWildcards else {
                throw Problem(message: "a required scope must name one resource and action, not \"*\"",
                              hint: "write the scope the route needs, e.g. projects:read")
            }
            self = .all
            return
        }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw Problem(message: "scope \"\(Self.shown(text))\" is not resource:action",
                          hint: "write \(Self.rule), e.g. projects:read")
        }
        guard Self.isPart(parts[0]) else {
            throw Problem(message: "scope \"\(Self.shown(text))\" has an invalid resource \"\(Self.shown(String(parts[0])))\"",
                          hint: Self.caseHint(text) ?? "write \(Self.rule)")
        }
        if parts[1] == "*" {
            guard allowingWildcards else {
                throw Problem(message: "a required scope must name one action, not \"*\"",
                              hint: "write the scope the route needs, e.g. \(parts[0]):read")
            }
        } else if !Self.isPart(parts[1]) {
            throw Problem(message: "scope \"\(Self.shown(text))\" has an invalid action \"\(Self.shown(String(parts[1])))\"",
                          hint: Self.caseHint(text) ?? "write \(Self.rule)")
        }
        self.init(unchecked: text)
    }

    /// Whether a key granting this scope may make a request that requires `required`
    /// (a concrete `resource:action`): equal, `*`, or `resource:*` of the same resource.
    public func grants(_ required: Scope) -> Bool {
        guard let resource else { return true }
        guard resource == required.resource else { return false }
        return action == "*" || action == required.action
    }

    public var description: String { rawValue }

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }

    public static func == (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue == rhs.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    private static func isPart(_ part: Substring) -> Bool {
        let bytes = part.utf8
        guard (1...63).contains(bytes.count), let first = bytes.first, isLetterOrDigit(first) else { return false }
        return bytes.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    private static func isLetterOrDigit(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }

    /// "write it in lower case" when that alone would make it valid.
    private static func caseHint(_ text: String) -> String? {
        let lower = text.lowercased()
        guard lower != text, (try? Scope(parsing: lower)) != nil else { return nil }
        return "scopes are lower case: write \(lower)"
    }

    /// At most 80 characters of `text`, for messages.
    private static func shown(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}

extension Scope: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
