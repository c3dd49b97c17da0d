import Foundation
import XCTest

/// Self-signed certificates for TLS tests, made by the `openssl` command (Debian's `openssl`
/// package; .ci/run installs it with PostgreSQL). Each names `localhost` and 127.0.0.1, so
/// `verify-full` against the loopback address can succeed.
public enum TestCertificates {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes `NAME.crt` and `NAME.key` (P-256, valid for a day, naming `alternativeNames`)
    /// into `folder`; returns their paths.
    public static func selfSigned(in folder: URL, name: String, alternativeNames: String = "DNS:localhost,IP:127.0.0.1")
        throws -> (certificate: String, key: String) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw XCTSkip("openssl is not installed (apt-get install openssl; .ci/run does)")
        }
        let certificate = folder.appendingPathComponent("\(name).crt").path
        let key = folder.appendingPathComponent("\(name).key").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=\(alternativeNames)"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(description: "openssl is not installed (apt-get install openssl): \(error)")
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl req failed: \(String(decoding: output, as: UTF8.self))")
        }
        return (certificate, key)
    }
}
