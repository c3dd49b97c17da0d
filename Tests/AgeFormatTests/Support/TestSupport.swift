import Crypto
import Foundation
import XCTest
@testable import AgeFormat

/// A deterministic generator (SplitMix64) so tests are reproducible; never used outside tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` bytes of recognisable, non-repeating test data.
func samplePlaintext(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// Runs `body` and returns the AgeError it throws, failing the test when it succeeds.
func assertAgeError<T>(
    _ body: () throws(AgeError) -> T, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) -> AgeError? {
    do {
        _ = try body()
        XCTFail("expected an AgeError. \(message)", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

/// The outside `age` tools, or nil when not installed.
enum AgeTools {
    static func path(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func require(_ name: String) throws -> String {
        guard let path = path(name) else {
            throw XCTSkip("\(name) is not installed (Debian package `age`); interop with the age CLI is not tested here")
        }
        return path
    }

    struct Output { var status: Int32; var stdout: [UInt8]; var stderr: String }

    /// Runs a tool with stdin; output is read before waiting so large outputs cannot block.
    static func run(_ executable: String, _ arguments: [String], stdin: [UInt8] = []) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
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
        input.fileHandleForWriting.write(Data(stdin))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return Output(status: process.terminationStatus, stdout: [UInt8](outData),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh temporary folder per test.
func makeTemporaryDirectory(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("agetests-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
