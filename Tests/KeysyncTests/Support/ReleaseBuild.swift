import Foundation
import TestSupport
import XCTest

/// What `scripts/release` wrote: the release binary and its `.sha256`, taken from the folder
/// named by `KEYSYNC_RELEASE_DIR`. `.ci/run` runs `scripts/release` once, before `swift test`, and
/// sets it; the tests never build in release mode themselves (minutes, and a second SwiftPM
/// inside the running `swift test`). Without it the tests that need the binary skip, saying how.
struct ReleaseArtifacts: Sendable {
    var folder: URL
    var asset: String
    var binary: URL { folder.appendingPathComponent(asset) }
    var checksum: URL { folder.appendingPathComponent(asset + ".sha256") }

    /// The asset name `scripts/release` gives this machine's binary.
    static var asset: String {
        var machine = utsname()
        uname(&machine)
        let architecture = withUnsafeBytes(of: &machine.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return "keysync-linux-" + architecture
    }

    /// The artifacts in `KEYSYNC_RELEASE_DIR`; fails (not skips) when the folder is named but
    /// does not hold both files, so a broken release step cannot pass as a skip.
    static func built() throws -> ReleaseArtifacts {
        guard let path = ProcessInfo.processInfo.environment["KEYSYNC_RELEASE_DIR"], !path.isEmpty else {
            throw XCTSkip("""
                the release binary is not built: run `scripts/release` (minutes), then \
                `KEYSYNC_RELEASE_DIR=dist swift test --filter 'ReleaseBinaryTests|ActionTests'`; .ci/run does
                """)
        }
        let found = ReleaseArtifacts(folder: URL(fileURLWithPath: path, relativeTo: YAMLTool.repository).standardizedFileURL,
                                     asset: asset)
        for file in [found.binary, found.checksum] where !FileManager.default.fileExists(atPath: file.path) {
            throw Failure(description: "KEYSYNC_RELEASE_DIR=\(path) has no \(file.lastPathComponent); run scripts/release into it")
        }
        return found
    }

    struct Failure: Error, CustomStringConvertible { var description: String }
}

/// Runs an outside program with a given environment, through `AgeCLI.run` (both pipes drained
/// concurrently), with its output as text.
enum Program {
    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ executable: String, _ arguments: [String], stdin: Data = Data(),
                    environment: [String: String]? = nil, in directory: URL? = nil) throws -> Output {
        let ran = try AgeCLI.run(executable, arguments, stdin: [UInt8](stdin), environment: environment, in: directory)
        return Output(status: ran.status, stdout: String(decoding: ran.stdout, as: UTF8.self), stderr: ran.stderr)
    }

    /// The first of `name` found on the PATH or in the sbin folders, or nil.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
