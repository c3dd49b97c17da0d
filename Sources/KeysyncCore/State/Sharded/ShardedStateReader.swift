import Foundation

/// Reads a sharded (version 3) state: the index at the state path, then each shard it names,
/// from the shard folder beside it, by the hash the index records — so a reader never sees a
/// mix of an old index and new shards, or the reverse: a shard whose bytes do not hash to the
/// index's entry is refused. The one reader of this layout (plan, apply, list, verify, serve).
public enum ShardedStateReader {
    /// A state read from its files, and the trusted signer whose signature over the index was
    /// found valid (`nil` when none was asked for or it was not valid: the caller's trust check
    /// then says why).
    public struct Result: Sendable {
        public var state: StateFile
        public var verifiedSigner: StatePublicKey?
    }

    /// Whether `bytes` (a state file) is a sharded index: its last member, `version`, is 3.
    /// Only decides which reader to use; each reader then checks everything.
    public static func isIndex(_ bytes: Data) -> Bool {
        let tail = String(decoding: bytes.suffix(48), as: UTF8.self)
        guard let range = tail.range(of: "\"version\"", options: .backwards) else { return false }
        let rest = tail[range.upperBound...].drop { $0 == " " || $0 == ":" || $0 == "\n" }
        return Int(rest.prefix { $0.isNumber }) == StateFile.shardedVersion
    }

    /// Reads the state whose index bytes are `index`, at `statePath`. Checks: the index (see
    /// `StateIndex.decode`); the folder is a folder, not a link; every shard exists, is a regular
    /// file, hashes to its entry, holds exactly its bucket's records, as many keys as the entry says,
    /// in canonical order and bytes; the whole state's invariants. With `trusted`, the index's
    /// signature is checked first; when valid, it vouches for the shards' bytes through their
    /// hashes and their canonical form is not compared again.
    public static func read(
        index: Data, statePath: String, from source: some StateShardSource, trusting trusted: StatePublicKey? = nil
    ) throws(StateFileError) -> Result {
        var keys: [KeyRecord] = []
        var teams: [TeamRecord] = []
        var seen = ReadShards()
        let (parsed, verified) = try read(index: index, statePath: statePath, from: source, trusting: trusted) { entry, shardTeams, records in
            keys.append(contentsOf: records)
            teams.append(contentsOf: shardTeams)
            seen.byBucket[entry.bucket] = entry
        }
        // Buckets follow the hash of team names: back into the state's canonical order.
        var state = parsed.state(teams: teams, keys: keys).normalized
        try state.validate()
        state.readShards = seen
        return Result(state: state, verifiedSigner: verified ? trusted : nil)
    }

    /// The same checks, each shard's team and key records handed to `eachShard` once it is
    /// checked (for a verifier's index, which keeps only what it needs). Returns the index and
    /// whether `trusted` signed it. The caller checks the state-wide invariants.
    public static func read(
        index data: Data, statePath: String, from source: some StateShardSource, trusting trusted: StatePublicKey?,
        eachShard: (StateIndex.Entry, [TeamRecord], [KeyRecord]) throws(StateFileError) -> Void
    ) throws(StateFileError) -> (index: StateIndex, signedByTrusted: Bool) {
        let index = try StateIndex.decode(data)
        let shell = index.state(keys: [])
        let verified = trusted.map { shell.isIndexSigned(by: $0, index: index) } ?? false
        let folder = StateFile.shardFolder(forStateAt: statePath)
        if !index.shards.isEmpty, !(try source.shardFolderExists(at: folder)) {
            throw StateFileError(.shardMismatch(file: folder, detail: "(the shard folder) is missing"))
        }
        for entry in index.shards {
            let path = StateFile.shardPath(entry.file, forStateAt: statePath)
            guard let bytes = try source.shardBytes(at: path) else {
                throw StateFileError(.shardMismatch(file: entry.file, detail: "named by the index is missing from \(folder)"))
            }
            guard SHA256Text.of(bytes) == entry.sha256 else {
                throw StateFileError(.shardMismatch(
                    file: entry.file, detail: "does not match the hash the index records (edited or replaced after apply wrote it)"))
            }
            guard let shard = CanonicalStateReader.readShard(bytes) else {
                throw StateFileError(.shardMismatch(file: entry.file, detail: "is not a shard keysync writes"))
            }
            var bucketOf: [String: String] = [:]
            func inBucket(_ team: String) -> Bool {
                if bucketOf[team] == nil { bucketOf[team] = StateShard.bucket(ofTeam: team) }
                return bucketOf[team] == entry.bucket
            }
            guard shard.keys.count == entry.keys, !(shard.keys.isEmpty && shard.teams.isEmpty),
                  shard.keys.allSatisfy({ inBucket($0.team) }), shard.teams.allSatisfy({ inBucket($0.name) }),
                  zip(shard.keys, shard.keys.dropFirst()).allSatisfy({ ($0.team, $0.name, $0.id) < ($1.team, $1.name, $1.id) }),
                  zip(shard.teams, shard.teams.dropFirst()).allSatisfy({ $0.name < $1.name })
            else {
                throw StateFileError(.shardMismatch(file: entry.file, detail: "does not hold exactly bucket \(entry.bucket)'s records in order"))
            }
            if !verified, !StateShard.isEncoding(of: bytes, teams: shard.teams, keys: shard.keys) {
                throw StateFileError(.notCanonical, line: 1, column: 1)
            }
            try eachShard(entry, shard.teams, shard.keys)
        }
        return (index, verified)
    }
}

extension StateFile {
    /// Whether `trusted` signed `index` (this state's index, read as is): the payload is the
    /// index without its signature block, which names every shard by its hash.
    func isIndexSigned(by trusted: StatePublicKey, index: StateIndex) -> Bool {
        guard let value = try? signatureValue(trusting: trusted) else { return false }
        var unsigned = index
        unsigned.signature = nil
        return trusted.key.isValidSignature(value, for: Data(Self.signingDomain.utf8) + unsigned.encoded())
    }
}
