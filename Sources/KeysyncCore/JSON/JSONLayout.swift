/// How `JSONWriter` lays a document out. Every layout writes the same values with the same string
/// escaping (`JSONString`) and keys in the order the value gives them (sorted, for `Encodable`
/// values); only the whitespace differs.
public struct JSONLayout: Sendable, Hashable {
    /// One member per line, indented two spaces per level, a line break at the end; `false`
    /// writes the whole document on one line with no spaces and no line break.
    var multiline: Bool
    /// What follows a key on a multi-line part.
    var colon: [UInt8]
    /// Objects and arrays opened at this depth (the document itself is depth 0) or deeper are
    /// written on one line, as `{"a": 1, "b": 2}`.
    var inlineFromDepth: Int
    /// Arrays of scalars only are written on one line, as `["a", "b"]`.
    var inlineScalarArrays: Bool

    /// The canonical layout: state files, saved plans and the plan JSON. `"key": value`, nothing
    /// on one line. Committed states and saved plans pin its bytes.
    public static let canonical = JSONLayout(
        multiline: true, colon: Array(": ".utf8), inlineFromDepth: .max, inlineScalarArrays: false)

    /// One line, no spaces, no trailing line break: audit log lines (their hashes chain the log),
    /// the lock file's holder, HTTP response bodies.
    public static let compact = JSONLayout(
        multiline: false, colon: Array(":".utf8), inlineFromDepth: .max, inlineScalarArrays: false)

    /// `--format json` of the commands other than `plan`: the canonical layout with
    /// `"key" : value`, as it has been printed since the first release (tools and the committed
    /// expected outputs read it so).
    public static let commandOutput = JSONLayout(
        multiline: true, colon: Array(" : ".utf8), inlineFromDepth: .max, inlineScalarArrays: false)

    /// The manifest's JSON Schema: canonical, with lists of names on one line so it reads like
    /// the format it describes.
    public static let schema = JSONLayout(
        multiline: true, colon: Array(": ".utf8), inlineFromDepth: .max, inlineScalarArrays: true)

    /// The notices ledger (`keysync notify`): canonical, with each delivery (an object inside the
    /// top-level object's list) on one line, so a run's commit adds one line per notice sent.
    public static let ledger = JSONLayout(
        multiline: true, colon: Array(": ".utf8), inlineFromDepth: 2, inlineScalarArrays: false)

    /// `validate --format json`: canonical, with each diagnostic (an object inside the top-level
    /// object's list) on one line, so a tool or a person can grep one problem.
    public static let diagnosticList = JSONLayout(
        multiline: true, colon: Array(": ".utf8), inlineFromDepth: 2, inlineScalarArrays: false)
}
