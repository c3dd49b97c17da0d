import ArgumentParser
import Foundation
import Logging

/// The root command: only wiring. Each subcommand lives in its own file and keeps `run()`
/// short, calling the libraries' pure functions and deciding output and exit codes here.
@main
struct Keysync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keysync",
        abstract: "Manage API keys declaratively: declared in git, planned in review, applied by CI.",
        version: KeysyncVersion.current,
        subcommands: [
            ValidateCommand.self,
            PlanCommand.self,
            ApplyCommand.self,
            VerifyCommand.self,
            ListCommand.self,
            ExpiringCommand.self,
            NotifyCommand.self,
            KeygenCommand.self,
            UnsealCommand.self,
            AuditCommand.self,
            ServeCommand.self,
            UsageCommand.self,
            RequestsCommand.self,
            SchemaCommand.self,
        ]
    )
}

extension Keysync {
    /// Logs go to standard error, at the level `KEYSYNC_LOG_LEVEL` names (trace, debug, info,
    /// notice, warning, error, critical; default warning), so standard output stays the
    /// command's own (a plan, JSON) and CI can turn on `debug` to see each step of an apply.
    static func main() async {
        let name = ProcessInfo.processInfo.environment["KEYSYNC_LOG_LEVEL"] ?? ""
        let level = Logger.Level(rawValue: name.lowercased()) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var console = Console.current
        do {
            var command = try parseAsRoot(nil)
            console = Console.current(for: command)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            console.exit(with: error)
        }
    }
}

enum KeysyncVersion {
    static let current = "0.1.0"
}
