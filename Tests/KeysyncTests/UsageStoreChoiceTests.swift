import Foundation
import TestSupport
import XCTest

/// Which usage store `serve`, `usage` and `requests` open: exactly one, and never through a
/// symbolic link.
final class UsageStoreChoiceTests: XCTestCase {
    /// `--usage-db` beside `--backend` is a usage error before anything is opened: no SQLite
    /// file appears and the (unreachable) backend is not tried.
    func testUsageAndRequestsRefuseBothStores() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sqlite = dir.appendingPathComponent("named.sqlite").path
        let backend = "postgres://keysync@127.0.0.1:\(try freePort())/postgres"
        for arguments in [["usage", "--usage-db", sqlite, "--backend", backend],
                          ["requests", "--key", "key_abcdefghijklmnopqrst", "--usage-db", sqlite, "--backend", backend]] {
            let result = try Keysync.run(arguments, in: dir)
            XCTAssertEqual(result.exitCode, 64, result.stderr)
            XCTAssertTrue(result.stderr.contains("--usage-db and --backend exclude each other"), result.stderr)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "\(arguments[0]) touched the folder")
        }
    }

    /// A usage database that is a symbolic link, or sits in a folder that is one, is refused by
    /// `serve` (before listening), `usage` and `requests`; the link's target is not touched.
    func testASymbolicLinkedUsageDatabaseOrFolderIsRefused() throws {
        let cli = CLIState.make()
        let dir = try cli.write()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        let elsewhere = dir.appendingPathComponent("elsewhere")
        try fm.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let target = elsewhere.appendingPathComponent("target.sqlite")
        try Data("not touched".utf8).write(to: target)
        let fileLink = dir.appendingPathComponent("keysync.usage.sqlite")
        try fm.createSymbolicLink(at: fileLink, withDestinationURL: target)
        let folderLink = dir.appendingPathComponent("linked-folder")
        try fm.createSymbolicLink(at: folderLink, withDestinationURL: elsewhere)
        let state = dir.appendingPathComponent("keysync.state.json").path

        for (database, link) in [(nil, fileLink.path), (fileLink.path, fileLink.path),
                                 (folderLink.appendingPathComponent("usage.sqlite").path, folderLink.path)] {
            let serve = try Self.serve(["--state", state, "--listen", "127.0.0.1:0"] + (database.map { ["--usage-db", $0] } ?? []))
            XCTAssertEqual(serve.exitCode, 1, serve.stderr)
            XCTAssertTrue(serve.stderr.contains("\(link) is a symbolic link; keysync never reads or writes its usage database through one"),
                          serve.stderr)
            let usage = try Keysync.run(["usage", "--state", state] + (database.map { ["--usage-db", $0] } ?? []),
                                        in: dir, environment: ["KEYSYNC_NOW": CLIState.now])
            XCTAssertEqual(usage.exitCode, 1, usage.stderr)
            XCTAssertTrue(usage.stderr.contains("\(link) is a symbolic link"), usage.stderr)
            let requests = try Keysync.run(["requests", "--key", "key_abcdefghijklmnopqrst"] + (database.map { ["--usage-db", $0] } ?? []),
                                           in: dir, environment: ["KEYSYNC_NOW": CLIState.now])
            XCTAssertEqual(requests.exitCode, 1, requests.stderr)
            // requests' default is relative to the working folder, and named as given.
            XCTAssertTrue(requests.stderr.contains("\(database == nil ? "keysync.usage.sqlite" : link) is a symbolic link"), requests.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: target), Data("not touched".utf8))
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: elsewhere.path), ["target.sqlite"], "no side file was created")
    }

    /// `keysync serve` that must fail at start-up; killed (and the test failed) if it is still
    /// running after 30 s, so a refusal that does not happen cannot hang the suite.
    static func serve(_ arguments: [String]) throws -> (exitCode: Int32, stderr: String) {
        let process = Process()
        process.executableURL = Keysync.binary
        process.arguments = ["serve"] + arguments
        process.environment = Keysync.environment([:])
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date() + 30
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            XCTFail("serve kept running")
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}
