/// The names a mapping of a given kind may hold, matched against raw key bytes.
struct FieldTable: Sendable {
    let names: [String]
    private let bytes: [[UInt8]]

    init(_ names: [String]) {
        self.names = names
        bytes = names.map { Array($0.utf8) }
    }

    func index(of b: UnsafeBufferPointer<UInt8>) -> Int? {
        outer: for (i, candidate) in bytes.enumerated() where candidate.count == b.count {
            for j in 0..<b.count where candidate[j] != b[j] { continue outer }
            return i
        }
        return nil
    }

    static let root = FieldTable(["version", "prefix", "plans", "defaults", "teams"])
    static let plan = FieldTable(["api_access", "max_keys"])
    static let defaults = FieldTable(["rate_limit", "expires", "expires_in", "rotate_grace"])
    static let team = FieldTable(["plan", "owner", "contacts", "recipients", "keys"])
    static let key = FieldTable([
        "name", "description", "owner", "rate_limit", "expires", "expires_in", "active",
        "renamed_from", "rotate", "rotate_grace",
    ])
}
