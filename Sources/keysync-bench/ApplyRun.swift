import Foundation

/// One `keysync apply` creating every key of the manifest from an empty state, in a fresh
/// folder (state, sealed files and audit log), timed as a child process like the others.
struct ApplyRun {
    var manifest: String
    var directory: String
    var keysync: String
    var environment: [String: String]

    func measure() throws -> ProcessMeasurement {
        let fm = FileManager.default
        try? fm.removeItem(atPath: directory)
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try measureProcess(
            [keysync, "apply", "-m", manifest, "--state", directory + "/keysync.state.json",
             "--sealed-dir", directory + "/sealed", "--audit-log", directory + "/keysync.audit.jsonl",
             "--actor", "keysync-bench"],
            environment: environment)
    }
}
