import ArgumentParser

/// `--quiet`, shared by the commands that can run long (`validate`, `plan`, `apply`, and every
/// command that reads a large state: `list`, `expiring`, `audit verify`, `verify`, `usage`,
/// `notify`): progress on standard error unless it is given. `KEYSYNC_PROGRESS` (auto, always,
/// never) says when progress is shown otherwise; `Console.progress(quiet:)` decides.
struct ProgressOptions: ParsableArguments {
    @Flag(help: "Show no progress on standard error. Without it, a run over 2 s shows progress (KEYSYNC_PROGRESS: auto, always, never).")
    var quiet = false
}
