/// Locations and the wording of the decoder's diagnostics.
extension ManifestFileDecoder {
    func location(_ event: YAMLEvent) -> SourceLocation {
        SourceLocation(file: path, line: event.line, column: event.column)
    }

    func location(_ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }

    mutating func report(
        _ code: ManifestDiagnosticCode, _ message: String, hint: String?, at location: SourceLocation
    ) {
        diagnostics.append(.error(code, message, hint: hint, at: location))
    }

    mutating func wrongType(_ what: String, expected: String, got v: YAMLEvent) {
        if v.kind == .alias { return }  // already reported as alias-not-allowed
        var hint = "write \(expected)"
        if v.kind == .scalar, v.isPlain, ScalarSyntax.isNull(v.bytes) {
            hint = "give it a value, or remove the line"
        } else if v.kind == .scalar, !v.isPlain, expected.hasPrefix("an integer") || expected == "true or false" {
            hint = "remove the quotes"
        } else if expected == "true or false", v.kind == .scalar, ScalarSyntax.looksBoolean(v.bytes) {
            hint = "use true or false; yes, no, on and off are not booleans in a keysync manifest"
        }
        report(.wrongType, "\(what) must be \(expected), not \(describe(v))", hint: hint, at: location(v))
    }

    func describe(_ v: YAMLEvent) -> String {
        switch v.kind {
        case .mappingStart: return "a mapping"
        case .sequenceStart: return "a list"
        case .scalar:
            if v.isPlain && ScalarSyntax.isNull(v.bytes) { return "empty" }
            let text = String(decoding: v.bytes.prefix(40), as: UTF8.self)
            return v.isPlain ? "\"\(text)\"" : "the quoted string \"\(text)\""
        default: return "an alias"
        }
    }

    mutating func duplicateKey(_ what: String, first: SourceLocation, at location: SourceLocation) {
        report(.duplicateKey, "\(what) appears twice in this mapping (first on line \(first.line))",
               hint: "merge the two entries; YAML would silently keep only the last", at: location)
    }

    mutating func invalidName(_ what: String, _ name: String, at location: SourceLocation) {
        report(.invalidName, "\(what) \"\(name)\" is not valid",
               hint: "use 1 to 63 lowercase letters, digits, '-', '_' or '.'", at: location)
    }

    mutating func expiresConflict(at location: SourceLocation) {
        report(.expiresConflict, "expires and expires_in are both set",
               hint: "keep one: expires for a fixed date, expires_in for a period from the key's creation",
               at: location)
    }
}
