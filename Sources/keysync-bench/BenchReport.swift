import Foundation

/// One line of the results table: a keysync figure beside its floor and the target.
struct BenchRow {
    /// A figure is either a timed child process (wall time and peak memory) or an in-process
    /// rate (keys per second on one core).
    enum Figure {
        case process(ProcessMeasurement)
        case rate(Double)
    }

    var operation: String
    var keys: Int
    var measured: Figure
    var floorName: String?
    var floor: Figure?
    /// Target for a timed figure: measured ≤ target × floor.
    var targetRatio: Double?
    var memoryLimitBytes: Int?
    /// Target for a rate: at least this many keys per second.
    var minimumRate: Double?
    /// The largest file the operation wrote into the repository (`--largest-file`); `nil` for
    /// operations that write none.
    var largestFileBytes: Int? = nil
    /// Which file that was, relative to the repository folder.
    var largestFilePath: String? = nil

    /// How many times the floor's cost keysync's figure is (time over time, or floor rate over
    /// rate): 1× is the floor itself, lower is better.
    var ratio: Double? {
        switch (measured, floor) {
        case (.process(let m), .process(let f)?): m.seconds / f.seconds
        case (.rate(let m), .rate(let f)?): f / m
        default: nil
        }
    }

    var target: String {
        var parts: [String] = []
        if let targetRatio { parts.append(String(format: "≤ %.0f× floor", targetRatio)) }
        if let memoryLimitBytes { parts.append("< \(memoryLimitBytes / 1_000_000) MB") }
        if let minimumRate { parts.append("≥ \(BenchRow.format(rate: minimumRate))") }
        return parts.isEmpty ? "–" : parts.joined(separator: ", ")
    }

    var verdict: String {
        var missed: [String] = []
        if let ratio, let targetRatio, ratio > targetRatio { missed.append("MISSED time") }
        if let memoryLimitBytes, case .process(let m) = measured, m.peakMemoryBytes >= memoryLimitBytes {
            missed.append("MISSED memory")
        }
        if let minimumRate, case .rate(let r) = measured, r < minimumRate { missed.append("MISSED rate") }
        if target == "–" { return "–" }
        return missed.isEmpty ? "ok" : missed.joined(separator: ", ")
    }

    static func format(_ figure: Figure) -> String {
        switch figure {
        case .process(let m): format(seconds: m.seconds)
        case .rate(let r): format(rate: r)
        }
    }

    static func format(seconds: Double) -> String {
        seconds < 1 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.2f s", seconds)
    }

    static func format(rate: Double) -> String {
        rate >= 1_000_000 ? String(format: "%.2f M keys/s", rate / 1_000_000) : String(format: "%.0f k keys/s", rate / 1000)
    }
}

struct BenchReport {
    var machine: String
    var rows: [BenchRow]
    /// How a figure was obtained when the table alone does not say (a scaled sample).
    var notes: [String]
    /// Whether the table has the "largest file written" column (`--largest-file`).
    var showsLargestFile = false

    func markdown() -> String {
        var out = "Machine: \(machine)\n\n"
        out += "| operation | keys | keysync | peak memory |\(showsLargestFile ? " largest file written |" : "") floor | floor figure | ratio | target | verdict |\n"
        out += "|---|---:|---:|---:|\(showsLargestFile ? "---:|" : "")---|---:|---:|---|---|\n"
        for row in rows {
            var memory = "–"
            if case .process(let m) = row.measured { memory = String(format: "%.1f MB", Double(m.peakMemoryBytes) / 1_000_000) }
            let floor = row.floor.map(BenchRow.format) ?? "–"
            let ratio = row.ratio.map { String(format: "%.2f×", $0) } ?? "–"
            out += "| \(row.operation) | \(row.keys) | \(BenchRow.format(row.measured)) | \(memory) "
            if showsLargestFile {
                out += "| " + (row.largestFileBytes.map { String(format: "%.1f MB", Double($0) / 1_000_000) + " (`\(row.largestFilePath ?? "?")`)" } ?? "–") + " "
            }
            out += "| \(row.floorName ?? "–") | \(floor) | \(ratio) | \(row.target) | \(row.verdict) |\n"
        }
        for note in notes { out += "\n\(note)\n" }
        return out
    }
}

/// What the figures were measured on, so BENCHMARKS.md says it beside them.
func describeMachine() -> String {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
    let os = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
        .map { $0.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        ?? ProcessInfo.processInfo.operatingSystemVersionString
    let date = ISO8601DateFormatter().string(from: Date())
    return "\(model), \(cores) cores, \(String(format: "%.0f", memory)) GiB, \(os), \(swiftVersion()), measured \(date)"
}

private func swiftVersion() -> String {
    let pipe = Pipe()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["swift", "--version"]
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return "Swift (unknown version)" }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    return text.split(separator: "\n").first.map { String($0.replacingOccurrences(of: " (", with: " ").split(separator: " ").prefix(3).joined(separator: " ")) } ?? "Swift"
}

extension BenchRow {
    /// A timed row: a keysync child process beside a timed floor.
    init(
        operation: String, keys: Int, measured: ProcessMeasurement, floorName: String,
        floor: ProcessMeasurement, targetRatio: Double, memoryLimitBytes: Int, largestFile: (bytes: Int, path: String)? = nil
    ) {
        self.init(
            operation: operation, keys: keys, measured: .process(measured), floorName: floorName,
            floor: .process(floor), targetRatio: targetRatio, memoryLimitBytes: memoryLimitBytes,
            largestFileBytes: largestFile?.bytes, largestFilePath: largestFile?.path)
    }
}
