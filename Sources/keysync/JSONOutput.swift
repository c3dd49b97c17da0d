import Foundation

/// `--format json` output of the commands that are not plans: sorted keys, pretty, one
/// trailing newline, so the same value always prints the same bytes.
enum JSONOutput {
    static func render(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do {
            let text = String(decoding: try encoder.encode(value), as: UTF8.self)
            // Foundation prints an empty array as `[`, a blank line, `]`; strings cannot hold a
            // raw line break, so this touches only empty arrays.
            return text.replacingOccurrences(of: #"\[\n\s*\n\s*\]"#, with: "[]", options: .regularExpression) + "\n"
        } catch {
            preconditionFailure("command output always encodes: \(error)")
        }
    }
}

/// Encodes `nil` as an explicit `null`, so every object has the same fields.
struct Nullable<Value: Encodable>: Encodable {
    var value: Value?
    init(_ value: Value?) { self.value = value }
    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}
