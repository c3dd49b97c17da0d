import Foundation

/// The measurements, in the order they appear in BENCHMARKS.md.
struct Benchmark {
    var options: BenchOptions

    func run() throws -> BenchReport {
        let fm = FileManager.default
        try? fm.removeItem(atPath: options.workDirectory)
        try fm.createDirectory(atPath: options.workDirectory, withIntermediateDirectories: true)
        var rows: [BenchRow] = []
        for size in options.sizes {
            let generator = ManifestGenerator(keys: size)
            let dir = options.workDirectory + "/\(size)"
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let manifest = dir + "/keys.yaml"
            try generator.yaml().write(toFile: manifest, atomically: false, encoding: .utf8)
            log("\(generator.keyCount) keys: \(try fileSize(manifest) / 1_000_000) MB manifest")

            let scan = try medianOf(options.runs) { try measureProcess([options.yamlScan, manifest]) }
            let validate = try medianOf(options.runs) {
                try measureProcess([options.keysync, "validate", manifest])
            }
            rows.append(BenchRow(
                operation: "validate", keys: generator.keyCount, measured: validate,
                floorName: "libyaml event scan (C)", floor: scan, targetRatio: 3,
                memoryLimitBytes: 200_000_000))
        }
        return BenchReport(machine: describeMachine(), rows: rows, notes: [])
    }

    private func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data("keysync-bench: \(message)\n".utf8))
    }
}
