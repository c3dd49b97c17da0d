import Crypto
import Foundation

/// The way into `Manifest`: read sources (the module's only I/O), then parse and validate
/// them into a `Manifest` plus every diagnostic found.
public enum ManifestLoader {
    /// Files larger than this are refused before parsing: a manifest of 100k keys is ~20 MB.
    public static let maxFileSize = 64 * 1024 * 1024

    /// Reads a file, or every `*.yaml`/`*.yml` directly in a folder (sorted by name; hidden
    /// files skipped) — the only I/O in Manifest. Problems (missing path, unreadable or
    /// oversized file, empty folder) come back as diagnostics, never thrown.
    public static func readSources(at path: String) -> (sources: [ManifestSource], diagnostics: [Diagnostic]) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ([], [.error(.pathNotFound, "\(path) does not exist",
                                hint: "pass the manifest file or folder, e.g. keys.yaml", at: nil)])
        }
        // A manifest is quoted in diagnostics, which CI logs show: a committed link to a file CI
        // can read (a secret, /proc/self/environ) must never be followed.
        var info = stat()
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK {
            return ([], [symbolicLink(path)])
        }
        guard isDirectory.boolValue else {
            switch readFile(path) {
            case .success(let source): return ([source], [])
            case .failure(let diagnostic): return ([], [diagnostic])
            }
        }
        let entries: [String]
        do {
            entries = try fm.contentsOfDirectory(atPath: path)
        } catch {
            return ([], [.error(.unreadableFile, "cannot read folder \(path)",
                                hint: "check that it exists and that you may read it", at: nil)])
        }
        let names = entries.filter { name in
            !name.hasPrefix(".") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml"))
        }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        guard !names.isEmpty else {
            return ([], [.error(.noManifestFiles, "folder \(path) holds no *.yaml or *.yml files",
                                hint: "pass a manifest file, or a folder of them", at: nil)])
        }
        let base = path.hasSuffix("/") ? path : path + "/"
        var sources: [ManifestSource] = []
        var diagnostics: [Diagnostic] = []
        for name in names {
            switch readFile(base + name) {
            case .success(let source): sources.append(source)
            case .failure(let diagnostic): diagnostics.append(diagnostic)
            }
        }
        return (sources, diagnostics)
    }

    private static func readFile(_ path: String) -> Result<ManifestSource, Diagnostic> {
        let unreadable = Diagnostic.error(
            .unreadableFile, "cannot read \(path)", hint: "check that it is a file you may read", at: nil)
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .failure(errno == ELOOP ? symbolicLink(path) : unreadable) }
        defer { close(fd) }
        // Check the size before reading, so an oversized file is never loaded into memory.
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return .failure(unreadable) }
        let size = Int(info.st_size)
        if size > maxFileSize { return .failure(tooLarge(path: path, size: size)) }
        // Read straight into the array the parser will use: no intermediate `Data` copy.
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while count < size {
                let n = read(fd, buffer.baseAddress! + count, size - count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failed = n < 0; break }
                count += n
            }
        }
        if failed { return .failure(unreadable) }
        return .success(ManifestSource(path: path, bytes: bytes))
    }

    static func symbolicLink(_ path: String) -> Diagnostic {
        .error(.unreadableFile, "\(path) is a symbolic link; keysync reads only regular files and folders as the manifest",
               hint: "commit the manifest itself, not a link to it", at: nil)
    }

    static func tooLarge(path: String, size: Int) -> Diagnostic {
        .error(.fileTooLarge,
               "\(path) is \(size / (1024 * 1024)) MiB; manifest files are limited to \(maxFileSize / (1024 * 1024)) MiB",
               hint: "split the manifest into a folder of files, one per team or group of teams",
               at: SourceLocation(file: path, line: 1, column: 1))
    }

    /// Pure: parse + validate. `manifest` is nil when any error was found. Sources are taken
    /// in path order (as a folder lists them); every file is checked even after errors, so one
    /// run reports all problems. `progress` hears how many bytes of all the sources were read
    /// (after each team, and after each file), of `sources`' total.
    public static func load(_ sources: [ManifestSource], progress: @escaping (Int) -> Void = { _ in }) -> ManifestLoadResult {
        let ordered = sources.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        guard !ordered.isEmpty else {
            return ManifestLoadResult(manifest: nil, diagnostics: [
                .error(.noManifestFiles, "no manifest files were given",
                       hint: "pass a manifest file, or a folder of them", at: nil),
            ])
        }
        var diagnostics: [Diagnostic] = []
        var drafts: [FileDraft] = []
        var bytesBefore = 0
        for source in ordered {
            defer {
                bytesBefore += source.bytes.count
                progress(bytesBefore)
            }
            if source.bytes.count > maxFileSize {
                diagnostics.append(tooLarge(path: source.path, size: source.bytes.count))
                var draft = FileDraft(path: source.path)
                draft.incomplete = true
                drafts.append(draft)
                continue
            }
            let (draft, found) = ManifestFileDecoder.decode(source) { [bytesBefore] in progress(bytesBefore + $0) }
            diagnostics.append(contentsOf: found)
            drafts.append(draft)
        }
        let (manifest, found) = ManifestAssembler.assemble(consume drafts, digest: digest(of: ordered))
        diagnostics.append(contentsOf: found)
        let hasErrors = diagnostics.hasErrors
        return ManifestLoadResult(
            manifest: hasErrors ? nil : manifest, diagnostics: diagnostics.sortedByLocation())
    }

    /// `sha256:<hex>` over each source in path order: its name, a NUL, its byte count in
    /// decimal, a NUL, then its bytes — so moving bytes between files changes the digest.
    /// The name is the path below the sources' common folder (a lone file: its file name), so
    /// `plan -m ./keys.yaml` and `apply -m keys.yaml`, or CI's checkout elsewhere, agree.
    static func digest(of ordered: [ManifestSource]) -> String {
        var hasher = SHA256()
        let names = digestNames(ordered.map(\.path))
        for (source, name) in zip(ordered, names) {
            hasher.update(data: Array(name.utf8) + [0] + Array(String(source.bytes.count).utf8) + [0])
            source.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return "sha256:" + hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Paths with their common leading folders removed, compared component by component.
    static func digestNames(_ paths: [String]) -> [String] {
        let split = paths.map { $0.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." } }
        guard var common = split.first?.dropLast() else { return [] }
        for parts in split.dropFirst() {
            let folder = parts.dropLast()
            let shared = zip(common, folder).prefix { $0 == $1 }.count
            common = common.prefix(shared)
        }
        return split.map { $0.dropFirst(common.count).joined(separator: "/") }
    }
}
