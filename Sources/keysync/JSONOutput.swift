import Foundation
import KeysyncCore

/// `--format json` output of the commands that are not plans: the one JSON writer in its
/// `commandOutput` layout (sorted keys, pretty, one trailing newline), so the same value always
/// prints the same bytes.
enum JSONOutput {
    static func render(_ value: some Encodable) -> String {
        do {
            return try JSONWriter.text(value, layout: .commandOutput)
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
