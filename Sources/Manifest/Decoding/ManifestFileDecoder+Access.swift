import KeysyncCore

/// `scopes` and `allowed_ips` lists (of a plan, a team or a key), each entry parsed into its
/// type and every problem reported where it is written.
extension ManifestFileDecoder {
    /// A list of scopes, sorted; `nil` when the value is not a list (already reported). An
    /// empty list is kept: it grants no scope.
    mutating func readScopes(_ v: YAMLEvent, context: String) throws(Stop) -> Located<[Scope]>? {
        guard let items = try readAccessList(v, field: "scopes") else { return nil }
        var scopes: [Located<Scope>] = []
        for item in items {
            do {
                scopes.append(Located(try Scope(parsing: item.value), at: item.location))
            } catch {
                report(.invalidScope, "\(error.message) in \(context)", hint: error.hint, at: item.location)
            }
        }
        if scopes.count > 1, let star = scopes.first(where: { $0.value == .all }) {
            report(.invalidScope, "scopes of \(context) list * together with other scopes",
                   hint: "* already grants every scope: keep * alone, or list the scopes without it", at: star.location)
        }
        for (i, scope) in scopes.enumerated() where scope.value != .all {
            if let first = scopes[..<i].first(where: { $0.value == scope.value }) {
                report(.duplicateScope, "scope \(scope.value) appears twice in \(context) (first on line \(first.location.line))",
                       hint: "remove one", at: scope.location)
            } else if let wider = scopes.first(where: { $0.value != scope.value && $0.value != .all && $0.value.grants(scope.value) }) {
                report(.duplicateScope, "scope \(scope.value) in \(context) is already granted by \(wider.value)",
                       hint: "remove \(scope.value), or list single actions instead of \(wider.value)", at: scope.location)
            }
        }
        return Located(Array(Set(scopes.map(\.value))).sorted(), at: location(v))
    }

    /// A list of addresses and ranges, sorted; `nil` when the value is not a list. An empty
    /// list is kept: it allows no address.
    mutating func readAllowedIPs(_ v: YAMLEvent, context: String) throws(Stop) -> Located<[IPAddressRange]>? {
        guard let items = try readAccessList(v, field: "allowed_ips") else { return nil }
        var ranges: [Located<IPAddressRange>] = []
        for item in items {
            do {
                ranges.append(Located(try IPAddressRange(parsing: item.value), at: item.location))
            } catch {
                report(.invalidIPRange, "allowed_ips entry \(error.message) in \(context)", hint: error.hint, at: item.location)
            }
        }
        for (i, range) in ranges.enumerated() {
            if let first = ranges[..<i].first(where: { $0.value == range.value }) {
                report(.duplicateIPRange, "\(range.value) appears twice in allowed_ips of \(context) (first on line \(first.location.line))",
                       hint: "remove one", at: range.location)
            } else if let wider = ranges.first(where: { $0.value != range.value && $0.value.covers(range.value) }) {
                report(.duplicateIPRange, "\(range.value) in allowed_ips of \(context) lies inside \(wider.value)",
                       hint: "remove \(range.value): \(wider.value) already allows it", at: range.location)
            }
        }
        return Located(Array(Set(ranges.map(\.value))).sorted(), at: location(v))
    }

    /// The list's entries as located text: a block or flow sequence of plain or quoted scalars.
    private mutating func readAccessList(_ v: YAMLEvent, field: String) throws(Stop) -> [Located<String>]? {
        guard v.kind == .sequenceStart else {
            wrongType(field, expected: "a list (write [] for an empty one)", got: v)
            try skip(v)
            return nil
        }
        var items: [Located<String>] = []
        while true {
            let item = try next()
            if item.kind == .sequenceEnd { return items }
            if let text = try readString(item, field: "a \(field) entry") { items.append(text) }
        }
    }
}
