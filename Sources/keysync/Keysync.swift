import ArgumentParser

/// The root command: only wiring. Each subcommand lives in its own file and keeps `run()`
/// short, calling the libraries' pure functions and deciding output and exit codes here.
@main
struct Keysync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keysync",
        abstract: "Manage API keys declaratively: declared in git, planned in review, applied by CI.",
        version: KeysyncVersion.current,
        subcommands: [
            KeygenCommand.self,
            UnsealCommand.self,
            AuditCommand.self,
            ValidateCommand.self,
            PlanCommand.self,
            VerifyCommand.self,
            ListCommand.self,
            ExpiringCommand.self,
            ApplyCommand.self,
        ]
    )
}

enum KeysyncVersion {
    static let current = "0.1.0"
}
