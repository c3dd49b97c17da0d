import Foundation
import Manifest
import Reconciler

/// The state an apply of the generated manifest would leave behind, built without running apply:
/// plan against the empty state, then record every planned creation as a `KeyRecord` holding the
/// hash and preview of a real key minted with `APIKey.mint` (a seeded generator, so every run
/// benchmarks the same bytes). The raw keys are returned for the in-process verify benchmark and
/// never written anywhere. Planning the same manifest against it must find nothing to do.
enum ConvergedState {
    static let createdAt = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18, a week before "now"

    static func make(manifestPath: String, now: Date) throws -> (state: StateFile, keys: [APIKey]) {
        let read = ManifestLoader.readSources(at: manifestPath)
        guard let manifest = ManifestLoader.load(read.sources).manifest else {
            throw BenchUsage("the generated manifest does not validate")
        }
        let (plan, _) = Planner.plan(manifest: manifest, state: .empty, now: now)
        var rng = SeededGenerator(seed: 0x6b65_7973_796e_63)
        let teams = plan.teamChanges.compactMap(\.after)
        var keys: [KeyRecord] = []
        var raw: [APIKey] = []
        keys.reserveCapacity(plan.keyChanges.count)
        for change in plan.keyChanges {
            guard let new = change.newKey else { continue }
            let key = try APIKey.mint(prefix: plan.prefix, using: &rng)
            raw.append(key)
            keys.append(KeyRecord(
                id: KeyID.mint(using: &rng), team: change.team, name: change.name,
                generation: new.generation, hash: key.hash, preview: key.preview,
                createdAt: createdAt, createdBy: "keysync-bench",
                expiresAt: new.expiration?.resolve(createdAt: createdAt), rateLimit: new.rateLimit,
                description: new.description, owner: new.owner, status: new.status,
                sealedFile: "000001-\(change.team).age"))
        }
        var state = StateFile(lineage: "00000000-0000-4000-8000-62656e636800", serial: 1, prefix: plan.prefix,
                              teams: teams, keys: keys)
        state.version = StateFile.currentVersion  // the layout apply writes: an index and team shards
        return (state, raw)
    }

    /// Writes `state` as apply would: the index at `path`, the shards in the folder beside it.
    static func write(_ state: StateFile, to path: String) throws {
        let files = state.encodedFiles()
        let folder = StateFile.shardFolder(forStateAt: path)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for shard in files.shards { try shard.bytes.write(to: URL(fileURLWithPath: folder + "/" + shard.file)) }
        try files.index.write(to: URL(fileURLWithPath: path))
    }
}

/// SplitMix64: repeatable, fast, and good enough to fill benchmark keys (never used for real keys).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
