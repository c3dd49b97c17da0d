import Foundation
import XCTest
import AgeFormat

/// Interoperability with the real age CLI (`age`, `age-keygen`): files go both ways, and
/// identities from either side work on the other. Skipped when age is not installed.
final class AgeCLIInteropTests: XCTestCase {
    private var generator = SystemRandomNumberGenerator()

    private func write(_ text: String, to name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func testAgeDecryptsOurFiles() throws {
        let age = try AgeCLI.require("age")
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ours = AgeIdentity.generate(using: &generator)
        let identityPath = try write(AgeIdentityFile.render(ours, created: Date()), to: "ours.txt", in: folder)
        for size in [0, 1, 1000, 65_536, 65_537, 200 * 1024] {
            let plaintext = samplePlaintext(size, seed: UInt64(size) + 1)
            for armor in [false, true] {
                let file = try AgeEncryptor.encrypt(plaintext, to: [ours.recipient], armor: armor, using: &generator)
                let result = try AgeCLI.run(age, ["-d", "-i", identityPath], stdin: file)
                XCTAssertEqual(result.status, 0, "size \(size) armor \(armor): \(result.stderr)")
                XCTAssertEqual(result.stdout, plaintext, "size \(size) armor \(armor)")
            }
        }
    }

    func testAgeDecryptsOurMultiRecipientFileWithItsOwnIdentity() throws {
        let age = try AgeCLI.require("age")
        let keygen = try AgeCLI.require("age-keygen")
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = try AgeCLI.run(keygen, [])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let theirText = String(decoding: generated.stdout, as: UTF8.self)
        let theirPath = try write(theirText, to: "theirs.txt", in: folder)
        let theirs = try AgeIdentityFile.parse(theirText)[0]
        let ours = AgeIdentity.generate(using: &generator)
        let plaintext = Array("payments: thig_secret\n".utf8)
        let file = try AgeEncryptor.encrypt(plaintext, to: [ours.recipient, theirs.recipient], using: &generator)
        let result = try AgeCLI.run(age, ["-d", "-i", theirPath], stdin: file)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, plaintext)
        XCTAssertEqual(try AgeDecryptor.decrypt(file, with: [ours]), plaintext)
    }

    func testWeDecryptAgeFilesBinaryAndArmored() throws {
        let age = try AgeCLI.require("age")
        let ours = AgeIdentity.generate(using: &generator)
        for size in [0, 1, 1000, 65_536, 65_537, 200 * 1024] {
            let plaintext = samplePlaintext(size, seed: UInt64(size) + 2)
            for armor in [false, true] {
                let result = try AgeCLI.run(age, (armor ? ["-a"] : []) + ["-r", ours.recipient.description], stdin: plaintext)
                XCTAssertEqual(result.status, 0, result.stderr)
                XCTAssertEqual(AgeArmor.looksArmored(result.stdout), armor)
                XCTAssertEqual(try AgeDecryptor.decrypt(result.stdout, with: [ours]), plaintext, "size \(size) armor \(armor)")
            }
        }
    }

    func testAgeKeygenIdentitiesWorkWithUs() throws {
        let age = try AgeCLI.require("age")
        let keygen = try AgeCLI.require("age-keygen")
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = try AgeCLI.run(keygen, [])
        let text = String(decoding: generated.stdout, as: UTF8.self)
        let path = try write(text, to: "key.txt", in: folder)
        let identities = try AgeIdentityFile.parse(text)
        XCTAssertEqual(identities.count, 1)
        let publicKey = try AgeCLI.run(keygen, ["-y", path])
        XCTAssertEqual(String(decoding: publicKey.stdout, as: UTF8.self), "\(identities[0].recipient)\n")

        let plaintext = samplePlaintext(3000, seed: 4)
        let theirFile = try AgeCLI.run(age, ["-r", identities[0].recipient.description], stdin: plaintext)
        XCTAssertEqual(try AgeDecryptor.decrypt(theirFile.stdout, with: identities), plaintext)
        let ourFile = try AgeEncryptor.encrypt(plaintext, to: [identities[0].recipient], using: &generator)
        XCTAssertEqual(try AgeCLI.run(age, ["-d", "-i", path], stdin: ourFile).stdout, plaintext)
    }

    func testOurIdentityFilesWorkWithAgeKeygenAndAge() throws {
        let age = try AgeCLI.require("age")
        let keygen = try AgeCLI.require("age-keygen")
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ours = AgeIdentity.generate(using: &generator)
        let path = try write(AgeIdentityFile.render(ours, created: Date()), to: "ours.txt", in: folder)
        let publicKey = try AgeCLI.run(keygen, ["-y", path])
        XCTAssertEqual(publicKey.status, 0, publicKey.stderr)
        XCTAssertEqual(String(decoding: publicKey.stdout, as: UTF8.self), "\(ours.recipient)\n")
        let plaintext = Array("hello".utf8)
        let theirFile = try AgeCLI.run(age, ["-r", ours.recipient.description], stdin: plaintext)
        XCTAssertEqual(try AgeCLI.run(age, ["-d", "-i", path], stdin: theirFile.stdout).stdout, plaintext)
    }

    func testAgeRejectsWhatWeRejectForTampering() throws {
        // Sanity of our tampering tests: the reference implementation agrees the file is broken.
        let age = try AgeCLI.require("age")
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ours = AgeIdentity.generate(using: &generator)
        let path = try write(AgeIdentityFile.render(ours, created: Date()), to: "ours.txt", in: folder)
        var file = try AgeEncryptor.encrypt(samplePlaintext(100), to: [ours.recipient], using: &generator)
        file[file.count - 1] ^= 1
        XCTAssertNotEqual(try AgeCLI.run(age, ["-d", "-i", path], stdin: file).status, 0)
        XCTAssertThrowsError(try AgeDecryptor.decrypt(file, with: [ours]))
    }
}
