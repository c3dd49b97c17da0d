import Foundation
import XCTest
#if canImport(CZlib)
import CZlib
#endif
#if canImport(Crypto)
import Crypto
#endif

/// One vector of C2SP's age conformance set (CCTV), read from the shared test data folder (never
/// copied into this repository). See ABOUT.md there for the format. (The same reader exists in
/// AgeFormatTests; test targets cannot share sources.)
struct CCTVVector {
    enum Expectation: String {
        case success, noMatch = "no match", hmacFailure = "HMAC failure", headerFailure = "header failure"
        case payloadFailure = "payload failure", armorFailure = "armor failure"
    }

    var name: String
    var expect: Expectation
    /// SHA-256 (hex) of the expected plaintext, for successes.
    var payloadSHA256: String?
    var identities: [String]
    var passphrases: [String]
    var armored: Bool
    /// The age file itself, decompressed when the vector stores it compressed.
    var file: [UInt8]

    /// The folder: `KEYSYNC_AGE_CCTV`, else `../shared/testdata/age-cctv` beside the package root.
    static func directory(file: StaticString = #filePath) -> URL {
        if let override = ProcessInfo.processInfo.environment["KEYSYNC_AGE_CCTV"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        // <root>/Tests/KeysyncTests/Support/AgeCCTVVector.swift → <root>/../shared/testdata/age-cctv
        return URL(fileURLWithPath: "\(file)")
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("shared/testdata/age-cctv")
    }

    /// Every vector in the folder, or an XCTSkip naming the folder when it is absent.
    static func loadAll() throws -> [CCTVVector] {
        let folder = directory()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            throw XCTSkip("age CCTV vectors not found at \(folder.path); set KEYSYNC_AGE_CCTV to the folder (CI has ../shared/testdata/age-cctv)")
        }
        var vectors: [CCTVVector] = []
        for name in names.sorted() where name != "ABOUT.md" && name != "LICENSE" && !name.hasPrefix(".") {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            if let vector = try parse(name: name, bytes: bytes) { vectors.append(vector) }
        }
        XCTAssertGreaterThan(vectors.count, 90, "expected the full CCTV age set in \(folder.path)")
        return vectors
    }

    /// nil when the vector has a header key this reader does not know (the format says: ignore).
    static func parse(name: String, bytes: [UInt8]) throws -> CCTVVector? {
        var offset = 0
        var fields: [(String, String)] = []
        while true {
            guard let newline = bytes[offset...].firstIndex(of: 0x0A) else {
                throw CCTVError.malformed(name)
            }
            let line = String(decoding: bytes[offset..<newline], as: UTF8.self)
            offset = newline + 1
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw CCTVError.malformed(name) }
            fields.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var expect: Expectation?
        var vector = CCTVVector(name: name, expect: .success, payloadSHA256: nil, identities: [], passphrases: [],
                                armored: false, file: Array(bytes[offset...]))
        var compressed = false
        for (key, value) in fields {
            switch key {
            case "expect": expect = Expectation(rawValue: value)
            case "payload": vector.payloadSHA256 = value
            case "identity": vector.identities.append(value)
            case "passphrase": vector.passphrases.append(value)
            case "armored": vector.armored = value == "yes"
            case "compressed":
                guard value == "zlib" else { return nil }
                compressed = true
            case "file key", "comment": break
            default: return nil
            }
        }
        guard let expect else { throw CCTVError.malformed(name) }
        vector.expect = expect
        if compressed { vector.file = try CCTVZlib.inflate(vector.file, name: name) }
        return vector
    }
}

enum CCTVError: Error, CustomStringConvertible {
    case malformed(String), inflate(String)
    var description: String {
        switch self {
        case .malformed(let name): return "CCTV vector \(name) is not in the documented format"
        case .inflate(let name): return "cannot inflate the zlib body of CCTV vector \(name)"
        }
    }
}

/// zlib decompression for the compressed vectors: the project's CZlib when this target can see it,
/// else python3's zlib (CI installs python3); a vector that needs it is skipped when neither exists.
enum CCTVZlib {
    static func inflate(_ data: [UInt8], name: String) throws -> [UInt8] {
        #if canImport(CZlib)
        var capacity = max(data.count * 8, 1 << 16)
        while capacity <= 1 << 30 {
            var output = [UInt8](repeating: 0, count: capacity)
            var length = uLongf(capacity)
            let status = output.withUnsafeMutableBufferPointer { out in
                data.withUnsafeBufferPointer { input in
                    uncompress(out.baseAddress, &length, input.baseAddress, uLong(input.count))
                }
            }
            if status == Z_OK { return Array(output[0..<Int(length)]) }
            guard status == Z_BUF_ERROR else { throw CCTVError.inflate(name) }
            capacity *= 4
        }
        throw CCTVError.inflate(name)
        #else
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else {
            throw XCTSkip("CCTV vector \(name) is zlib-compressed and neither CZlib nor python3 is available to inflate it")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // The compressed bodies are a few KiB (under a pipe buffer) and python reads all of stdin
        // before writing, so writing first cannot deadlock.
        input.fileHandleForWriting.write(Data(data))
        try input.fileHandleForWriting.close()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CCTVError.inflate(name) }
        return [UInt8](result)
        #endif
    }
}

/// The lower-case hex SHA-256 of `bytes`, to compare with a vector's `payload:`.
func cctvPayloadDigest(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// The outside `age` tools, or an XCTSkip naming what is missing.
enum AgeCLI {
    static func require(_ name: String) throws -> String {
        guard let path = ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("\(name) is not installed (Debian package `age`); interop with the age CLI is not tested here")
        }
        return path
    }

    struct Output { var status: Int32; var stdout: [UInt8]; var stderr: String }

    /// Runs a tool with stdin; both pipes are drained concurrently so large outputs cannot block.
    static func run(_ executable: String, _ arguments: [String], stdin: [UInt8] = [], in directory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
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
        input.fileHandleForWriting.write(Data(stdin))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return Output(status: process.terminationStatus, stdout: [UInt8](outData),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
