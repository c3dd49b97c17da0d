#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import Manifest

/// A folder manifest: every *.yaml/*.yml in it, sorted, read as one manifest.
final class ManifestFolderTests: XCTestCase {
    func folder(_ name: String) -> String { Fixtures.url("folders/\(name)").path }

    func testValidFolderReadsYamlAndYmlFilesInNameOrder() throws {
        let (sources, problems) = ManifestLoader.readSources(at: folder("valid-multi"))
        XCTAssertEqual(problems, [])
        XCTAssertEqual(sources.map { ($0.path as NSString).lastPathComponent },
                       ["00-global.yaml", "payments.yaml", "search.yml"])
        let result = ManifestLoader.load(sources)
        XCTAssertEqual(result.diagnostics, [])
        let manifest = try XCTUnwrap(result.manifest)
        XCTAssertEqual(manifest.teams.map(\.name.value), ["no", "payments", "search"])
        XCTAssertEqual(manifest.team(named: "payments")?.keys.first?.rateLimit.value, 120)
        XCTAssertEqual(manifest.team(named: "search")?.name.location.file, folder("valid-multi") + "/search.yml")
    }

    func testTeamInTwoFilesNamesBothPlaces() throws {
        let result = ManifestLoader.load(ManifestLoader.readSources(at: folder("duplicate-team")).sources)
        XCTAssertNil(result.manifest)
        XCTAssertEqual(Fixtures.summary(result.diagnostics), ["error duplicate-team search.yaml 4:3"])
        let message = try XCTUnwrap(result.diagnostics.first?.message)
        XCTAssertTrue(message.contains(folder("duplicate-team") + "/payments.yaml:2:3"), message)
        XCTAssertTrue(message.contains(folder("duplicate-team") + "/search.yaml:4:3"), message)
    }

    func testGlobalSettingsInTwoFilesIsAnError() throws {
        let result = ManifestLoader.load(ManifestLoader.readSources(at: folder("duplicate-global")).sources)
        XCTAssertNil(result.manifest)
        XCTAssertEqual(Fixtures.summary(result.diagnostics), ["error duplicate-global search.yaml 1:1"])
        XCTAssertTrue(result.diagnostics[0].message.contains("00-global.yaml:2:1"), result.diagnostics[0].message)
    }

    func testDigestCoversPathsAndBytesInPathOrder() {
        let a = ManifestSource(path: "a.yaml", bytes: Array("version: 1\nprefix: x\n".utf8))
        let b = ManifestSource(path: "b.yaml", bytes: Array("teams: {}\n".utf8))
        let digest = ManifestLoader.load([a, b]).manifest?.digest
        XCTAssertNotNil(digest)
        XCTAssertEqual(ManifestLoader.load([b, a]).manifest?.digest, digest, "order given does not matter")
        var renamed = b
        renamed.path = "c.yaml"
        XCTAssertNotEqual(ManifestLoader.load([a, renamed]).manifest?.digest, digest)
        var edited = b
        edited.bytes += Array("# comment\n".utf8)
        XCTAssertNotEqual(ManifestLoader.load([a, edited]).manifest?.digest, digest)
    }
}

/// The only I/O: reading a path into sources, with problems as diagnostics.
final class ManifestReadSourcesTests: XCTestCase {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testMissingPath() {
        let (sources, problems) = ManifestLoader.readSources(at: "/nonexistent/keys.yaml")
        XCTAssertEqual(sources, [])
        XCTAssertEqual(problems.map(\.code), ["path-not-found"])
        XCTAssertNil(problems[0].location)
    }

    func testFolderWithoutManifestFiles() throws {
        let dir = try temporaryFolder()
        try Data("x".utf8).write(to: dir.appendingPathComponent("README.md"))
        try Data("x: 1".utf8).write(to: dir.appendingPathComponent(".hidden.yaml"))
        XCTAssertEqual(ManifestLoader.readSources(at: dir.path).diagnostics.map(\.code), ["no-manifest-files"])
        XCTAssertEqual(ManifestLoader.load([]).diagnostics.map(\.code), ["no-manifest-files"])
    }

    /// A path that no one can open, root included (tests run as root in CI, where permission
    /// bits do not stop a read): a Unix socket named like a manifest. `open` fails with ENXIO.
    func testFileThatCannotBeOpened() throws {
        let dir = try temporaryFolder()
        let path = dir.appendingPathComponent("keys.yaml").path
        let socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(socketFD, 0)
        defer { close(socketFD) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0, "bind \(path): errno \(errno)")
        XCTAssertEqual(ManifestLoader.readSources(at: path).diagnostics.map(\.code), ["unreadable-file"])
        XCTAssertEqual(ManifestLoader.readSources(at: dir.path).diagnostics.map(\.code), ["unreadable-file"])
    }

    func testEntryThatCannotBeReadAsAFile() throws {
        let dir = try temporaryFolder()
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("teams.yaml"), withIntermediateDirectories: true)
        let (sources, problems) = ManifestLoader.readSources(at: dir.path)
        XCTAssertEqual(sources, [])
        XCTAssertEqual(problems.map(\.code), ["unreadable-file"])
        XCTAssertEqual(problems.first?.message, "cannot read \(dir.path)/teams.yaml")
    }

    func testFileOverTheCapIsRefusedWithoutReadingIt() throws {
        let dir = try temporaryFolder()
        let file = dir.appendingPathComponent("keys.yaml")
        XCTAssertTrue(FileManager.default.createFile(atPath: file.path, contents: nil))
        // A sparse file: 64 MiB + 1 byte on paper, nothing on disk.
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: UInt64(ManifestLoader.maxFileSize + 1))
        try handle.close()
        let (sources, problems) = ManifestLoader.readSources(at: file.path)
        XCTAssertEqual(sources, [])
        XCTAssertEqual(Fixtures.summary(problems), ["error file-too-large keys.yaml 1:1"])
    }

    func testDigestDoesNotDependOnHowThePathWasTyped() {
        let bytes = Array("version: 1\nprefix: x\nteams: {}\n".utf8)
        let digests = ["keys.yaml", "./keys.yaml", "/work/repo/keys.yaml", "ci/checkout/keys.yaml"].map {
            ManifestLoader.load([ManifestSource(path: $0, bytes: bytes)]).manifest?.digest
        }
        XCTAssertNotNil(digests[0])
        XCTAssertEqual(Set(digests).count, 1, "one file: its name, not the folder it sits in")
        let global = ManifestSource(path: "keys/00-global.yaml", bytes: Array("version: 1\nprefix: x\n".utf8))
        let team = ManifestSource(path: "keys/teams/search.yaml", bytes: Array("teams: {}\n".utf8))
        var moved = [global, team]
        moved[0].path = "./other/place/keys/00-global.yaml"
        moved[1].path = "./other/place/keys/teams/search.yaml"
        XCTAssertEqual(ManifestLoader.load(moved).manifest?.digest, ManifestLoader.load([global, team]).manifest?.digest)
        XCTAssertEqual(ManifestLoader.digestNames(["k/a.yaml", "k/t/b.yaml"]), ["a.yaml", "t/b.yaml"])
    }
}
