import Foundation

/// Everything keysync knows about keys it has minted: the only thing `apply` writes and the
/// only thing `verify` and `expiring` read. JSON, written deterministically (sorted, pretty,
/// one field per line) because it lives in git and is reviewed as a diff. Version 2 adds `log`,
/// the audit log's head as of the apply that wrote it; version 1 (without it) is still read, and
/// the next apply writes version 2. Version 3 is the same state written as a signed index and
/// shard files, each one bucket of teams (`StateIndex`, `StateShard`, `ShardedStateReader`), so no
/// file grows with the whole state and a one-key change touches one shard; its records add, only
/// when set, a key's `rotate_due_at`, `protected`, `scopes` and `allowed_ips`, and a team's
/// `protected` (see docs/state.md). Versions 1 and 2 (one file) are still read, as unprotected,
/// unscheduled and unrestricted, and the next apply writes version 3.
///
/// What must hold across records (checked by `validate()`, and so by every decode):
/// - at most one *current* key (live, not retiring after a rotation) per team and name;
/// - key ids are unique, hashes are unique.
/// What must hold of each field is carried by its type (`KeyHash`, `KeyPreview` — so a raw key
/// cannot sit there —, `RevocationReason`, `RecipientText`) and checked once, when it is read.
/// It never holds a raw key.
public struct StateFile: Sendable, Equatable, Codable {
    /// The version apply writes: sharded (`shardedVersion`).
    public static let currentVersion = 3
    /// The versions this keysync reads.
    public static let readableVersions: ClosedRange<Int> = 1...3

    /// Also the layout it is written in: one file (`singleFileVersions`) or sharded.
    public var version: Int
    /// Made once by the first apply; `nil` before that. A saved plan remembers it so a plan made
    /// against another state history is refused.
    public var lineage: String?
    /// Raised by every apply; a saved plan made at another serial is stale.
    public var serial: Int
    /// The key prefix of the manifest that last applied (`nil` before the first apply), so a
    /// verifier holding only the state can reject keys of another prefix before any lookup.
    public var prefix: String?
    public var teams: [TeamRecord]
    /// Every key ever minted, revoked ones included (tombstones).
    public var keys: [KeyRecord]
    /// The audit log's head (line count and hash of the last line) once this state's apply had
    /// appended its events: anchors the log, so a cut or rewritten log is caught against the
    /// signed state (`RepositoryHistory`). `nil` in a version 1 state and before the first apply.
    public var log: AuditAnchor?
    /// Ed25519 signature by apply's signing key over everything else (see `StateSignature`);
    /// `nil` in an unsigned state, and then not written at all.
    public var signature: StateSignature? = nil
    /// The shards a sharded state was read from (hash and key count per bucket), so apply can
    /// name an unchanged bucket's shard in the next index without encoding it again. Not part of
    /// the state's value (equal states are equal whatever they were read from) nor its encoding.
    public var readShards = ReadShards()

    public init(
        lineage: String? = nil, serial: Int = 0, prefix: String? = nil, teams: [TeamRecord] = [],
        keys: [KeyRecord] = []
    ) {
        self.prefix = prefix
        // Built in memory, a state is the one-file form until apply gives it `currentVersion`
        // (tests and tools encode such states to one file).
        self.version = StateFile.singleFileVersions.upperBound
        self.lineage = lineage
        self.serial = serial
        self.teams = teams
        self.keys = keys
    }

    /// What a missing state file means: nothing applied yet.
    public static let empty = StateFile()

    /// A linear search, for one-off look-ups; code that looks up per key builds an index.
    public func team(named name: String) -> TeamRecord? {
        teams.first { $0.name == name }
    }

    /// A linear search, for one-off look-ups; code that looks up per key builds an index.
    public func key(id: KeyID) -> KeyRecord? {
        keys.first { $0.id == id }
    }

    /// The key a manifest entry `team`/`name` refers to, if any.
    public func currentKey(team: String, name: String) -> KeyRecord? {
        keys.first { $0.team == team && $0.name == name && $0.isCurrent }
    }

