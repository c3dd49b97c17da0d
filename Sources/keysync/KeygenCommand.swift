import AgeFormat
import ArgumentParser
import Foundation
import Manifest
import Reconciler
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `keysync keygen [-o FILE]`: a new age X25519 identity in age-keygen's file format, so the
/// same file works with `keysync unseal -i` and `age -d -i`.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an age X25519 identity for opening sealed files.",
        discussion: """
            With -o, writes the identity to FILE (mode 0600; an existing file is never \
            overwritten) and prints its recipient (age1...) for the team's `recipients` list. \
            Without -o, prints the identity file to standard output, as age-keygen does.

            Examples:
              keysync keygen -o ~/.config/keysync/payments.txt
              keysync keygen > identity.txt
              keysync keygen --signing -o signing.key
            """
    )

    @Flag(help: "Make an Ed25519 state signing key for apply instead; prints its public key (keysync-ed25519:...).")
    var signing = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the identity here and print its recipient.", valueName: "FILE"))
    var output: String?

    func run() throws {
        try CoreDumps.disable()
        var generator = SystemRandomNumberGenerator()
        if signing { return try runSigning(using: &generator) }
        let identity = AgeIdentity.generate(using: &generator)
        let text = AgeIdentityFile.render(identity, created: Date())
        let console = Console.current
        guard let output else {
            console.write(text)
            return
        }
        try createExclusively(output, contents: Array(text.utf8))
        console.write("\(identity.recipient)\n")
    }

    /// `--signing`: the private key file goes to `-o` (0600, never overwritten) and only the
    /// public key to standard output; without `-o` the key file itself goes to standard output
    /// (the public key, to standard error), as for an identity.
    private func runSigning(using generator: inout SystemRandomNumberGenerator) throws {
        let key = StateSigningKey.generate(using: &generator)
        let text = key.fileText(created: Date())
        let console = Console.current
        guard let output else {
            console.write(text)
            console.write("public key: \(key.publicKey)\n", to: .standardError)
            return
        }
        try createExclusively(output, contents: Array(text.utf8))
        console.write("\(key.publicKey)\n")
    }
}

/// Creates `path` with mode 0600, failing if anything exists there, and flushes it to disk.
/// An identity is never written over another one; a half-written file is removed.
private func createExclusively(_ path: String, contents: [UInt8]) throws(CommandFailure) {
    func failure(_ code: DiagnosticCode, _ message: String, hint: String) -> CommandFailure {
        CommandFailure(.error(code, message, hint: hint, at: nil), summary: "keygen failed: no key file was written")
    }
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
        let code = errno
        if code == EEXIST {
            throw failure(.keygenFileExists, "\(path) already exists; keysync keygen never overwrites a key file",
                          hint: "remove it or choose another path")
        }
        throw failure(.keygenWrite, "cannot create \(path): \(String(cString: strerror(code)))",
                      hint: "check that the folder exists and that you may write to it")
    }
    defer { close(descriptor) }
    // The umask can only remove bits; set 0600 exactly in case the file system widened them.
    _ = fchmod(descriptor, 0o600)
    var written = 0
    while written < contents.count {
        let result = contents[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if result < 0 {
            if errno == EINTR { continue }
            let message = "cannot write \(path): \(String(cString: strerror(errno)))"
            unlink(path)
            throw failure(.keygenWrite, message, hint: "check the free space and the file system")
        }
        written += result
    }
    guard fsync(descriptor) == 0 else {
        let message = "cannot flush \(path) to disk: \(String(cString: strerror(errno)))"
        unlink(path)
        throw failure(.keygenWrite, message, hint: "check the free space and the file system")
    }
}
