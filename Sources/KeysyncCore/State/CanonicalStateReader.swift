import Foundation

/// Reads a state file in one pass over its bytes, straight into `StateFile`, without building
/// Foundation's `JSONDecoder` tree: at 100k keys that decoder was most of `plan`'s time.
///
/// It is a fast path, not a second definition of the format. It accepts only what it fully
/// understands — the fields of versions 1 to 3, each of its type, no duplicates, no unknown fields,
/// integers as plain digits — and returns `nil` for anything else, so `StateFile.decode` falls back
/// to the `Codable` decoder, which stays the reference and reports errors with their paths.
/// Whenever it returns a state, that state equals what the `Codable` decoder returns.
struct CanonicalStateReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Stops the pass: the input is not one this reader vouches for.
    private struct Unrecognised: Error {}

    static func read(_ data: Data) -> StateFile? {
        data.withUnsafeBytes { raw in
            var reader = CanonicalStateReader(raw.bindMemory(to: UInt8.self))
            return try? reader.document(eachKey: nil)
        }
    }

    /// The same pass, but each key record is handed to `eachKey` as soon as it is read instead
    /// of being kept: returns the state without its keys (`keys` empty), or `nil` as `read`
    /// does — possibly after some records were handed over, which the caller then discards.
    /// For a reader that needs one record at a time (a verifier's index), so 100k records are
    /// never held at once.
    static func read(_ data: Data, eachKey: (KeyRecord) -> Void) -> StateFile? {
        withoutActuallyEscaping(eachKey) { eachKey in
            data.withUnsafeBytes { raw in
                var reader = CanonicalStateReader(raw.bindMemory(to: UInt8.self))
                return try? reader.document(eachKey: eachKey)
            }
        }
    }

    /// A shard's bytes (`{"keys": [...], "teams": [...]}`) in the same one pass: its team and
    /// key records, or `nil` for anything this reader does not vouch for.
    static func readShard(_ data: Data) -> (teams: [TeamRecord], keys: [KeyRecord])? {
        data.withUnsafeBytes { raw in
            var reader = CanonicalStateReader(raw.bindMemory(to: UInt8.self))
            return try? reader.shard()
        }
    }

    private mutating func shard() throws(Unrecognised) -> (teams: [TeamRecord], keys: [KeyRecord]) {
        var teams: [TeamRecord]?, keys: [KeyRecord]?
        try object { (reader: inout CanonicalStateReader, field: String) throws(Unrecognised) in
            switch field {
            case "teams":
                guard let records = try reader.optionalArray({ (r: inout CanonicalStateReader) throws(Unrecognised) in try r.team() })
                else { throw Unrecognised() }
                try Self.once(&teams, records)
            case "keys":
                guard let records = try reader.optionalArray({ (r: inout CanonicalStateReader) throws(Unrecognised) in try r.key() })
                else { throw Unrecognised() }
                try Self.once(&keys, records)
            default: throw Unrecognised()
            }
        }
        skipWhitespace()
        guard i == bytes.count, let teams, let keys else { throw Unrecognised() }
        return (teams, keys)
    }

    // MARK: The state's shape

    private mutating func document(eachKey: ((KeyRecord) -> Void)?) throws(Unrecognised) -> StateFile {
        var version: Int?, lineage: String??, serial: Int?, prefix: String??
        var teams: [TeamRecord]??, keys: [KeyRecord]??, signature: StateSignature??, log: AuditAnchor??
        try object { (reader: inout CanonicalStateReader, field: String) throws(Unrecognised) in
            switch field {
            case "version": try Self.once(&version, reader.integer())
            case "lineage": try Self.once(&lineage, reader.optionalString())
            case "serial": try Self.once(&serial, reader.integer())
            case "prefix": try Self.once(&prefix, reader.optionalString())
            case "teams": try Self.once(&teams, reader.optionalArray { (r: inout CanonicalStateReader) throws(Unrecognised) in try r.team() })
            case "keys":
                if let eachKey {
                    // Streamed: the records are handed over, the state is left with none.
                    let seen = try reader.optionalElements { (r: inout CanonicalStateReader) throws(Unrecognised) in eachKey(try r.key()) }
                    try Self.once(&keys, seen ? [] : nil)
                } else {
                    try Self.once(&keys, reader.optionalArray { (r: inout CanonicalStateReader) throws(Unrecognised) in try r.key() })
                }
            case "signature": try Self.once(&signature, reader.null() ? nil : reader.signature())
            case "log": try Self.once(&log, reader.null() ? nil : reader.anchor())
            default: throw Unrecognised()
            }
        }
        skipWhitespace()
        guard i == bytes.count, let version, StateFile.singleFileVersions.contains(version), let serial else {
            throw Unrecognised()
        }
        // Absent and `null` are the same, as with the decoder's `decodeIfPresent`.
        var state = StateFile(
            lineage: lineage ?? nil, serial: serial, prefix: prefix ?? nil,
            teams: (teams ?? nil) ?? [], keys: (keys ?? nil) ?? [])
        state.version = version
        state.log = log ?? nil
        state.signature = signature ?? nil
        return state
    }

    private mutating func anchor() throws(Unrecognised) -> AuditAnchor {
        var events: Int?, head: String?, segment: Int?, segmentLine: Int?
        try object { (r: inout CanonicalStateReader, field: String) throws(Unrecognised) in
            switch field {
            case "events": try Self.once(&events, r.integer())
            case "head": try Self.once(&head, r.string())
            case "segment": try Self.once(&segment, r.integer())
            case "segment_line": try Self.once(&segmentLine, r.integer())
            default: throw Unrecognised()
            }
        }
        guard let events, let head else { throw Unrecognised() }
        return AuditAnchor(events: events, head: head, segment: segment, segmentLine: segmentLine)
    }

    private mutating func signature() throws(Unrecognised) -> StateSignature {
        var algorithm: String?, publicKey: String?, value: String?
        try object { (r: inout CanonicalStateReader, field: String) throws(Unrecognised) in
            switch field {
            case "algorithm": try Self.once(&algorithm, r.string())
            case "public_key": try Self.once(&publicKey, r.string())
            case "value": try Self.once(&value, r.string())
            default: throw Unrecognised()
            }
        }
        guard let algorithm, let publicKey, let value else { throw Unrecognised() }
        return StateSignature(algorithm: algorithm, publicKey: publicKey, value: value)
    }

    private mutating func team() throws(Unrecognised) -> TeamRecord {
        var name: String?, plan: String?, apiAccess: Bool?, owner: String??, contacts: [String]??, recipients: [RecipientText]??
        var protected: Bool?
        try object { (reader: inout CanonicalStateReader, field: String) throws(Unrecognised) in
            switch field {
            case "name": try Self.once(&name, reader.string())
            case "plan": try Self.once(&plan, reader.string())
            case "api_access": try Self.once(&apiAccess, reader.bool())
            case "owner": try Self.once(&owner, reader.optionalString())
            case "contacts": try Self.once(&contacts, reader.optionalArray { (r: inout CanonicalStateReader) throws(Unrecognised) in try r.string() })
            case "recipients": try Self.once(&recipients, reader.optionalArray { (r: inout CanonicalStateReader) throws(Unrecognised) in try r.parsed(RecipientText.init(rawValue:)) })
            case "protected": try Self.once(&protected, reader.bool())
            default: throw Unrecognised()
            }
        }
        guard let name, let plan, let apiAccess else { throw Unrecognised() }
        var record = TeamRecord(name: name, plan: plan, apiAccess: apiAccess, owner: owner ?? nil, contacts: (contacts ?? nil) ?? [],
                                recipients: recipients ?? nil)
        record.protected = protected ?? false
        return record
    }

    private mutating func key() throws(Unrecognised) -> KeyRecord {
        var id: KeyID?, team: String?, name: String?, generation: Int?, hash: KeyHash?, preview: KeyPreview?
        var createdAt: Date?, createdBy: String?, expiresAt: Date??, rateLimit: Int?, description: String??
        var owner: String??, status: KeyStatus?, revokedAt: Date??, revokedReason: RevocationReason??
        var revokeAfter: Date??, sealedFile: String?, rotateDueAt: Date??, protected: Bool?
        var scopes: [Scope]??, allowedIPs: [IPAddressRange]??
        try object { (r: inout CanonicalStateReader, field: String) throws(Unrecognised) in
            switch field {
            case "id": try Self.once(&id, r.parsed(KeyID.init(rawValue:)))
            case "team": try Self.once(&team, r.string())
            case "name": try Self.once(&name, r.string())
            case "generation": try Self.once(&generation, r.integer())
            case "hash": try Self.once(&hash, r.parsed(KeyHash.init(rawValue:)))
            case "preview": try Self.once(&preview, r.parsed(KeyPreview.init(rawValue:)))
            case "created_at": try Self.once(&createdAt, r.date())
            case "created_by": try Self.once(&createdBy, r.string())
            case "expires_at": try Self.once(&expiresAt, r.optionalDate())
            case "rate_limit": try Self.once(&rateLimit, r.integer())
            case "description": try Self.once(&description, r.optionalString())
            case "owner": try Self.once(&owner, r.optionalString())
            case "status": try Self.once(&status, r.parsed(KeyStatus.init(rawValue:)))
            case "revoked_at": try Self.once(&revokedAt, r.optionalDate())
            case "revoked_reason": try Self.once(&revokedReason, r.null() ? nil : r.parsed(RevocationReason.init(rawValue:)))
            case "revoke_after": try Self.once(&revokeAfter, r.optionalDate())
            case "sealed_file": try Self.once(&sealedFile, r.string())
            case "rotate_due_at": try Self.once(&rotateDueAt, r.optionalDate())
            case "protected": try Self.once(&protected, r.bool())
            case "scopes": try Self.once(&scopes, r.optionalArray { (r: inout CanonicalStateReader) throws(Unrecognised) in try r.parsed { try? Scope(parsing: $0) } })
            case "allowed_ips": try Self.once(&allowedIPs, r.optionalArray { (r: inout CanonicalStateReader) throws(Unrecognised) in try r.parsed { try? IPAddressRange(parsing: $0) } })
            default: throw Unrecognised()
            }
        }
        guard let id, let team, let name, let generation, let hash, let preview, let createdAt,
              let createdBy, let rateLimit, let status, let sealedFile
        else { throw Unrecognised() }
        var record = KeyRecord(
            id: id, team: team, name: name, generation: generation, hash: hash, preview: preview,
            createdAt: createdAt, createdBy: createdBy, expiresAt: expiresAt ?? nil, rateLimit: rateLimit,
            description: description ?? nil, owner: owner ?? nil, status: status,
            revokedAt: revokedAt ?? nil, revokedReason: revokedReason ?? nil,
            revokeAfter: revokeAfter ?? nil, sealedFile: sealedFile,
            scopes: scopes ?? nil, allowedIPs: allowedIPs ?? nil)
        record.rotateDueAt = rotateDueAt ?? nil
        record.protected = protected ?? false
        return record
    }

    /// A field seen twice is left to the reference decoder.
    private static func once<T>(_ slot: inout T?, _ value: T) throws(Unrecognised) {
        guard slot == nil else { throw Unrecognised() }
        slot = value
    }

    // MARK: JSON values

    private mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws(Unrecognised) {
        skipWhitespace()
        guard i < bytes.count, bytes[i] == byte else { throw Unrecognised() }
        i += 1
    }

    /// Whether the next value is `null` (consumed if so).
    private mutating func null() -> Bool {
        skipWhitespace()
        guard i + 4 <= bytes.count, bytes[i] == 0x6E, bytes[i + 1] == 0x75, bytes[i + 2] == 0x6C, bytes[i + 3] == 0x6C
        else { return false }
        i += 4
        return true
    }

    private mutating func object(
        _ field: (inout CanonicalStateReader, String) throws(Unrecognised) -> Void
    ) throws(Unrecognised) {
        try expect(0x7B)  // {
        skipWhitespace()
        if i < bytes.count, bytes[i] == 0x7D { i += 1; return }
        while true {
            let name = try string()
            try expect(0x3A)  // :
            try field(&self, name)
            skipWhitespace()
            guard i < bytes.count else { throw Unrecognised() }
            if bytes[i] == 0x2C { i += 1; continue }  // ,
            if bytes[i] == 0x7D { i += 1; return }  // }
            throw Unrecognised()
        }
    }

    private mutating func optionalArray<T>(
        _ element: (inout CanonicalStateReader) throws(Unrecognised) -> T
    ) throws(Unrecognised) -> [T]? {
        var items: [T] = []
        let present = try optionalElements { (r: inout CanonicalStateReader) throws(Unrecognised) in items.append(try element(&r)) }
        return present ? items : nil
    }

    /// Reads an array (or `null`: returns `false`) one element at a time through `element`.
    private mutating func optionalElements(
        _ element: (inout CanonicalStateReader) throws(Unrecognised) -> Void
    ) throws(Unrecognised) -> Bool {
        if null() { return false }
        try expect(0x5B)  // [
        skipWhitespace()
        if i < bytes.count, bytes[i] == 0x5D { i += 1; return true }
        while true {
            try element(&self)
            skipWhitespace()
            guard i < bytes.count else { throw Unrecognised() }
            if bytes[i] == 0x2C { i += 1; continue }
            if bytes[i] == 0x5D { i += 1; return true }
            throw Unrecognised()
        }
    }

    private mutating func bool() throws(Unrecognised) -> Bool {
        skipWhitespace()
        if i + 4 <= bytes.count, bytes[i] == 0x74, bytes[i + 1] == 0x72, bytes[i + 2] == 0x75, bytes[i + 3] == 0x65 {
            i += 4
            return true
        }
        if i + 5 <= bytes.count, bytes[i] == 0x66, bytes[i + 1] == 0x61, bytes[i + 2] == 0x6C, bytes[i + 3] == 0x73,
           bytes[i + 4] == 0x65 {
            i += 5
            return false
        }
        throw Unrecognised()
    }

    /// `-?[0-9]+` without leading zeros, at most 18 digits (so it cannot overflow); a number in
    /// any other spelling is left to the reference decoder.
    private mutating func integer() throws(Unrecognised) -> Int {
        skipWhitespace()
        var negative = false
        if i < bytes.count, bytes[i] == 0x2D { negative = true; i += 1 }
        let start = i
        var value = 0
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            guard i - start < 18 else { throw Unrecognised() }  // a 19th digit could overflow
            value = value * 10 + Int(bytes[i] - 0x30)
            i += 1
        }
        let digits = i - start
        guard digits > 0, digits <= 18, !(digits > 1 && bytes[start] == 0x30), !(negative && value == 0) else {
            throw Unrecognised()
        }
        if i < bytes.count, bytes[i] == 0x2E || bytes[i] == 0x65 || bytes[i] == 0x45 { throw Unrecognised() }
        return negative ? -value : value
    }

    /// A string that `parse` accepts as a typed value: the same rule the `Codable` decoder
    /// applies (the type's own initialiser), so both readers accept and refuse the same values.
    /// A refused value is left to the reference decoder, which says what is wrong.
    private mutating func parsed<T>(_ parse: (String) -> T?) throws(Unrecognised) -> T {
        guard let value = parse(try string()) else { throw Unrecognised() }
        return value
    }

    private mutating func optionalString() throws(Unrecognised) -> String? {
        null() ? nil : try string()
    }

    private mutating func date() throws(Unrecognised) -> Date {
        guard let date = Timestamp.parse(try string()) else { throw Unrecognised() }
        return date
    }

    private mutating func optionalDate() throws(Unrecognised) -> Date? {
        null() ? nil : try date()
    }

    /// A JSON string: valid UTF-8, no raw control characters, the standard escapes.
    private mutating func string() throws(Unrecognised) -> String {
        try expect(0x22)
        let start = i
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x22 {
                let text = try utf8(start..<i)
                i += 1
                return text
            }
            if b == 0x5C { return try escapedString(from: start) }
            if b < 0x20 { throw Unrecognised() }
            i += 1
        }
        throw Unrecognised()
    }

    private func utf8(_ range: Range<Int>) throws(Unrecognised) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        // ASCII (nearly every value) cannot be invalid UTF-8: no generic validation needed.
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        guard let text = String(validating: slice, as: UTF8.self) else { throw Unrecognised() }
        return text
    }

    /// The slow half of `string()`, from the string's first byte once a backslash was seen.
    private mutating func escapedString(from start: Int) throws(Unrecognised) -> String {
        var out = [UInt8](bytes[start..<i])
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x22 {
                i += 1
                guard let text = String(validating: out, as: UTF8.self) else { throw Unrecognised() }
                return text
            }
            if b < 0x20 { throw Unrecognised() }
            guard b == 0x5C else { out.append(b); i += 1; continue }
            guard i + 1 < bytes.count else { throw Unrecognised() }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 else { throw Unrecognised() }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw Unrecognised() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw Unrecognised() }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default: throw Unrecognised()
            }
        }
        throw Unrecognised()
    }

    private mutating func hex4() throws(Unrecognised) -> UInt32 {
        guard i + 4 <= bytes.count else { throw Unrecognised() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
            case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
            default: throw Unrecognised()
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }
}
