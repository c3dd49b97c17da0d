import Foundation

/// A sharded state's files: the index (the bytes at the state path, signed) and one shard per
/// team with key records, for the shard folder beside it.
public struct StateFiles: Sendable, Equatable {
    public var index: Data
    public var shards: [StateShard]
}

extension StateFile {
    /// The version whose state is an index plus one shard file per team.
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

    /// The key records, team by team, each team's encoded as its shard (in canonical order;
    /// teams without records have none). A team in `unchangedTeams` (the caller vouches its
    /// records are those `reusing[team]` was made of) takes that shard instead of being encoded.
    public func shards(reusing previous: [String: StateShard] = [:], unchangedTeams: Set<String> = []) -> [StateShard] {
        let keys = normalized.keys
        var shards: [StateShard] = []
        var start = 0
        while start < keys.count {
            let team = keys[start].team
            var end = start + 1
            while end < keys.count, keys[end].team == team { end += 1 }
            if unchangedTeams.contains(team), let reused = previous[team], reused.keyCount == end - start {
                shards.append(reused)
            } else {
                shards.append(StateShard.encoding(team: team, keys: Array(keys[start..<end])))
            }
            start = end
        }
        return shards
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

    /// Sharded states only: every key's team must be a name a shard file may carry.
    func validateTeamNames() throws(StateFileError) {
        guard isSharded else { return }
        for key in keys where !StateShard.isValidTeamName(key.team) {
            throw StateFileError(.malformed("key \(key.id.rawValue): team must match ^[a-z0-9._-]{1,63}$ to be sharded"))
        }
    }
}
