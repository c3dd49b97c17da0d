import Foundation

/// One team's key records as a file of a sharded (version 3) state: canonical JSON
/// `{"keys": [...], "team": "<name>"}`, the records in the state's order and encoding. Its name
/// holds its content's hash (`<team>.<16 hex digits of its SHA-256>.json`), so a new shard never
/// overwrites a live one and a crash between writing shards and writing the index leaves the
/// old index naming only files that are still there.
public struct StateShard: Sendable, Equatable {
    public var team: String
    /// `sha256:<64 hex>` of `bytes`: what the index records and the signature covers.
    public var sha256: String
    public var keyCount: Int
    public var bytes: Data

    /// The file's name inside the shard folder.
    public var file: String { Self.fileName(team: team, sha256: sha256) }

    /// `<team>.<first 16 hex digits of the hash>.json`.
    public static func fileName(team: String, sha256: String) -> String {
        team + "." + sha256.dropFirst("sha256:".count).prefix(16) + ".json"
    }

    /// Team names a shard may carry: the manifest's name rule (`^[a-z0-9._-]{1,63}$`), so a
    /// shard's file name never holds a `/`; `.` and `..` alone are refused too (with the suffix
    /// they would be harmless, but no team is named so).
    public static func isValidTeamName(_ name: String) -> Bool {
        guard (1...63).contains(name.utf8.count), name != ".", name != ".." else { return false }
        return name.utf8.allSatisfy { b in
            (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2E || b == 0x5F || b == 0x2D
        }
    }

    /// Encodes `keys` (all of team `team`, in canonical order) as a shard.
    static func encoding(team: String, keys: [KeyRecord]) -> StateShard {
        let bytes: Data
        do {
            bytes = try CanonicalJSON.encode(Shell(team: team), splicing: keys, intoLeadingArray: "keys")
        } catch {
            preconditionFailure("a state shard always encodes: \(error)")
        }
        return StateShard(team: team, sha256: SHA256Text.of(bytes), keyCount: keys.count, bytes: bytes)
    }

    /// Whether `data` is exactly the shard encoding of `keys`, compared piece by piece.
    static func isEncoding(of data: Data, team: String, keys: [KeyRecord]) -> Bool {
        (try? CanonicalJSON.matches(data, shell: Shell(team: team), splicing: keys, intoLeadingArray: "keys")) ?? false
    }

    /// The shard without its records ("keys" sorts first, so the records are spliced in).
    struct Shell: Encodable {
        var team: String
        enum CodingKeys: String, CodingKey { case keys, team }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode([KeyRecord](), forKey: .keys)
            try c.encode(team, forKey: .team)
        }
    }
}

extension StateShard {
    /// Whether `name` has the form of a shard file (`<team>.<16 lower-case hex>.json`): what
    /// apply may remove from the shard folder once no index names it.
    public static func isShardFileName(_ name: String) -> Bool {
        guard name.hasSuffix(".json") else { return false }
        let stem = name.dropLast(5)
        guard let dot = stem.lastIndex(of: ".") else { return false }
        let hex = stem[stem.index(after: dot)...]
        return hex.utf8.count == 16 && hex.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
            && isValidTeamName(String(stem[..<dot]))
    }
}

/// What `ShardedStateReader` saw of each shard it read: a cache riding on the `StateFile` it
/// returns (see `StateFile.readShards`), never compared or encoded.
public struct ReadShards: Sendable, Equatable {
    public var byTeam: [String: StateIndex.Entry] = [:]

    public init(byTeam: [String: StateIndex.Entry] = [:]) { self.byTeam = byTeam }

    /// Always equal: a cache, not part of the state's value.
    public static func == (lhs: ReadShards, rhs: ReadShards) -> Bool { true }
}

extension StateFile {
    /// The shards of this state where those of the teams whose records equal `previous`'s
    /// (compared record by record, which costs far less than encoding and hashing them) are
    /// taken from what `previous` was read from, not encoded again; their `bytes` are empty (the
    /// file is already in the shard folder). The one-key apply's saving at a million keys.
    public func shards(reusingUnchangedOf previous: StateFile) -> [StateShard] {
        guard !previous.readShards.byTeam.isEmpty else { return shards() }
        let before = previous.normalized.keys
        var ranges: [String: Range<Int>] = [:]
        var start = 0
        while start < before.count {
            var end = start + 1
            while end < before.count, before[end].team == before[start].team { end += 1 }
            ranges[before[start].team] = start..<end
            start = end
        }
        let keys = normalized.keys
        var unchanged: Set<String> = []
        start = 0
        while start < keys.count {
            let team = keys[start].team
            var end = start + 1
            while end < keys.count, keys[end].team == team { end += 1 }
            if let old = ranges[team], old.count == end - start, before[old].elementsEqual(keys[start..<end]) {
                unchanged.insert(team)
            }
            start = end
        }
        let reused = previous.readShards.byTeam.mapValues {
            StateShard(team: $0.team, sha256: $0.sha256, keyCount: $0.keys, bytes: Data())
        }
        return shards(reusing: reused, unchangedTeams: unchanged)
    }
}
