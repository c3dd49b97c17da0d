/// A JSON value whose object members keep the order they were written in, so the generated
/// schema reads top-down like the manifest format and its text is byte-for-byte stable.
enum SchemaJSON: Sendable, Equatable {
    case object([(String, SchemaJSON)])
    case array([SchemaJSON])
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case null

    static func == (a: SchemaJSON, b: SchemaJSON) -> Bool { a.text() == b.text() }

    /// Pretty-printed with two-space indents; arrays of scalars stay on one line.
    func text(indent: String = "") -> String {
        switch self {
        case .object(let members):
            if members.isEmpty { return "{}" }
            let inner = indent + "  "
            let lines = members.map { "\(inner)\(JSONString.quoted($0.0)): \($0.1.text(indent: inner))" }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(indent)}"
        case .array(let items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy(\.isScalar) {
                return "[" + items.map { $0.text() }.joined(separator: ", ") + "]"
            }
            let inner = indent + "  "
            return "[\n" + items.map { inner + $0.text(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .string(let s): return JSONString.quoted(s)
        case .integer(let n): return String(n)
        case .boolean(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .object, .array: return false
        default: return true
        }
    }

}
