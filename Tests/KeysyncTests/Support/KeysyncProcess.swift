import Foundation
import Reconciler
import XCTest

/// What one run of the built `keysync` binary produced.
struct ProcessResult {
    var exitCode: Int32
    var stdout: String
    var stderr: String
    var stdoutBytes: Data
    var stderrBytes: Data
}

/// Runs the real `keysync` executable the way a user or CI would: arguments, optional stdin,
/// environment, working directory. Tests assert on its exact output and exit code.
enum Keysync {
    /// The products folder holding both the test bundle and the `keysync` binary.
    static var binary: URL {
        let bundle = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") } ?? Bundle.main
        var dir = bundle.bundleURL
        if dir.pathExtension == "xctest" { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("keysync")
    }

    /// The state signing key every run gets unless a test says otherwise, as CI templates
    /// configure keysync: apply signs, every reader checks. A test key, public by being here.
    static let testSigningKey = """
        # keysync state signing key (Ed25519); a TEST key, committed on purpose
        KEYSYNC-SIGNING-KEY-1:wr6o5RBicC7gDEKqRqY/qgIk97nl66DmAKcHZr9APXQ=

        """
    static let testPublicKey = "keysync-ed25519:kbsnlj43L9RFxrTdCmXJU8BQfaKf7G51ZkKVJ1yynJ4="
    static let testStateSigningKey = try! StateSigningKey(parsing: testSigningKey)
    /// The trust variables set to nothing (as an unset secret gives): no key configured.
    static let noKeys = ["KEYSYNC_STATE_PUBLIC_KEY": "", "KEYSYNC_SIGNING_KEY": ""]

    /// Environment with colour and CI variables removed so output is the same everywhere, the
    /// test signing key and its public key set; `extra` is added on top.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for name in ["NO_COLOR", "GITHUB_ACTOR", "GITLAB_USER_LOGIN", "GITHUB_SHA", "CI_COMMIT_SHA", "TERM"] {
            env[name] = nil
        }
        env["KEYSYNC_SIGNING_KEY"] = testSigningKey
        env["KEYSYNC_STATE_PUBLIC_KEY"] = testPublicKey
        env.merge(extra) { _, new in new }
        return env
    }

    @discardableResult
    static func run(
        _ arguments: [String], stdin: Data? = nil, in directory: URL? = nil,
        environment extra: [String: String] = [:],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment(extra)
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return ProcessResult(
            exitCode: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            stdoutBytes: outData, stderrBytes: errData)
    }
}

/// A fresh temporary folder per test, removed afterwards.
func makeTemporaryDirectory(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("keysync-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

// Every file of this target sees the CCTV vectors and the `age` CLI runner.
@_exported import TestSupport
