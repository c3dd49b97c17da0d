import Foundation

/// One bucket of a sharded (version 3) state's records as a file: canonical JSON
/// `{"keys": [...], "teams": [...]}` — the records of the teams whose name falls in this bucket
/// (`bucket(ofTeam:)`), in the state's order and encoding, exactly as a one-file state holds
/// them. Teams are grouped into a fixed number of buckets (4,096) so that the index lists at
/// most 4,096 shards however many teams there are, and a shard holds about 1/4,096 of the
/// records. Its name holds its content's hash (`<bucket>.<16 hex digits of its SHA-256>.json`),
/// so a new shard never overwrites a live one and a crash between writing shards and writing
/// the index leaves the old index naming only files that are still there.
public struct StateShard: Sendable, Equatable {
    public var bucket: String
    /// `sha256:<64 hex>` of `bytes`: what the index records and the signature covers.
    public var sha256: String
    public var keyCount: Int
    /// Empty for a shard reused from the state read before (its file is already on disk).
    public var bytes: Data

    /// The file's name inside the shard folder.
    public var file: String { Self.fileName(bucket: bucket, sha256: sha256) }

    /// `<bucket>.<first 16 hex digits of the hash>.json`.
    public static func fileName(bucket: String, sha256: String) -> String {
        bucket + "." + sha256.dropFirst("sha256:".count).prefix(16) + ".json"
    }

    /// The bucket of team `name`: the first three hex digits of the SHA-256 of its name, so a
    /// team always lands in the same shard and teams spread evenly over 4,096 buckets.
    public static func bucket(ofTeam name: String) -> String {
        String(SHA256Text.of(Array(name.utf8)).dropFirst("sha256:".count).prefix(3))
    }

    /// Whether `text` is a bucket name (three lower-case hex digits).
    public static func isBucket(_ text: String) -> Bool {
        text.utf8.count == 3 && isLowerHex(text)
    }

    /// Encodes `teams` and `keys` (all of bucket `bucket`, each in canonical order) as a shard.
    static func encoding(bucket: String, teams: [TeamRecord], keys: [KeyRecord]) -> StateShard {
        let bytes: Data
        do {
            bytes = try CanonicalJSON.encode(Shell(teams: teams), splicing: keys, intoLeadingArray: "keys")
        } catch {
            preconditionFailure("a state shard always encodes: \(error)")
        }
        return StateShard(bucket: bucket, sha256: SHA256Text.of(bytes), keyCount: keys.count, bytes: bytes)
    }

    /// Whether `data` is exactly the shard encoding of `teams` and `keys`, compared piece by piece.
    static func isEncoding(of data: Data, teams: [TeamRecord], keys: [KeyRecord]) -> Bool {
        (try? CanonicalJSON.matches(data, shell: Shell(teams: teams), splicing: keys, intoLeadingArray: "keys")) ?? false
    }

    /// The shard without its key records ("keys" sorts first, so the records are spliced in).
    struct Shell: Encodable {
        var teams: [TeamRecord]
        enum CodingKeys: String, CodingKey { case keys, teams }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode([KeyRecord](), forKey: .keys)
            try c.encode(teams, forKey: .teams)
        }
    }

    fileprivate static func isLowerHex(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

extension StateShard {
    /// Whether `name` has the form of a shard file (`<3 hex>.<16 hex>.json`): what apply may
    /// remove from the shard folder once no index names it.
    public static func isShardFileName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].utf8.count == 3 && isLowerHex(parts[0])
            && parts[1].utf8.count == 16 && isLowerHex(parts[1]) && parts[2] == "json"
    }
}

/// What `ShardedStateReader` saw of each shard it read: a cache riding on the `StateFile` it
/// returns (see `StateFile.readShards`), never compared or encoded.
public struct ReadShards: Sendable, Equatable {
    public var byBucket: [String: StateIndex.Entry] = [:]

    public init(byBucket: [String: StateIndex.Entry] = [:]) { self.byBucket = byBucket }

    /// Always equal: a cache, not part of the state's value.
    public static func == (lhs: ReadShards, rhs: ReadShards) -> Bool { true }
}
