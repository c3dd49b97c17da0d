import Foundation
import Manifest
import Reconciler

/// The measurements, in the order they appear in BENCHMARKS.md.
struct Benchmark {
    var options: BenchOptions
    /// The clock every measured command sees (`KEYSYNC_NOW`), so plans are repeatable.
    static let now = "2026-11-25T12:00:00Z"
    /// The size the targets are set for (issues 2 and 5).
    static let targetKeys = 100_000

    func run() throws -> BenchReport {
        let fm = FileManager.default
        try? fm.removeItem(atPath: options.workDirectory)
        try fm.createDirectory(atPath: options.workDirectory, withIntermediateDirectories: true)
        var rows: [BenchRow] = []
        var notes: [String] = []
        // The path users run, as the CI templates configure it: apply signs, every reader checks.
        var keyGenerator = SeededGenerator(seed: 0x7369_676e)
        let signingKey = StateSigningKey.generate(using: &keyGenerator)
        let environment = [
            "KEYSYNC_NOW": Self.now, "NO_COLOR": "1",
            "KEYSYNC_SIGNING_KEY": signingKey.fileText(created: Timestamp.parse(Self.now)!),
            "KEYSYNC_STATE_PUBLIC_KEY": signingKey.publicKey.description,
        ]
        for size in options.sizes {
            let generator = ManifestGenerator(keys: size)
            let keys = generator.keyCount
            let dir = options.workDirectory + "/\(size)"
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            // A folder of files past 20,000 teams (a file may hold at most 64 MiB).
            let manifest = dir + (generator.isFolder ? "/keys" : "/keys.yaml")
            let manifestFiles = try generator.write(to: manifest)
            let converged = try ConvergedState.make(manifestPath: manifest, now: Timestamp.parse(Self.now)!)
            let convergedPath = dir + "/converged.state.json"
            try ConvergedState.write(converged.state.signed(with: signingKey), to: convergedPath)
            let emptyPath = dir + "/missing.state.json"  // a missing file is the empty state
            log("\(keys) keys: \(try manifestFiles.reduce(0) { $0 + (try fileSize($1)) } / 1_000_000) MB manifest in \(manifestFiles.count) file(s), \(try fileSize(convergedPath) / 1_000_000) MB converged state")

            let scan = try medianOf(options.runs) { try measureProcess([options.yamlScan] + manifestFiles) }
            let floorName = "libyaml event scan (C)"
            func measure(_ operation: String, _ arguments: [String], accepting: Set<Int32> = [0]) throws -> ProcessMeasurement {
                log("\(keys) keys: \(operation)")
                return try medianOf(options.runs) {
                    try measureProcess([options.keysync] + arguments, environment: environment, acceptedStatuses: accepting)
                }
            }
            rows.append(BenchRow(
                operation: "validate", keys: keys, measured: try measure("validate", ["validate", manifest]),
                floorName: floorName, floor: scan, targetRatio: 2, memoryLimitBytes: 200_000_000))
            rows.append(BenchRow(
                operation: "plan (empty state: all create)", keys: keys,
                measured: try measure("plan, empty state", ["plan", "-m", manifest, "--state", emptyPath]),
                floorName: floorName, floor: scan, targetRatio: 3, memoryLimitBytes: 200_000_000))
            rows.append(BenchRow(
                operation: "plan (converged state: no changes)", keys: keys,
                measured: try measure("plan, converged state", ["plan", "-m", manifest, "--state", convergedPath]),
                floorName: floorName, floor: scan, targetRatio: 3, memoryLimitBytes: 200_000_000))

            if options.measureApply {
                let applyRuns = options.applyRuns ?? options.runs
                log("\(keys) keys: in-process crypto floor")
                let floor = try CryptoFloor(sealing: SealingFloor(generator: generator, keys: converged.keys)).measure()
                log("\(keys) keys: apply")
                let applyDirectory = dir + "/apply"
                let apply = try medianOf(applyRuns) {
                    try ApplyRun(manifest: manifest, directory: applyDirectory, keysync: options.keysync,
                                 environment: environment).measure()
                }
                rows.append(BenchRow(
                    operation: "apply (create all, sealed per team)", keys: keys, measured: apply,
                    floorName: "in-process crypto (X25519, HKDF, ChaCha20-Poly1305 per team + SHA-256 per key)",
                    floor: floor, targetRatio: 3, memoryLimitBytes: 200_000_000,
                    largestFile: LargestFile.written(under: applyDirectory)))

                // The last apply left a converged, signed repository: add one key to it.
                let oneMore = dir + (generator.isFolder ? "/keys-one-more" : "/keys-one-more.yaml")
                _ = try generator.write(to: oneMore, extraKey: true)
                let added = OneKeyAdded(repository: applyDirectory, manifest: oneMore, directory: dir + "/one-key",
                                        keysync: options.keysync, environment: environment)
                log("\(keys) keys: plan, one key added")
                rows.append(BenchRow(
                    operation: "plan (one key added, converged signed repository)", keys: keys,
                    measured: try medianOf(options.runs) { try added.measurePlan() },
                    floorName: floorName, floor: scan, targetRatio: 3, memoryLimitBytes: 200_000_000))
                log("\(keys) keys: apply, one key added")
                rows.append(BenchRow(
                    operation: "apply (one key added, converged signed repository)", keys: keys,
                    measured: try medianOf(options.runs) { try added.measureApply() },
                    floorName: floorName, floor: scan, targetRatio: 4, memoryLimitBytes: 200_000_000,
                    largestFile: LargestFile.written(under: dir + "/one-key", comparedWith: applyDirectory)))
            }
            if options.measureVerify && size == options.sizes.max() {
                log("\(keys) keys: verify throughput")
                rows.append(contentsOf: try VerifyThroughput(
                    state: converged.state, keys: converged.keys, now: Timestamp.parse(Self.now)!
                ).measure(runs: options.runs))
            }
            if options.measureServe && size == options.sizes.max() {
                log("\(keys) keys: serve under wrk")
                let (row, note) = try ServeThroughput(
                    state: converged.state.signed(with: signingKey), keys: converged.keys, keysync: options.keysync,
                    directory: dir + "/serve", publicKey: signingKey.publicKey.description
                ).measure()
                rows.append(row)
                notes.append(note)
            }
            if options.measureBackends && size == options.sizes.max() {
                log("\(keys) keys: serve with SQLite and with PostgreSQL")
                let (backendRows, backendNotes) = try ServeBackendComparison(
                    state: converged.state.signed(with: signingKey), keys: converged.keys, keysync: options.keysync,
                    directory: dir + "/serve-backends", publicKey: signingKey.publicKey.description, runs: options.backendRuns,
                    postgresCPU: options.backendPostgresCPU
                ).measure()
                rows += backendRows
                notes += backendNotes
            }
        }
        // The issues set their targets at 100k keys; smaller sizes show how figures scale (at 1k,
        // mostly process start-up) and carry no verdict.
        for index in rows.indices where rows[index].keys < Self.targetKeys {
            rows[index].targetRatio = nil
            rows[index].memoryLimitBytes = nil
            rows[index].minimumRate = nil
        }
        return BenchReport(machine: describeMachine(), rows: rows, notes: notes, showsLargestFile: options.largestFile)
    }

    private func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}

func log(_ message: String) {
    FileHandle.standardError.write(Data("keysync-bench: \(message)\n".utf8))
}
