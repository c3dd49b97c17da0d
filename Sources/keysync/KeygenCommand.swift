import AgeFormat
import ArgumentParser
import Foundation
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
        guard let output else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        if let failure = createExclusively(output, contents: Array(text.utf8)) {
            FileHandle.standardError.write(Data("error: \(failure)\n".utf8))
            throw ExitCode(1)
        }
        print(identity.recipient)
    }

    /// `--signing`: the private key file goes to `-o` (0600, never overwritten) and only the
    /// public key to standard output; without `-o` the key file itself goes to standard output
    /// (the public key, to standard error), as for an identity.
    private func runSigning(using generator: inout SystemRandomNumberGenerator) throws {
        let key = StateSigningKey.generate(using: &generator)
        let text = key.fileText(created: Date())
        guard let output else {
            FileHandle.standardOutput.write(Data(text.utf8))
            FileHandle.standardError.write(Data("public key: \(key.publicKey)\n".utf8))
            return
        }
        if let failure = createExclusively(output, contents: Array(text.utf8)) {
            FileHandle.standardError.write(Data("error: \(failure)\n".utf8))
            throw ExitCode(1)
        }
        print(key.publicKey)
    }
}

/// Creates `path` with mode 0600, failing if anything exists there, and flushes it to disk;
/// returns a one-line message on failure. An identity is never written over another one.
private func createExclusively(_ path: String, contents: [UInt8]) -> String? {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
        let code = errno
        if code == EEXIST {
            return "\(path) already exists; keysync keygen never overwrites a key file (remove it or choose another path)"
        }
        return "cannot create \(path): \(String(cString: strerror(code)))"
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
            return message
        }
        written += result
    }
    guard fsync(descriptor) == 0 else {
        let message = "cannot flush \(path) to disk: \(String(cString: strerror(errno)))"
        unlink(path)
        return message
    }
    return nil
}
