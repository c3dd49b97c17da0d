import AgeFormat
import ArgumentParser
import Foundation
import Manifest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `keysync unseal FILE -i IDENTITY_FILE`: prints the plaintext of a sealed file. The one
/// command allowed to print raw keys; it prints nothing at all unless the whole file
/// authenticates (any failure: a diagnostic on stderr, empty stdout, exit 1).
struct UnsealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unseal",
        abstract: "Decrypt a sealed file (age format, binary or armored) and print its contents.",
        discussion: """
            Identity files are in age-keygen's format (from keysync keygen or age-keygen); \
            -i may be repeated. FILE or one identity file may be - for standard input. \
            Files made by the age CLI (age -r, age -a -r) open too.

            Examples:
              keysync unseal sealed/000001-payments.age -i ~/.config/keysync/payments.txt
              cat sealed/000001-payments.age | keysync unseal - -i identity.txt
            """
    )

    @Argument(help: ArgumentHelp("The sealed file, or - for standard input.", valueName: "FILE"))
    var file: String

    @Option(name: [.customShort("i"), .customLong("identity")],
            help: ArgumentHelp("An identity file (repeatable).", valueName: "IDENTITY_FILE"))
    var identityFiles: [String] = []

    func run() throws {
        try CoreDumps.disable()
        let plaintext: [UInt8]
        do {
            plaintext = try unseal()
        } catch {
            throw CommandFailure(error.diagnostic, summary: "unseal failed: nothing was printed")
        }
        Console.current.write(bytes: plaintext)
    }

    private func unseal() throws(UnsealFailure) -> [UInt8] {
        guard !identityFiles.isEmpty else { throw .noIdentityFile }
        let fromStdin = ([file] + identityFiles).filter { $0 == "-" }.count
        guard fromStdin <= 1 else { throw .stdinTwice }
        var identities: [AgeIdentity] = []
        for path in identityFiles {
            let text = try readAll(path)
            do {
                identities += try AgeIdentityFile.parse(String(decoding: text, as: UTF8.self))
            } catch {
                throw .identityFile(path, error)
            }
        }
        let sealed = try readAll(file)
        do {
            return try AgeDecryptor.decrypt(sealed, with: identities)
        } catch {
            throw .sealedFile(file, error)
        }
    }
}

/// Why unseal failed; shown as a diagnostic. Messages name paths and what is wrong, never the
/// text of an identity.
private enum UnsealFailure: Error, CustomStringConvertible {
    case noIdentityFile
    case stdinTwice
    case unreadable(String, String)
    case identityFile(String, AgeError)
    case sealedFile(String, AgeError)

    var description: String {
        switch self {
        case .noIdentityFile:
            return "no identity given"
        case .stdinTwice:
            return "standard input (-) can hold the sealed file or one identity file, not both"
        case .unreadable(let path, let reason):
            return "cannot read \(path == "-" ? "standard input" : path): \(reason.prefix(1).lowercased() + reason.dropFirst())"
        case .identityFile(let path, let error):
            return "\(path == "-" ? "standard input" : path): \(error)"
        case .sealedFile(let path, let error):
            return "\(path == "-" ? "standard input" : path): \(error)"
        }
    }
}

extension UnsealFailure {
    var diagnostic: Diagnostic {
        switch self {
        case .noIdentityFile:
            .error(.unsealNoIdentity, description,
                   hint: "pass -i IDENTITY_FILE (made by keysync keygen or age-keygen)", at: nil)
        case .stdinTwice:
            .error(.unsealStdinTwice, description, hint: "give the other one as a file", at: nil)
        case .unreadable:
            .error(.unsealUnreadable, description, hint: "check the path and its permissions", at: nil)
        case .identityFile:
            .error(.unsealIdentity, description,
                   hint: "an identity file holds AGE-SECRET-KEY-1... lines, as keysync keygen and age-keygen write them",
                   at: nil)
        case .sealedFile(_, let error):
            .error(error.diagnosticCode, description, hint: Self.hint(error.category), at: nil)
        }
    }

    private static func hint(_ category: AgeError.Category) -> String? {
        switch category {
        case .noMatch: "pass the identity file of a recipient the file was sealed to"
        case .unsupported: nil
        default: "the file was changed or cut after it was sealed; take it again from the repository"
        }
    }
}

/// The whole content of `path`, or of standard input for `-`.
private func readAll(_ path: String) throws(UnsealFailure) -> [UInt8] {
    if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw .unreadable(path, String(cString: strerror(errno)))
        }
        if count == 0 { return bytes }
        bytes.append(contentsOf: buffer[0..<count])
    }
}
