import Crypto
import Foundation
import KeysyncCore

/// One loaded state as the request path sees it: immutable, shared by every request until the
/// watcher swaps in the next one. Everything a decision needs is here, so a decision is a pure
/// function of a snapshot, a presented key, the limiter and the time. A class: every request
/// takes the current snapshot, and one reference is one retain where a struct of seven
/// reference-counted fields was seven.
public final class StateSnapshot: Sendable {
    public let verifier: KeyVerifier
    public let lineage: String?
    public let serial: Int
    /// SHA-256 of the file's bytes, to tell an unchanged file from a changed one at the same
    /// serial (only apply writes the state, always in its canonical form). The state itself is
    /// not kept: at 100k keys it is most of the process's memory, and the verifier has what
    /// requests need.
    let contentDigest: SHA256.Digest
    /// Team name → plan name: the `X-Keysync-Plan` header and the `plan` label of metrics.
    let plans: [String: String]
    /// Whether the configured public key checked the signature (`false`: none configured).
    public let signatureVerified: Bool
    public let loadedAt: Date

    /// `verifier` is of `state` (whose `keys` are not read again: a streamed state has none).
    init(verifier: KeyVerifier, state: StateFile, contentDigest: SHA256.Digest, signatureVerified: Bool, loadedAt: Date) {
        self.verifier = verifier
        lineage = state.lineage
        serial = state.serial
        self.contentDigest = contentDigest
        var plans: [String: String] = [:]
        for team in state.teams { plans[team.name] = team.plan }
        self.plans = plans
        self.signatureVerified = signatureVerified
        self.loadedAt = loadedAt
    }

    public var keyCount: Int { verifier.count }

    func plan(ofTeam team: String) -> String? { plans[team] }
}

/// Why a state file was not (re)loaded. The last good snapshot stays in use.
public enum StateLoadError: Error, Sendable, CustomStringConvertible {
    case missing(path: String)
    case unreadable(StateFileError)
    case untrusted(StateSignatureError)
    /// Another state history: a state is never swapped for one of another lineage.
    case otherLineage(loaded: String?, found: String?)
    /// An older state (a rollback, or a replayed file): refused.
    case olderSerial(loaded: Int, found: Int)
    /// The same serial with other content: only `apply` raises the serial, so this is not its work.
    case sameSerialChanged(serial: Int)

    public var description: String {
        switch self {
        case .missing(let path):
            "the state file \(path) does not exist"
        case .unreadable(let error):
            "the state file cannot be read: \(error)"
        case .untrusted(let error):
            error.message
        case .otherLineage(let loaded, let found):
            "the state file belongs to another lineage (\(found ?? "none")) than the one being served (\(loaded ?? "none"))"
        case .olderSerial(let loaded, let found):
            "the state file's serial \(found) is lower than the serial \(loaded) being served (a rollback is refused)"
        case .sameSerialChanged(let serial):
            "the state file changed but kept serial \(serial); only keysync apply writes the state"
        }
    }

    /// A short label for the `reason` of the reload-failure metric.
    var metricLabel: String {
        switch self {
        case .missing: "missing"
        case .unreadable: "unreadable"
        case .untrusted: "signature"
        case .otherLineage: "lineage"
        case .olderSerial, .sameSerialChanged: "rollback"
        }
    }
}

/// Reads a state file and decides whether it may replace `current`: readable, signed by the
/// trusted key (when one is configured), the same lineage and a serial no lower than the one
/// served (the rollback floor). Returns `nil` when the file holds exactly the served state.
enum StateLoader {
    static func load(path: String, trustedKey: StatePublicKey?, replacing current: StateSnapshot?, now: Date)
        throws(StateLoadError) -> StateSnapshot?
    {
        // Never through a symbolic link, and only a regular file: the same rule as the shards.
        let read: Data?
        do {
            read = try LocalStateShardSource().shardBytes(at: path)
        } catch {
            throw .unreadable(error)
        }
        guard var data = read else { throw .missing(path: path) }
        let digest = SHA256.hash(data: data)
        // A signed state goes straight into the verifier's index, record by record, and its
        // signature over the file's own bytes vouches for them; otherwise, or when the one-pass
        // reader does not vouch for the bytes, the reference decoder reads them.
        var signed: SignedVerifierState?
        if ShardedStateReader.isIndex(data) {
            // A sharded state: the index, then each shard by the hash the index names, so a
            // reload racing an apply never mixes an old index with new shards.
            signed = try loadSharded(index: data, path: path, trustedKey: trustedKey)
        } else if let trustedKey {
            do {
                signed = try KeyVerifier.readingSigned(&data, trusting: trustedKey)
            } catch {
                throw .untrusted(error)
            }
        }
        let state: StateFile
        let verifier: KeyVerifier
        if let signed {
            (state, verifier) = (signed.shell, signed.verifier)
        } else {
            state = try decodeVerifying(&data, trusting: trustedKey)
            verifier = KeyVerifier(state: state)
        }
        data = Data()  // the file's bytes are not needed past this point
        if let current {
            // The verification library's floor: never another lineage, never a lower serial.
            do {
                try StateFloor(lineage: current.lineage, serial: current.serial).check(state)
            } catch {
                switch error {
                case .otherLineage: throw .otherLineage(loaded: current.lineage, found: state.lineage)
                case .older: throw .olderSerial(loaded: current.serial, found: state.serial)
                }
            }
            if state.serial == current.serial {
                guard digest == current.contentDigest else {
                    throw .sameSerialChanged(serial: state.serial)
                }
                return nil
            }
        }
        return StateSnapshot(verifier: verifier, state: state, contentDigest: digest,
                             signatureVerified: trustedKey != nil, loadedAt: now)
    }

    /// A sharded state as a verifier and its shell (without keys): signed by `trustedKey`, its
    /// shards streamed into the verifier; without a key, read whole and checked like any state.
    private static func loadSharded(index data: Data, path: String, trustedKey: StatePublicKey?)
        throws(StateLoadError) -> SignedVerifierState
    {
        guard let trustedKey else {
            do {
                let state = try ShardedStateReader.read(index: data, statePath: path, from: LocalStateShardSource()).state
                var shell = state
                shell.keys = []
                return SignedVerifierState(verifier: KeyVerifier(state: state), shell: shell)
            } catch {
                throw .unreadable(error)
            }
        }
        do {
            return try KeyVerifier.readingSignedSharded(index: data, statePath: path, from: LocalStateShardSource(), trusting: trustedKey)
        } catch {
            switch error {
            case .unreadable(let error): throw .unreadable(error)
            case .untrusted(let error): throw .untrusted(error)
            }
        }
    }

    /// The reference path: decode (canonical form checked), then the signature when a key is trusted.
    private static func decodeVerifying(_ data: inout Data, trusting trustedKey: StatePublicKey?)
        throws(StateLoadError) -> StateFile
    {
        let state: StateFile
        do {
            state = try StateFile.decode(data)
        } catch {
            throw .unreadable(error)
        }
        if let trustedKey {
            do {
                // The decoded bytes are the canonical encoding: the payload is cut from them in
                // place instead of encoding the state again (at 100k keys, 72 MB saved twice).
                try state.verifySignature(trusting: trustedKey, consumingCanonicalBytes: &data)
            } catch {
                throw .untrusted(error)
            }
        }
        return state
    }
}
