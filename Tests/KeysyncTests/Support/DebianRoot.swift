import Foundation
import XCTest

/// A minimal Debian root (`debootstrap --variant=minbase`) with only libyaml, zlib and SQLite
/// added: no Swift toolchain, no Swift runtime. Made once per machine and kept in the temporary
/// folder (about two minutes to make, 200 MB); a root whose making was interrupted is made again.
enum DebianRoot {
    static let suite = "bookworm"
    static let packages = ["libyaml-0-2", "zlib1g", "libsqlite3-0"]

    /// The root, made if needed. Skips where debootstrap is missing or this is not root.
    static func prepared() throws -> URL {
        guard getuid() == 0 else {
            throw XCTSkip("debootstrap and chroot need root; the release binary is not tried in a Debian root without Swift")
        }
        guard let debootstrap = Program.find("debootstrap") else {
            throw XCTSkip("debootstrap is not installed (Debian package `debootstrap`); the release binary is not tried in a Debian root without Swift")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("keysync-debian-\(suite)-minbase")
        let complete = root.appendingPathComponent(".keysync-root-complete")
        if FileManager.default.fileExists(atPath: complete.path) { return root }
        try? FileManager.default.removeItem(at: root)
        let made = try Program.run(debootstrap, [
            "--variant=minbase", "--include=" + packages.joined(separator: ","), suite, root.path, mirror,
        ])
        guard made.status == 0 else {
            throw ReleaseArtifacts.Failure(description: "debootstrap exited \(made.status):\n\(made.stdout.suffix(3000))\n\(made.stderr.suffix(3000))")
        }
        try Data().write(to: complete)
        return root
    }

    /// The Debian mirror this machine's apt uses (so the root comes from the same place), else
    /// deb.debian.org. KEYSYNC_DEBIAN_MIRROR overrides.
    static var mirror: String {
        if let chosen = ProcessInfo.processInfo.environment["KEYSYNC_DEBIAN_MIRROR"], !chosen.isEmpty { return chosen }
        let folder = "/etc/apt/sources.list.d"
        let files = ["/etc/apt/sources.list"]
            + ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { "\(folder)/\($0)" }
        for file in files where file.hasSuffix(".list") || file.hasSuffix(".sources") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                let uris = words.first == "URIs:" ? Array(words.dropFirst()) : words.first == "deb" ? words.filter { $0.contains("://") } : []
                if let uri = uris.first(where: { !$0.contains("security") }) { return uri }
            }
        }
        return "http://deb.debian.org/debian"
    }
}
