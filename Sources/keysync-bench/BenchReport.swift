import Foundation

/// One line of the results table: a keysync figure beside its floor and the target ratio.
struct BenchRow {
    var operation: String
    var keys: Int
    var measured: ProcessMeasurement
    var floorName: String?
    var floor: ProcessMeasurement?
    /// Target: measured ≤ target × floor.
    var targetRatio: Double?
    var memoryLimitBytes: Int?

    var ratio: Double? { floor.map { measured.seconds / $0.seconds } }

    var verdict: String {
        var parts: [String] = []
        if let ratio, let targetRatio { parts.append(ratio <= targetRatio ? "ok" : "MISSED time") }
        if let memoryLimitBytes {
            parts.append(measured.peakMemoryBytes <= memoryLimitBytes ? "ok" : "MISSED memory")
        }
        return Set(parts).count == 1 && parts.first == "ok" ? "ok" : parts.filter { $0 != "ok" }.joined(separator: ", ")
    }
}

struct BenchReport {
    var machine: String
    var rows: [BenchRow]
    /// Figures that are rates, not process timings (verify throughput).
    var notes: [String]

    func markdown() -> String {
        var out = "Machine: \(machine)\n\n"
        out += "| operation | keys | keysync | peak memory | floor | floor time | ratio | target | verdict |\n"
        out += "|---|---:|---:|---:|---|---:|---:|---|---|\n"
        for row in rows {
            let floorTime = row.floor.map { format(seconds: $0.seconds) } ?? "–"
            let ratio = row.ratio.map { String(format: "%.2f×", $0) } ?? "–"
            var target: [String] = []
            if let t = row.targetRatio { target.append(String(format: "≤ %.0f× floor", t)) }
            if let m = row.memoryLimitBytes { target.append("< \(m / 1_000_000) MB") }
            out += "| \(row.operation) | \(row.keys) | \(format(seconds: row.measured.seconds)) "
            out += "| \(format(bytes: row.measured.peakMemoryBytes)) | \(row.floorName ?? "–") | \(floorTime) "
            out += "| \(ratio) | \(target.isEmpty ? "–" : target.joined(separator: ", ")) | \(target.isEmpty ? "–" : row.verdict) |\n"
        }
        for note in notes { out += "\n\(note)\n" }
        return out
    }

    private func format(seconds: Double) -> String {
        seconds < 1 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }

    private func format(bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }
}

/// What the figures were measured on, so BENCHMARKS.md says it beside them.
func describeMachine() -> String {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
    return "\(model), \(cores) cores, \(String(format: "%.0f", memory)) GiB, \(ProcessInfo.processInfo.operatingSystemVersionString)"
}
