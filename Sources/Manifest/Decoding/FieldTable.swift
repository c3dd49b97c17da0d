/// The names a mapping of a given kind may hold, matched against raw key bytes. Built from
/// `ManifestFields`, whose order is the field index the decoder switches on.
struct FieldTable: Sendable {
    let names: [String]
    private let bytes: [[UInt8]]

    init(_ group: FieldGroup) {
        self.names = group.names
        bytes = names.map { Array($0.utf8) }
    }

    func index(of b: UnsafeBufferPointer<UInt8>) -> Int? {
        outer: for (i, candidate) in bytes.enumerated() where candidate.count == b.count {
            for j in 0..<b.count where candidate[j] != b[j] { continue outer }
            return i
        }
        return nil
    }

    static let root = FieldTable(ManifestFields.root)
    static let plan = FieldTable(ManifestFields.plan)
    static let defaults = FieldTable(ManifestFields.defaults)
    static let team = FieldTable(ManifestFields.team)
    static let key = FieldTable(ManifestFields.key)
}
