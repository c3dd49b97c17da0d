import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// What a client of a gateway sees.
struct ClientAnswer {
    var status: Int
    var headers: [String: String]
    var body: String
    func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// A plain HTTP client (URLSession), as an application calling through a gateway would be.
enum HTTPClient {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        configuration.httpMaximumConnectionsPerHost = 64
        return URLSession(configuration: configuration)
    }()

    static func get(_ url: String, headers: [(String, String)] = []) async throws -> ClientAnswer {
        var request = URLRequest(url: URL(string: url)!)
        for (name, value) in headers { request.addValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)"] = "\(value)" }
        return ClientAnswer(status: http.statusCode, headers: fields, body: String(decoding: data, as: UTF8.self))
    }

    /// Retries until the address answers (a gateway just started), for at most `timeout`.
    static func waitUntilListening(_ url: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                _ = try await get(url)
                return
            } catch {
                if ContinuousClock.now > deadline { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}

/// A program found on PATH, or `nil`.
func program(_ name: String) -> String? {
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/usr/sbin").split(separator: ":")
        + ["/usr/sbin", "/usr/bin"] {
        let path = "\(folder)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// The repository root (this file is Tests/KeysyncServerTests/Support/Gateway.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// A gateway process started by a test; stopped (by its pid) when the test ends.
final class GatewayProcess: @unchecked Sendable {
    let process = Process()
    let output: URL

    init(executable: String, arguments: [String], folder: URL, environment: [String: String] = [:]) throws {
        output = folder.appendingPathComponent("\(URL(fileURLWithPath: executable).lastPathComponent).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// SIGKILL: a process started under the test's ServiceGroup inherits SIGTERM ignored.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
