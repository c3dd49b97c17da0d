import Foundation

/// A sharded state's files: the index (the bytes at the state path, signed) and its shards,
/// for the shard folder beside it.
public struct StateFiles: Sendable, Equatable {
    public var index: Data
    public var shards: [StateShard]
}

extension StateFile {
    /// The version whose state is an index plus shard files.
    public static let shardedVersion = 3
    /// The versions held in one file (read; the next apply migrates them to `shardedVersion`).
    public static let singleFileVersions: ClosedRange<Int> = 1...2

    /// Whether this state is written as an index and shards (`encodedFiles()`) rather than one file.
    public var isSharded: Bool { version >= Self.shardedVersion }

    /// The shard folder of the state at `statePath`: its name without `.json`, plus `.d`
    /// (`keysync.state.json` → `keysync.state.d`), in the same folder.
    public static func shardFolder(forStateAt statePath: String) -> String {
        (statePath.hasSuffix(".json") ? String(statePath.dropLast(5)) : statePath) + ".d"
    }

    /// The path of the shard `file` of the state at `statePath`.
    public static func shardPath(_ file: String, forStateAt statePath: String) -> String {
        shardFolder(forStateAt: statePath) + "/" + file
    }

    /// Teams and key records grouped by bucket (`StateShard.bucket(ofTeam:)`), each group in
    /// canonical order, buckets ascending; a bucket with neither has no entry.
    func buckets() -> [(bucket: String, teams: [TeamRecord], keys: [KeyRecord])] {
        let state = normalized
        var teams: [String: [TeamRecord]] = [:]
        var keys: [String: [KeyRecord]] = [:]
        var bucketOf: [String: String] = [:]
        func bucket(_ team: String) -> String {
            if let known = bucketOf[team] { return known }
            let bucket = StateShard.bucket(ofTeam: team)
            bucketOf[team] = bucket
            return bucket
        }
        for team in state.teams { teams[bucket(team.name), default: []].append(team) }
        for key in state.keys { keys[bucket(key.team), default: []].append(key) }
        return Set(teams.keys).union(keys.keys).sorted().map { ($0, teams[$0] ?? [], keys[$0] ?? []) }
    }

    /// Every bucket's shard, encoded (`previous` and `unchangedBuckets` as in
    /// `shards(reusingUnchangedOf:)`).
    public func shards() -> [StateShard] {
        buckets().map { StateShard.encoding(bucket: $0.bucket, teams: $0.teams, keys: $0.keys) }
    }

    /// The shards of this state, where a bucket whose teams and records equal `previous`'s
    /// (compared record by record, which costs far less than encoding and hashing them) takes
    /// the shard `previous` was read from instead of being encoded again; its `bytes` are empty
    /// (the file is already in the shard folder). The one-key apply's saving at a million keys.
    public func shards(reusingUnchangedOf previous: StateFile) -> [StateShard] {
        guard !previous.readShards.byBucket.isEmpty else { return shards() }
        var before: [String: (teams: [TeamRecord], keys: [KeyRecord])] = [:]
        for group in previous.buckets() { before[group.bucket] = (group.teams, group.keys) }
        return buckets().map { group in
            if let read = previous.readShards.byBucket[group.bucket], let old = before[group.bucket],
               old.teams == group.teams, old.keys == group.keys, read.keys == group.keys.count {
                return StateShard(bucket: group.bucket, sha256: read.sha256, keyCount: read.keys, bytes: Data())
            }
            return StateShard.encoding(bucket: group.bucket, teams: group.teams, keys: group.keys)
        }
    }

    /// The index and shards of this state (sharded versions only).
    public func encodedFiles(shards given: [StateShard]? = nil) -> StateFiles {
        precondition(isSharded, "only a sharded state is written as an index and shards")
        let shards = given ?? self.shards()
        return StateFiles(index: StateIndex(of: self, shards: shards).encoded(), shards: shards)
    }

    /// `signed(with:)` and its files, the shards encoded once: the signature covers the index,
    /// which names every shard by its hash.
    public func signedFiles(with key: StateSigningKey?, shards given: [StateShard]? = nil) -> (state: StateFile, files: StateFiles) {
        let shards = given ?? self.shards()
        var unsigned = withoutSignature
        guard let key else { return (unsigned, unsigned.encodedFiles(shards: shards)) }
        let payload = Data(Self.signingDomain.utf8) + StateIndex(of: unsigned, shards: shards).encoded()
        unsigned.signature = StateSignature(
            algorithm: StateSignature.ed25519, publicKey: key.publicKey.base64,
            value: key.signature(for: payload).base64EncodedString())
        return (unsigned, unsigned.encodedFiles(shards: shards))
    }
}
