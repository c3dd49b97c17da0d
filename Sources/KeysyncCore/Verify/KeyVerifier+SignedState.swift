import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A signed state read straight into a verifier: for a server that holds a state only to verify
/// keys against it.
public struct SignedVerifierState: Sendable {
    public let verifier: KeyVerifier
    /// The state without its keys (`keys` empty): lineage, serial, teams, prefix, signature.
    public let shell: StateFile

    public init(verifier: KeyVerifier, shell: StateFile) {
        self.verifier = verifier
        self.shell = shell
    }
}

extension KeyVerifier {
    /// Reads the signed state in `bytes` in one pass, handing each key record to the verifier's
    /// index as it is read (so the records are never all held: at 100k keys they are ~100 MB),
    /// then checks `trusted`'s signature over the bytes themselves, consuming them (see
    /// `StateFile.verifySignature(trusting:consumingSignedBytes:)`). The valid signature is what
    /// vouches for the content, as `StateFile.decode` followed by `verifySignature` would: the
    /// signer only signs canonical encodings of valid states.
    ///
    /// Throws what is wrong with the signature (missing, another signer, tampered bytes).
    /// Returns `nil`, bytes untouched, when the one-pass reader does not vouch for them or no
    /// signature member sits where canonical bytes hold it: decode them with `StateFile.decode`,
    /// the reference, which says what is wrong.
    public static func readingSigned(_ bytes: inout Data, trusting trusted: StatePublicKey)
        throws(StateSignatureError) -> SignedVerifierState?
    {
        var index = Index()
        // Room for exactly the records the file holds, so the index (alive beside the file's
        // bytes: the load's peak) is neither grown by doubling nor reserved for more.
        index.reserveCapacity(keyRecordLines(in: bytes))
        // Unsigned: left to the reference, which refuses a non-canonical file first, as before.
        guard let shell = CanonicalStateReader.read(bytes, eachKey: { index.add($0) }), shell.signature != nil
        else { return nil }
        guard try shell.verifySignature(trusting: trusted, consumingSignedBytes: &bytes) != nil else { return nil }
        // Taken out of the variable the reader's closure captured, so the verifier gets the only
        // reference to the entries and fixes them up in place (a second reference made it copy
        // all of them: 15 MB at 100k keys, at the load's peak).
        var built = Index()
        swap(&built, &index)
        return SignedVerifierState(verifier: KeyVerifier(consume built, shell: shell), shell: shell)
    }

    /// The lines of canonical `bytes` that open a key record's `hash` member (six spaces of
    /// indent: only key records have a member of that name at that depth, and a string cannot
    /// hold its unescaped quotes). For reserving the index only: a wrong count costs memory or
    /// a regrowth, never an answer.
    static func keyRecordLines(in bytes: Data) -> Int {
        let line = Array("      \"hash\": \"".utf8)
        return bytes.withUnsafeBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            var count = 0
            var offset = 0
            while offset < raw.count, let newline = memchr(base + offset, 0x0A, raw.count - offset) {
                let next = base.distance(to: UnsafeRawPointer(newline)) + 1
                if raw.count - next >= line.count, memcmp(base + next, line, line.count) == 0 { count += 1 }
                offset = next
            }
            return count
        }
    }
}

extension KeyVerifier {
    /// Reads a sharded (version 3) signed state into a verifier: the index's signature by
    /// `trusted` is checked first (throwing what is wrong), then each shard, by the hash the
    /// index names, goes straight into the verifier's index. The valid signature vouches for
    /// the records as it does for a one-file state (see `readingSigned`).
    public static func readingSignedSharded(
        index bytes: Data, statePath: String, from source: some StateShardSource, trusting trusted: StatePublicKey
    ) throws(ShardedVerifierLoadError) -> SignedVerifierState {
        let parsed: StateIndex
        do {
            parsed = try StateIndex.decode(bytes)
        } catch {
            throw .unreadable(error)
        }
        do {
            try parsed.verifySignature(trusting: trusted)
        } catch {
            throw .untrusted(error)
        }
        var index = Index()
        index.reserveCapacity(parsed.shards.reduce(0) { $0 + $1.keys })
        var teams: [TeamRecord] = []
        do {
            _ = try ShardedStateReader.read(index: bytes, statePath: statePath, from: source, trusting: trusted) {
                (_, shardTeams, records) throws(StateFileError) in
                teams.append(contentsOf: shardTeams)
                for record in records { index.add(record) }
            }
        } catch {
            throw .unreadable(error)
        }
        var built = Index()
        swap(&built, &index)
        let shell = parsed.state(teams: teams, keys: []).normalized
        return SignedVerifierState(verifier: KeyVerifier(consume built, shell: shell), shell: shell)
    }
}

/// Why a sharded state could not be loaded into a verifier.
public enum ShardedVerifierLoadError: Error, Sendable {
    case unreadable(StateFileError)
    case untrusted(StateSignatureError)
}
