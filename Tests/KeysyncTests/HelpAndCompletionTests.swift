import Foundation
import XCTest

/// `--help` of the root command and of every subcommand, compared with golden files in
/// `Fixtures/help/` (regenerate with KEYSYNC_UPDATE_GOLDEN=1), and the shell completion scripts
/// swift-argument-parser generates.
final class HelpAndCompletionTests: XCTestCase {
    private let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/help")
    /// A fixed width, so wrapping does not depend on the terminal the tests run in.
    private let environment = ["COLUMNS": "100"]

    /// The subcommand paths `keysync --help` lists, with nested ones (`audit verify`).
    private func subcommands() throws -> [[String]] {
        func listed(in help: String) -> [String] {
            guard let section = help.components(separatedBy: "SUBCOMMANDS:\n").dropFirst().first else { return [] }
            // Names start two spaces in; wrapped abstracts are indented further; a blank line ends the list.
            return section.components(separatedBy: "\n").prefix { $0.hasPrefix("  ") }.compactMap { line in
                guard !line.hasPrefix("   ") else { return nil }
                let word = line.split(separator: " ").first.map(String.init)
                return word == "help" ? nil : word
            }
        }
        var paths: [[String]] = []
        for name in listed(in: try Keysync.run(["--help"], environment: environment).stdout) {
            paths.append([name])
            for nested in listed(in: try Keysync.run([name, "--help"], environment: environment).stdout) {
                paths.append([name, nested])
            }
        }
        return paths
    }

    func testSubcommandListIsComplete() throws {
        let names = try subcommands().map { $0.joined(separator: " ") }
        for expected in ["validate", "plan", "keygen", "unseal", "audit", "audit verify", "schema"] {
            XCTAssertTrue(names.contains(expected), "keysync --help does not list \(expected): \(names)")
        }
    }

    func testHelpMatchesGoldenFilesAndEverySubcommandHasAnExample() throws {
        let update = ProcessInfo.processInfo.environment["KEYSYNC_UPDATE_GOLDEN"] == "1"
        for path in [[]] + (try subcommands()) {
            let result = try Keysync.run(path + ["--help"], environment: environment)
            let label = (["keysync"] + path).joined(separator: " ")
            XCTAssertEqual(result.exitCode, 0, label)
            if !path.isEmpty {
                XCTAssertTrue(result.stdout.contains("Examples:\n"), "\(label) --help shows no example")
                XCTAssertTrue(result.stdout.contains("  keysync \(path.joined(separator: " "))"),
                              "\(label) --help has no example of itself")
            }
            let golden = goldenFolder.appendingPathComponent((["keysync"] + path).joined(separator: "-") + ".txt")
            if update {
                try FileManager.default.createDirectory(at: goldenFolder, withIntermediateDirectories: true)
                try Data(result.stdout.utf8).write(to: golden)
                continue
            }
            guard let expected = try? String(decoding: Data(contentsOf: golden), as: UTF8.self) else {
                XCTFail("no golden file \(golden.lastPathComponent) for `\(label) --help`; run the tests with KEYSYNC_UPDATE_GOLDEN=1")
                continue
            }
            XCTAssertEqual(result.stdout, expected, "\(label) --help differs from \(golden.lastPathComponent)")
        }
    }

    func testCompletionScriptsNameEverySubcommand() throws {
        let names = Set(try subcommands().flatMap { $0 })
        XCTAssertGreaterThanOrEqual(names.count, 6)
        for shell in ["bash", "zsh", "fish"] {
            let result = try Keysync.run(["--generate-completion-script", shell])
            XCTAssertEqual(result.exitCode, 0, "\(shell): \(result.stderr)")
            XCTAssertGreaterThan(result.stdout.count, 500, shell)
            for name in names {
                XCTAssertTrue(result.stdout.contains(name), "the \(shell) completion script does not name \(name)")
            }
            // Options of a subcommand are completed too.
            XCTAssertTrue(result.stdout.contains("detailed-exitcode"), "\(shell) completes no plan option")
        }
        XCTAssertTrue(try Keysync.run(["--generate-completion-script", "bash"]).stdout.contains("-F _keysync keysync"))
        XCTAssertTrue(try Keysync.run(["--generate-completion-script", "zsh"]).stdout.hasPrefix("#compdef keysync"))
        XCTAssertTrue(try Keysync.run(["--generate-completion-script", "fish"]).stdout.contains("complete -c 'keysync'"))
    }
}
