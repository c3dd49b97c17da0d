import Foundation
import XCTest

/// What `scripts/release` wrote: the release binary and its `.sha256`, built once per test
/// process (the first release build takes minutes; later ones are incremental).
struct ReleaseArtifacts: Sendable {
    var folder: URL
    var asset: String
    var binary: URL { folder.appendingPathComponent(asset) }
    var checksum: URL { folder.appendingPathComponent(asset + ".sha256") }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: Result<ReleaseArtifacts, Error>?

    /// Runs `scripts/release` (into the repository's dist/) the first time it is asked for.
    static func build() throws -> ReleaseArtifacts {
        lock.lock()
        defer { lock.unlock() }
        if let built { return try built.get() }
        let result = Result { try runScript() }
        built = result
        return try result.get()
    }

    private static func runScript() throws -> ReleaseArtifacts {
        let repository = YAMLTool.repository
        var environment = ProcessInfo.processInfo.environment
        // The `swift test` running this test holds SwiftPM's lock on .build while the tests run
        // (it builds nothing then); the release build writes only its own configuration's folder.
        environment["KEYSYNC_RELEASE_SWIFT_FLAGS"] = "--ignore-lock"
        let run = try Program.run(repository.appendingPathComponent("scripts/release").path, [],
                                  environment: environment, in: repository)
        guard run.status == 0 else {
            throw Failure(description: "scripts/release exited \(run.status):\n\(run.stderr.suffix(4000))")
        }
        // Its first output line is the binary's path.
        let path = try XCTUnwrap(run.stdout.split(separator: "\n").first.map(String.init), run.stdout)
        let binary = URL(fileURLWithPath: path)
        return ReleaseArtifacts(folder: binary.deletingLastPathComponent(), asset: binary.lastPathComponent)
    }

    struct Failure: Error, CustomStringConvertible { var description: String }
}

/// Runs an outside program with a given environment; both pipes are drained concurrently.
enum Program {
    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ executable: String, _ arguments: [String], stdin: Data = Data(),
                    environment: [String: String]? = nil, in directory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = error.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The first of `name` found on the PATH or in the sbin folders, or nil.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
