import Foundation
import XCTest

/// A minimal Debian root (`debootstrap --variant=minbase`) with only libyaml, zlib and SQLite
/// added: no Swift toolchain, no Swift runtime. Made afresh for each test run inside that test's
/// own temporary folder (a minute or two, 200 MB), so nothing is left on the machine and a stale
/// or half-made root can never be reused.
enum DebianRoot {
    static let packages = ["libyaml-0-2", "zlib1g", "libsqlite3-0"]

    /// Makes the root at `folder`. Skips where debootstrap is missing or this is not root.
    static func make(at folder: URL) throws {
        guard getuid() == 0 else {
            throw XCTSkip("debootstrap and chroot need root; the release binary is not tried in a Debian root without Swift")
        }
        guard let debootstrap = Program.find("debootstrap") else {
            throw XCTSkip("debootstrap is not installed (Debian package `debootstrap`); the release binary is not tried in a Debian root without Swift")
        }
        let made = try Program.run(debootstrap, [
            "--variant=minbase", "--include=" + packages.joined(separator: ","), suite, folder.path, mirror,
        ])
        guard made.status == 0 else {
            throw ReleaseArtifacts.Failure(description: "debootstrap exited \(made.status):\n\(made.stdout.suffix(3000))\n\(made.stderr.suffix(3000))")
        }
    }

    /// This machine's own Debian release (`VERSION_CODENAME`): the binary is linked against its
    /// glibc, so the root has the same one.
    static var suite: String {
        let release = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        for line in release.split(separator: "\n") where line.hasPrefix("VERSION_CODENAME=") {
            return String(line.dropFirst("VERSION_CODENAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return "bookworm"
    }

    /// The Debian mirror this machine's apt uses, so the root comes from wherever apt's packages
    /// come from (a local mirror, a proxy, no internet), else deb.debian.org.
    /// KEYSYNC_DEBIAN_MIRROR overrides.
    static var mirror: String {
        if let chosen = ProcessInfo.processInfo.environment["KEYSYNC_DEBIAN_MIRROR"], !chosen.isEmpty { return chosen }
        let folder = "/etc/apt/sources.list.d"
        let files = ["/etc/apt/sources.list"]
            + ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { "\(folder)/\($0)" }
        for file in files where file.hasSuffix(".list") || file.hasSuffix(".sources") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            // One-line format: `deb [options] URI suite components`; deb822: a stanza with
            // `Types: deb`, `URIs:` and `Suites:` naming this release.
            for stanza in text.components(separatedBy: "\n\n") {
                let lines = stanza.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.hasPrefix("#") }
                for line in lines where line.hasPrefix("deb ") {
                    let words = line.split(separator: " ").map(String.init)
                    if let uri = words.firstIndex(where: { $0.contains("://") }), words.indices.contains(uri + 1),
                       words[uri + 1] == suite {
                        return words[uri]
                    }
                }
                func field(_ name: String) -> [String] {
                    lines.first { $0.hasPrefix(name + ":") }.map { $0.dropFirst(name.count + 1).split(separator: " ").map(String.init) } ?? []
                }
                if field("Types").contains("deb"), field("Suites").contains(suite), let uri = field("URIs").first {
                    return uri
                }
            }
        }
        return "http://deb.debian.org/debian"
    }
}
