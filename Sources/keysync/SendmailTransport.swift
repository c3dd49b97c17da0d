import ArgumentParser
import Foundation
import Notices

/// `--sendmail`: a sendmail-compatible program and its own arguments, split at spaces
/// (`/usr/sbin/sendmail`, `msmtp -C ci/msmtprc`). No shell is involved and no quoting is read:
/// a path with a space needs a wrapper script.
struct SendmailCommand: ExpressibleByArgument, Sendable {
    var program: String
    var arguments: [String]

    init?(argument: String) {
        let words = argument.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else { return nil }
        program = first
        arguments = Array(words.dropFirst())
    }
}

/// Mail through the sendmail interface every MTA provides (postfix, exim, msmtp, nullmailer):
/// `PROGRAM ARGS -i -f FROM -- RECIPIENT...` with the message on standard input, so the local
/// mail system (or msmtp's SMTP client) does the delivery, queueing and authentication, and
/// keysync holds no SMTP password. The recipients are on the command line (after `--`, and a
/// `MailAddress` never starts with `-`), not read from the headers, so a header can never
/// widen the delivery.
struct SendmailTransport: MailTransport {
    var command: SendmailCommand

    func send(_ mail: NoticeMail) async throws(NoticeSendError) {
        guard let executable = Self.resolve(command.program) else {
            throw NoticeSendError("sendmail program \(command.program) not found")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = command.arguments + ["-i", "-f", mail.from.rawValue, "--"] + mail.recipients.map(\.rawValue)
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw NoticeSendError("cannot start \(command.program): \(error.localizedDescription)")
        }
        // Read its complaints while writing, so neither side can block on a full pipe. A program
        // that exits without reading its input must not take keysync down with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        nonisolated(unsafe) var complaint = Data()
        let reading = DispatchGroup()
        reading.enter()
        DispatchQueue.global().async {
            complaint = errors.fileHandleForReading.readDataToEndOfFile()
            reading.leave()
        }
        try? input.fileHandleForWriting.write(contentsOf: Data(mail.text.utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        reading.wait()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let said = String(decoding: complaint.prefix(600), as: UTF8.self)
                .split(whereSeparator: \.isNewline).joined(separator: " / ")
            let how = process.terminationReason == .exit ? "exited \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
            throw NoticeSendError("\(command.program) \(how)\(said.isEmpty ? "" : ": \(said)")")
        }
    }

    /// A program named with a slash is used as it is; a bare name is looked up in `PATH`.
    static func resolve(_ program: String) -> URL? {
        if program.contains("/") {
            return FileManager.default.isExecutableFile(atPath: program) ? URL(fileURLWithPath: program) : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return nil
    }
}
