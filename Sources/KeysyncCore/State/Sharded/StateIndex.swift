import Foundation

/// The file at the state path in a sharded (version 3) state: everything but the team and key
/// records, and one entry per shard (bucket of teams) naming its file, its SHA-256 and its key
/// record count. It is what
/// apply signs, so the signature covers every shard through its hash: a shard cannot be edited,
/// swapped for another state's or left behind without the index no longer matching.
///
/// Canonical JSON (sorted keys, one field per line), like every state file; readers accept only
/// those bytes. Small: at most 4,096 entries (one per bucket), whatever the number of keys or teams.
public struct StateIndex: Sendable, Equatable, Codable {
    /// One shard (bucket of teams) as the index names it.
    public struct Entry: Sendable, Equatable, Codable {
        public var bucket: String
        public var file: String
        public var sha256: String
        public var keys: Int
    }

    public var version: Int
    public var lineage: String?
    public var serial: Int
    public var prefix: String?
    public var shards: [Entry]
    public var log: AuditAnchor?
    public var signature: StateSignature?

    /// One shard per bucket: more entries than buckets is not a state apply wrote.
    public static let maximumShards = 4_096

    /// The index of `state` whose key records are `shards` (the signature as the state holds it).
    init(of state: StateFile, shards: [StateShard]) {
        version = state.version
        lineage = state.lineage
        serial = state.serial
        prefix = state.prefix
        self.shards = shards.map { Entry(bucket: $0.bucket, file: $0.file, sha256: $0.sha256, keys: $0.keyCount) }
        log = state.log
        signature = state.signature
    }

    /// The state this index describes, with `teams` and `keys` as its records.
    func state(teams: [TeamRecord] = [], keys: [KeyRecord]) -> StateFile {
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
        case version, lineage, serial, prefix, shards, log, signature
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(lineage, forKey: .lineage)
        try c.encode(serial, forKey: .serial)
        try c.encode(prefix, forKey: .prefix)
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
        shards = try c.decode([Entry].self, forKey: .shards)
        log = try c.decodeIfPresent(AuditAnchor.self, forKey: .log)
        signature = try c.decodeIfPresent(StateSignature.self, forKey: .signature)
    }

    /// Reads index bytes: canonical JSON of this shape, version 3, each entry's bucket three hex
    /// digits, its file exactly the name its bucket and hash give (so no path can leave the
    /// shard folder), buckets strictly ascending, at most `maximumShards`.
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
            guard StateShard.isBucket(entry.bucket), SHA256Text.isWellFormed(entry.sha256), entry.keys >= 0,
                  entry.file == StateShard.fileName(bucket: entry.bucket, sha256: entry.sha256)
            else { throw StateFileError(.malformed("shards: an entry's bucket, file or sha256 is not one apply writes")) }
            if let previous, previous >= entry.bucket {
                throw StateFileError(.malformed("shards: buckets must be listed once each, in order"))
            }
            previous = entry.bucket
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