    /// The same state in its canonical order: teams by name, keys by team, name, id.
    /// A state read from canonical bytes is already in this order: it is then returned as is,
    /// sharing its arrays (sorting would copy 100k records to move none).
    public var normalized: StateFile {
        var copy = self
        let teamOrder: (TeamRecord, TeamRecord) -> Bool = { $0.name < $1.name }
        let keyOrder: (KeyRecord, KeyRecord) -> Bool = { ($0.team, $0.name, $0.id) < ($1.team, $1.name, $1.id) }
        if !Self.isSorted(teams, by: teamOrder) { copy.teams = Self.sortedByPosition(teams, by: teamOrder) }
        if !Self.isSorted(keys, by: keyOrder) { copy.keys = Self.sortedByPosition(keys, by: keyOrder) }
        return copy
    }

    /// A stable sort that moves positions, not records: a merge sort copies its elements into
    /// a buffer, and a record copied is a dozen retains (a sharded state's 100k records arrive
    /// bucket by bucket, in hash order, and are all put back in order on every read).
    static func sortedByPosition<T>(_ elements: [T], by areInIncreasingOrder: (T, T) -> Bool) -> [T] {
        elements.indices.sorted { areInIncreasingOrder(elements[$0], elements[$1]) }.map { elements[$0] }
    }

    /// No element is ordered before the one preceding it (so a stable sort would move nothing).
    static func isSorted<T>(_ elements: [T], by areInIncreasingOrder: (T, T) -> Bool) -> Bool {
        zip(elements, elements.dropFirst()).allSatisfy { !areInIncreasingOrder($1, $0) }
    }

    /// Checks the invariants listed on the type; the first broken one is thrown.
    public func validate() throws(StateFileError) {
        try validate(locatingIn: nil)
    }

    enum CodingKeys: String, CodingKey {
        case version, lineage, serial, prefix, teams, keys, log, signature
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(lineage, forKey: .lineage)
        try c.encode(serial, forKey: .serial)
        try c.encode(prefix, forKey: .prefix)
        try c.encode(teams, forKey: .teams)
        try c.encode(keys, forKey: .keys)
        try c.encodeIfPresent(log, forKey: .log)
        try c.encodeIfPresent(signature, forKey: .signature)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        lineage = try c.decodeIfPresent(String.self, forKey: .lineage)
        serial = try c.decode(Int.self, forKey: .serial)
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix)
        teams = try c.decodeIfPresent([TeamRecord].self, forKey: .teams) ?? []
        keys = try c.decodeIfPresent([KeyRecord].self, forKey: .keys) ?? []
        log = try c.decodeIfPresent(AuditAnchor.self, forKey: .log)
        signature = try c.decodeIfPresent(StateSignature.self, forKey: .signature)
    }
}

extension StateFile {
    /// `text` lets errors point at the line of the offending record.
    func validate(locatingIn text: String?) throws(StateFileError) {
        func located(_ reason: StateFileError.Reason, id: KeyID, occurrence: Int = 1) -> StateFileError {
            let line = text.flatMap { StateFileText.line(ofID: id.rawValue, occurrence: occurrence, in: $0) }
            return StateFileError(reason, line: line, column: line == nil ? nil : 1)
        }
        if let log, log.events < 0 || !SHA256Text.isWellFormed(log.head) || (log.events == 0) != (log.head == AuditAnchor.empty.head)
            || !log.hasValidSegment {
            let line = text.flatMap { StateFileText.line(containing: "\"log\"", in: $0) }
            throw StateFileError(.malformed("log: events must be a count, head the sha256: of the last line, and segment and segment_line go together"),
                                 line: line, column: line == nil ? nil : 1)
        }
        // Fields are read in place (`keys[i].id`): `for key in keys` copied every record, a
        // dozen retains each, on every read of a 100k-key state.
        struct Slot: Hashable { var team: String, name: String }
        var seenIDs = Set<KeyID>(minimumCapacity: keys.count)
        var hashes = [KeyHash: KeyID](minimumCapacity: keys.count)
        var current = [Slot: KeyID](minimumCapacity: keys.count)
        for i in keys.indices {
            let id = keys[i].id
            if !seenIDs.insert(id).inserted {
                throw located(.duplicateID(id.rawValue), id: id, occurrence: 2)
            }
            if let other = hashes.updateValue(id, forKey: keys[i].hash) {
                throw located(.duplicateHash(ids: [other.rawValue, id.rawValue]), id: id)
            }
            if keys[i].isCurrent {
                let slot = Slot(team: keys[i].team, name: keys[i].name)
                if let other = current.updateValue(id, forKey: slot) {
                    throw located(.duplicateLiveKey(team: slot.team, name: slot.name, ids: [other.rawValue, id.rawValue]), id: id)
                }
            }
        }
    }
}
