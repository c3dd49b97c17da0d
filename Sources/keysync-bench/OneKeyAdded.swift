import Foundation

/// The change every pull request pays for (issue 14): one key added to a converged, signed
/// repository. `repository` is a folder a full `keysync apply` left (state, sealed files, audit
/// log); `manifest` is the same manifest with one more key. `plan` reads the repository as it
/// is; each `apply` runs on a fresh copy of it (the copy is not timed).
struct OneKeyAdded {
    var repository: String
    var manifest: String
    var directory: String
    var keysync: String
    var environment: [String: String]

    private func arguments(_ command: String, in folder: String) -> [String] {
        [keysync, command, "-m", manifest, "--state", folder + "/keysync.state.json",
         "--sealed-dir", folder + "/sealed", "--audit-log", folder + "/keysync.audit.jsonl"]
    }

    func measurePlan() throws -> ProcessMeasurement {
        try measureProcess(arguments("plan", in: repository), environment: environment)
    }

    func measureApply() throws -> ProcessMeasurement {
        let fm = FileManager.default
        try? fm.removeItem(atPath: directory)
        try fm.copyItem(atPath: repository, toPath: directory)
        return try measureProcess(arguments("apply", in: directory) + ["--actor", "keysync-bench"], environment: environment)
    }
}
