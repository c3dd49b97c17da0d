/// The global settings a file may hold besides `version` and `prefix`: the plan table and
/// `defaults`.
extension ManifestFileDecoder {
    mutating func decodePlans(_ start: YAMLEvent) throws(Stop) -> [Tier]? {
        guard start.kind == .mappingStart else {
            wrongType("plans", expected: "a mapping of plan names to plans", got: start)
            try skip(start)
            return nil
        }
        var plans: [Tier] = []
        var names: [String: SourceLocation] = [:]
        while let (name, nameLocation, value) = try nextNamedEntry(of: "plan", in: "plans", names: &names) {
            var plan = Tier(name: name, apiAccess: true, maxKeys: nil, location: nameLocation)
            if value.kind == .scalar, value.isPlain, ScalarSyntax.isNull(value.bytes) {
                plans.append(plan)  // `enterprise:` alone: a plan with every default
                continue
            }
            guard value.kind == .mappingStart else {
                wrongType("plan \(name)", expected: "a mapping (api_access, max_keys)", got: value)
                try skip(value)
                continue
            }
            var seen = FieldSet<TierField>()
            while let (field, _) = try nextField(seen: &seen, context: "plan \(name)") {
                let v = try next()
                switch field {
                case .apiAccess:
                    if let b = try readBool(v, field: "api_access") { plan.apiAccess = b }
                case .maxKeys:
                    plan.maxKeys = try readMaxKeys(v)
                case .scopes:
                    plan.scopes = try readScopes(v, context: "plan \(name)")
                }
            }
            plans.append(plan)
        }
        return plans
    }

    mutating func readMaxKeys(_ v: YAMLEvent) throws(Stop) -> Int? {
        if v.kind == .scalar, v.isPlain, ScalarSyntax.equals(v.bytes, "unlimited") { return nil }
        guard let n = try readInteger(v, field: "max_keys", expected: "an integer or `unlimited`") else {
            return nil
        }
        guard n.value >= ManifestFields.maxKeysMinimum else {
            report(.outOfRange, "max_keys \(n.value) is out of range",
                   hint: "use 0 or more, or `unlimited`", at: n.location)
            return nil
        }
        return n.value
    }

    mutating func decodeDefaults(_ start: YAMLEvent) throws(Stop) -> KeyDefaults? {
        guard start.kind == .mappingStart else {
            wrongType("defaults", expected: "a mapping", got: start)
            try skip(start)
            return nil
        }
        var defaults = KeyDefaults()
        var seen = FieldSet<DefaultsField>()
        while let (field, keyEvent) = try nextField(seen: &seen, context: "defaults") {
            let v = try next()
            switch field {
            case .rateLimit: defaults.rateLimit = try readRateLimit(v)
            case .expires, .expiresIn:
                if seen.contains(.expires) && seen.contains(.expiresIn) { expiresConflict(at: location(keyEvent)) }
                if let expiration = try readExpiration(v, period: field == .expiresIn) { defaults.expiration = expiration }
            case .rotateGrace: defaults.rotateGrace = try readPeriod(v, field: "rotate_grace")
            case .rotateEvery: defaults.rotateEvery = try readPeriod(v, field: "rotate_every")
            }
        }
        return defaults
    }
}
