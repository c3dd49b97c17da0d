import Foundation

/// keysync-bench: measures keysync against the floors the issues name, in one run, and prints
/// a Markdown table for BENCHMARKS.md. Run it through `bench/run`, which builds in release mode
/// and compiles the C floor.
///
///   keysync-bench --keysync PATH --yaml-scan PATH --rusage PATH [--sizes 1000,10000,100000] [--runs 5]
///                 [--apply yes|no] [--apply-runs N] [--verify yes|no] [--serve yes|no] [--work DIR]
///                 [--backends yes|no] [--backend-runs N] [--backend-postgres-cpu 0|1|any]
///                 [--largest-file yes|no]
struct BenchOptions {
    var keysync = ".build/release/keysync"
    var yamlScan = ".build-bench/yaml_scan"
    var rusage = ".build-bench/rusage"
    var sizes = [1_000, 10_000, 100_000]
    var runs = 5
    var workDirectory = NSTemporaryDirectory() + "keysync-bench"
    /// `apply` rows (and their in-process crypto floor) and the one-key-added rows, which run
    /// on the repository the last apply left; `--apply no` skips them while iterating.
    var measureApply = true
    /// Runs of `apply` and its floor (each creates every key and seals every team, so they are
    /// the slow rows); defaults to `--runs`.
    var applyRuns: Int?
    /// The in-process verify throughput rows, at the largest size only.
    var measureVerify = true
    /// The `keysync serve` row under wrk beside nginx, at the largest size only.
    var measureServe = true
    /// One serve node with SQLite, then with a PostgreSQL backend (a throwaway cluster), at the
    /// largest size only; off unless asked for (it needs PostgreSQL).
    var measureBackends = false
    /// Alternating SQLite/PostgreSQL pairs of that comparison.
    var backendRuns = 3
    /// The core the comparison's PostgreSQL server is pinned to (`nil`: unpinned); by default
    /// the node's, where SQLite's work happens too.
    var backendPostgresCPU: Int? = 0
    /// `--largest-file yes`: a column with the largest file each apply wrote (issue 14).
    var largestFile = false

    init(_ arguments: [String]) throws {
        var it = arguments.makeIterator()
        while let arg = it.next() {
            guard let value = it.next() else { throw BenchUsage("\(arg) needs a value") }
            switch arg {
            case "--keysync": keysync = value
            case "--yaml-scan": yamlScan = value
            case "--rusage": rusage = value
            case "--sizes": sizes = value.split(separator: ",").compactMap { Int($0) }
            case "--runs": runs = Int(value) ?? runs
            case "--work": workDirectory = value
            case "--apply": measureApply = value != "no"
            case "--apply-runs": applyRuns = Int(value)
            case "--verify": measureVerify = value != "no"
            case "--serve": measureServe = value != "no"
            case "--backends": measureBackends = value == "yes"
            case "--largest-file": largestFile = value == "yes"
            case "--backend-runs": backendRuns = Int(value) ?? backendRuns
            case "--backend-postgres-cpu":
                guard value == "any" || Int(value) != nil else { throw BenchUsage("--backend-postgres-cpu must be a CPU number or any") }
                backendPostgresCPU = Int(value)
            default: throw BenchUsage("unknown option \(arg)")
            }
        }
    }
}

struct BenchUsage: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

do {
    let options = try BenchOptions(Array(CommandLine.arguments.dropFirst()))
    rusageHelper = options.rusage
    let report = try Benchmark(options: options).run()
    print(report.markdown())
} catch {
    FileHandle.standardError.write(Data("keysync-bench: \(error)\n".utf8))
    exit(1)
}
