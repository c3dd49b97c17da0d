import Foundation
import Hummingbird
import XCTest

/// A real SMTP server (Debian's python3-aiosmtpd, saving each message into a Maildir) and the
/// real msmtp as keysync's sendmail, pointed at it by a test-written configuration file.
/// Skips, with the reason, where either is not installed (CI installs both).
final class SMTPPeer {
    let port: Int
    let maildir: URL
    let msmtprc: URL
    private var process: Process?

    struct Failure: Error, CustomStringConvertible { var description: String }

    init(in directory: URL) throws {
        let python = try Python.executable(for: "for the SMTP server keysync notify mails to")
        let probe = Process()
        probe.executableURL = python
        probe.arguments = ["-c", "import aiosmtpd"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { throw XCTSkip("python3-aiosmtpd is not installed (the SMTP server for keysync notify); apt-get install python3-aiosmtpd") }
        guard SendmailLookup.msmtp != nil else { throw XCTSkip("msmtp is not installed (keysync notify's sendmail in the tests); apt-get install msmtp") }
        port = try freePort()
        maildir = directory.appendingPathComponent("maildir")
        msmtprc = directory.appendingPathComponent("msmtprc")
        try """
            defaults
            auth off
            tls off
            account default
            host 127.0.0.1
            port \(port)

            """.write(to: msmtprc, atomically: true, encoding: .utf8)
        // msmtp refuses a configuration file others can read.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: msmtprc.path)
    }

    /// `--sendmail`'s value.
    var sendmail: String { "msmtp -C \(msmtprc.path)" }

    func start() throws {
        let python = try Python.executable(for: "for the SMTP server")
        let process = Process()
        process.executableURL = python
        process.arguments = ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox", maildir.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(15)
        while !Self.accepts(port) {
            guard Date() < deadline, process.isRunning else {
                // Installed but not answering is a failure, not a skip: only a missing program skips.
                throw Failure(description: "aiosmtpd is installed but did not start on port \(port)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    /// The messages received so far, each as its header fields (names lower-cased; aiosmtpd
    /// adds X-MailFrom and X-RcptTo, the envelope) and its body.
    func messages() throws -> [(headers: [String: String], body: String)] {
        let folder = maildir.appendingPathComponent("new")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return try names.sorted().map { name in
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                .replacingOccurrences(of: "\r\n", with: "\n")
            let parts = text.components(separatedBy: "\n\n")
            var headers: [String: String] = [:]
            for line in parts[0].split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return (headers, parts.dropFirst().joined(separator: "\n\n"))
        }
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

enum SendmailLookup {
    static var msmtp: String? {
        ["/usr/bin/msmtp", "/usr/local/bin/msmtp"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// A Slack-style incoming webhook on loopback, served by Hummingbird in the test process: it
/// records each body posted to its secret path and answers with the statuses it is given
/// (then 200); a 307 redirects to the same path.
actor WebhookReceiver {
    static let secretPath = "/services/T0KEYSYNC/B0TEST/s3cr3tW3bh00kT0k3n"
    private(set) var bodies: [String] = []
    private var statuses: [HTTPResponse.Status]

    init(failingFirst statuses: [HTTPResponse.Status] = []) {
        self.statuses = statuses
    }

    func receive(_ body: String) -> HTTPResponse.Status {
        bodies.append(body)
        return statuses.isEmpty ? .ok : statuses.removeFirst()
    }

    nonisolated func application() -> some ApplicationProtocol {
        let router = Router()
        router.post(RouterPath(Self.secretPath)) { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let status = await self.receive(String(decoding: body.readableBytesView, as: UTF8.self))
            // A redirect points back here, so a client that followed it would post again and succeed.
            let headers: HTTPFields = status == .temporaryRedirect ? [.location: Self.secretPath + "?redirected"] : [:]
            return Response(status: status, headers: headers)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }
}
