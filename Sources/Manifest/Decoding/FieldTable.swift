/// The fields a mapping of one kind may hold, matched against raw key bytes without making a
/// `String` for every key read.
struct FieldTable<Field: ManifestField>: Sendable {
    /// The YAML names, for hints and suggestions.
    let names: [String]
    private let entries: [(field: Field, bytes: [UInt8])]

    init() {
        entries = Field.allCases.map { ($0, Array($0.rawValue.utf8)) }
        names = entries.map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    /// The field spelled exactly `b`, or `nil`.
    func field(spelled b: UnsafeBufferPointer<UInt8>) -> Field? {
        outer: for entry in entries where entry.bytes.count == b.count {
            for j in 0..<b.count where entry.bytes[j] != b[j] { continue outer }
            return entry.field
        }
        return nil
    }

    /// The field's bit in a `FieldSet`: private to the set, so no caller depends on the order.
    fileprivate func bit(of field: Field) -> UInt32 {
        var i: UInt32 = 0
        for entry in entries {
            if entry.field == field { return 1 << i }
            i += 1
        }
        preconditionFailure("every field is in its table")
    }
}

/// The fields seen so far in one mapping: a bit set, because a key mapping is read for every
/// one of a manifest's keys and a `Set` would allocate each time.
struct FieldSet<Field: ManifestField> {
    private var bits: UInt32 = 0

    init() {}

    func contains(_ field: Field) -> Bool { bits & Field.table.bit(of: field) != 0 }

    /// Adds `field`; `false` when it was already there.
    mutating func insert(_ field: Field) -> Bool {
        let bit = Field.table.bit(of: field)
        defer { bits |= bit }
        return bits & bit == 0
    }
}
