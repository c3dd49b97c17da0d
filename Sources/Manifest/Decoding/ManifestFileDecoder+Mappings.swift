/// Mapping keys: the fixed fields of a settings, team or key mapping (by their field enums),
/// and the names of the `plans:` and `teams:` tables.
extension ManifestFileDecoder {
    /// The next field of a fixed-schema mapping, or `nil` at its end. Unknown fields,
    /// duplicate fields and non-scalar keys are reported and their values skipped here.
    mutating func nextField<Field: ManifestField>(
        seen: inout FieldSet<Field>, context: @autoclosure () -> String
    ) throws(Stop) -> (Field, YAMLEvent)? {
        let table = Field.table
        while true {
            let key = try next()
            switch key.kind {
            case .mappingEnd:
                return nil
            case .scalar:
                if let field = table.field(spelled: key.bytes) {
                    guard seen.insert(field) else {
                        report(.duplicateKey, "field \(field.rawValue) appears twice in \(context())",
                               hint: "remove one; YAML would silently keep only the last", at: location(key))
                        try skip(try next())
                        continue
                    }
                    return (field, key)
                }
                let name = String(decoding: key.bytes, as: UTF8.self)
                let keyLocation = location(key)
                var hint = "known fields here: \(table.names.joined(separator: ", "))"
                var message = "unknown field \(name) in \(context())"
                if let near = Suggestion.nearest(to: name, in: table.names) {
                    message += "; did you mean \(near)?"
                    hint = "rename it to \(near)"
                }
                report(.unknownField, message, hint: hint, at: keyLocation)
                try skip(try next())
            default:
                try nonScalarKey(key, context: context())
            }
        }
    }

    /// The next entry of a mapping keyed by names (`kind` is "plan" or "team"), or `nil` at its
    /// end: a name seen before is reported as a duplicate and its value skipped; a name that
    /// breaks the naming rule is reported and still decoded, so its contents are checked too.
    mutating func nextNamedEntry(
        of kind: String, in context: String, names: inout [String: SourceLocation]
    ) throws(Stop) -> (String, SourceLocation, YAMLEvent)? {
        while let (name, nameEvent) = try nextDynamicKey(context: context) {
            let nameLocation = location(nameEvent)
            let value = try next()
            if let first = names[name] {
                duplicateKey("\(kind) \(name)", first: first, at: nameLocation)
                try skip(value)
                continue
            }
            names[name] = nameLocation
            if !ScalarSyntax.isValidName(name) {
                invalidName("\(kind) name", name, at: nameLocation)
            }
            return (name, nameLocation, value)
        }
        return nil
    }

    /// The next key of a mapping whose keys are names (teams, plans), or `nil` at its end.
    mutating func nextDynamicKey(context: String) throws(Stop) -> (String, YAMLEvent)? {
        while true {
            let key = try next()
            switch key.kind {
            case .mappingEnd:
                return nil
            case .scalar:
                return (String(decoding: key.bytes, as: UTF8.self), key)
            default:
                try nonScalarKey(key, context: context)
            }
        }
    }

    mutating func nonScalarKey(_ key: YAMLEvent, context: String) throws(Stop) {
        if key.kind != .alias {
            report(.wrongType, "a name in \(context) must be plain text, not \(describe(key))",
                   hint: "write `name: value`", at: location(key))
        }
        try skip(key)
        try skip(try next())
    }
}
