import Foundation
import XCTest
import CZlib
import Crypto

/// One vector of C2SP's age conformance set (CCTV), read from this package's copy in
/// `Tests/TestSupport/Fixtures/age-cctv` (with its LICENSE), so conformance runs on any clone.
/// See ABOUT.md there for the format.
public struct CCTVVector: Sendable {
    public enum Expectation: String, Sendable {
        case success, noMatch = "no match", hmacFailure = "HMAC failure", headerFailure = "header failure"
        case payloadFailure = "payload failure", armorFailure = "armor failure"
    }

    public var name: String
    public var expect: Expectation
    /// SHA-256 (hex) of the expected plaintext, for successes.
    public var payloadSHA256: String?
    public var identities: [String]
    public var passphrases: [String]
    public var armored: Bool
    /// The age file itself, decompressed when the vector stores it compressed.
    public var file: [UInt8]

    /// Vectors for recipient types keysync does not implement: passphrases (scrypt) and the
    /// ML-KEM hybrid (mlkem768x25519). They must fail, whatever they expect. The exact list, so
    /// a new vector family in the set is noticed rather than silently skipped.
    public static let unsupported: Set<String> = [
        "armor_hybrid", "armor_scrypt",
        "hybrid", "hybrid_and_x25519", "hybrid_bad_tag", "hybrid_currupted_enc_mlkem", "hybrid_currupted_enc_x25519",
        "hybrid_extra_argument", "hybrid_grease", "hybrid_identity", "hybrid_long_file_key", "hybrid_long_share",
        "hybrid_low_order", "hybrid_multiple_recipients", "hybrid_no_match", "hybrid_not_canonical_body",
        "hybrid_not_canonical_enc", "hybrid_short_share", "hybrid_uppercase", "hybrid_x25519_arg",
        "scrypt", "scrypt_and_x25519", "scrypt_bad_tag", "scrypt_double", "scrypt_extra_argument",
        "scrypt_long_file_key", "scrypt_no_match", "scrypt_not_canonical_body", "scrypt_not_canonical_salt",
        "scrypt_salt_long", "scrypt_salt_missing", "scrypt_salt_short", "scrypt_uppercase", "scrypt_work_factor_23",
        "scrypt_work_factor_hex", "scrypt_work_factor_leading_garbage", "scrypt_work_factor_leading_plus",
        "scrypt_work_factor_leading_zero_decimal", "scrypt_work_factor_leading_zero_octal",
        "scrypt_work_factor_missing", "scrypt_work_factor_negative", "scrypt_work_factor_overflow",
        "scrypt_work_factor_trailing_garbage", "scrypt_work_factor_wrong", "scrypt_work_factor_zero",
    ]

    /// The folder: `KEYSYNC_AGE_CCTV` (to try another copy of the set), else the package's own
    /// fixtures beside this file.
    public static func directory(file: StaticString = #filePath) -> URL {
        if let override = ProcessInfo.processInfo.environment["KEYSYNC_AGE_CCTV"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Fixtures/age-cctv")
    }

    /// Every vector in the folder. The set ships with the package, so a missing folder is a
    /// failure, never a skip.
    public static func loadAll() throws -> [CCTVVector] {
        let folder = directory()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
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

public enum CCTVError: Error, CustomStringConvertible {
    case malformed(String), inflate(String)
    public var description: String {
        switch self {
        case .malformed(let name): return "CCTV vector \(name) is not in the documented format"
        case .inflate(let name): return "cannot inflate the zlib body of CCTV vector \(name)"
        }
    }
}

/// zlib decompression for the compressed vectors: the project's CZlib when this target can see it,
enum CCTVZlib {
    static func inflate(_ data: [UInt8], name: String) throws -> [UInt8] {
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
    }
}

/// The lower-case hex SHA-256 of `bytes`, to compare with a vector's `payload:`.
public func cctvPayloadDigest(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// The outside `age` tools, or an XCTSkip naming what is missing.
public enum AgeCLI {
    public static func require(_ name: String) throws -> String {
        guard let path = ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("\(name) is not installed (Debian package `age`); interop with the age CLI is not tested here")
        }
        return path
    }

    public struct Output: Sendable { public var status: Int32; public var stdout: [UInt8]; public var stderr: String }

    /// Runs a tool with stdin; both pipes are drained concurrently so large outputs cannot block.
    public static func run(_ executable: String, _ arguments: [String], stdin: [UInt8] = [],
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
        input.fileHandleForWriting.write(Data(stdin))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return Output(status: process.terminationStatus, stdout: [UInt8](outData),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
