/// A JSON document built by hand, for formats whose member order is part of the format (the
/// schema reads top-down like the manifest it describes; a diagnostic reads severity, code,
/// message, place). `JSONWriter.write` lays it out; `Encodable` values need none of this.
public enum JSONValue: Sendable, Equatable {
    /// Members in the order they are written.
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case null

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        var left: [UInt8] = [], right: [UInt8] = []
        a.appendCompact(to: &left)
        b.appendCompact(to: &right)
        return left == right
    }

    /// The compact bytes `JSONWriter.layOut` reads.
    func appendCompact(to out: inout [UInt8]) {
        switch self {
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.appendCompact(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.appendCompact(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .string(let s): appendString(s, to: &out)
        case .integer(let n): out.append(contentsOf: String(n).utf8)
        case .boolean(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        }
    }

    private func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        JSONString.appendEscaped(s.utf8, to: &out)
        out.append(UInt8(ascii: "\""))
    }
}
