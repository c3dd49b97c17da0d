import Foundation

/// The file at the state path in a sharded (version 3) state: everything but the key records,
/// and one entry per team shard naming its file, its SHA-256 and its record count. It is what
/// apply signs, so the signature covers every shard through its hash: a shard cannot be edited,
/// swapped for another state's or left behind without the index no longer matching.
///
/// Canonical JSON (sorted keys, one field per line), like every state file; readers accept only
/// those bytes. Small: its size grows with teams, not keys.
public struct StateIndex: Sendable, Equatable, Codable {
    /// One team's shard as the index names it.
    public struct Entry: Sendable, Equatable, Codable {
        public var team: String
        public var file: String
        public var sha256: String
        public var keys: Int
    }

    public var version: Int
    public var lineage: String?
    public var serial: Int
    public var prefix: String?
    public var teams: [TeamRecord]
    public var shards: [Entry]
    public var log: AuditAnchor?
    public var signature: StateSignature?

    /// More shards than this (one per team that ever had a key) is not a state apply wrote:
    /// a bound on what a reader is made to open, above the million-key benchmark's 200,000 teams.
    public static let maximumShards = 1_000_000

    /// The index of `state` whose key records are `shards` (the signature as the state holds it).
    init(of state: StateFile, shards: [StateShard]) {
        version = state.version
        lineage = state.lineage
        serial = state.serial
        prefix = state.prefix
        teams = state.teams
        self.shards = shards.map { Entry(team: $0.team, file: $0.file, sha256: $0.sha256, keys: $0.keyCount) }
        log = state.log
        signature = state.signature
    }

    /// The state this index describes, with `keys` as its records.
    func state(keys: [KeyRecord]) -> StateFile {
        var state = StateFile(lineage: lineage, serial: serial, prefix: prefix, teams: teams, keys: keys)
        state.version = version
        state.log = log
        state.signature = signature
        return state
    }

    /// The canonical bytes.
    public func encoded() -> Data {
        do {
            return try CanonicalJSON.encode(self)
        } catch {
            preconditionFailure("a state index always encodes: \(error)")
        }
    }

    enum CodingKeys: String, CodingKey {
        case version, lineage, serial, prefix, teams, shards, log, signature
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(lineage, forKey: .lineage)
        try c.encode(serial, forKey: .serial)
        try c.encode(prefix, forKey: .prefix)
        try c.encode(teams, forKey: .teams)
        try c.encode(shards, forKey: .shards)
        try c.encodeIfPresent(log, forKey: .log)
        try c.encodeIfPresent(signature, forKey: .signature)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        lineage = try c.decodeIfPresent(String.self, forKey: .lineage)
        serial = try c.decode(Int.self, forKey: .serial)
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix)
        teams = try c.decode([TeamRecord].self, forKey: .teams)
        shards = try c.decode([Entry].self, forKey: .shards)
        log = try c.decodeIfPresent(AuditAnchor.self, forKey: .log)
        signature = try c.decodeIfPresent(StateSignature.self, forKey: .signature)
    }

    /// Reads index bytes: canonical JSON of this shape, version 3, each entry's team a valid
    /// name, its file exactly the name its team and hash give (so no path can leave the shard
    /// folder), teams strictly ascending, at most `maximumShards`.
    public static func decode(_ data: Data) throws(StateFileError) -> StateIndex {
        let index: StateIndex
        do {
            index = try CanonicalJSON.decoder().decode(StateIndex.self, from: data)
        } catch {
            throw StateFileText.error(for: error, data: data, text: String(decoding: data, as: UTF8.self))
        }
        guard index.version == StateFile.shardedVersion else { throw StateFileError(.unsupportedVersion(index.version)) }
        guard index.shards.count <= maximumShards else {
            throw StateFileError(.malformed("shards: more than \(maximumShards) entries"))
        }
        var previous: String?
        for entry in index.shards {
            guard StateShard.isValidTeamName(entry.team), SHA256Text.isWellFormed(entry.sha256), entry.keys >= 0,
                  entry.file == StateShard.fileName(team: entry.team, sha256: entry.sha256)
            else { throw StateFileError(.malformed("shards: an entry's team, file or sha256 is not one apply writes")) }
            if let previous, previous >= entry.team {
                throw StateFileError(.malformed("shards: teams must be listed once each, in order"))
            }
            previous = entry.team
        }
        guard index.encoded() == data else { throw StateFileError(.notCanonical, line: 1, column: 1) }
        return index
    }
}

extension StateIndex {
    /// Checks that `trusted` signed exactly this index (and so, through their hashes, its
    /// shards); throws what is wrong as `StateFile.verifySignature(trusting:)` does.
    public func verifySignature(trusting trusted: StatePublicKey) throws(StateSignatureError) {
        let shell = state(keys: [])
        let value = try shell.signatureValue(trusting: trusted)
        guard shell.isIndexSigned(by: trusted, index: self) else {
            _ = value
            throw .badSignature
        }
    }
}
