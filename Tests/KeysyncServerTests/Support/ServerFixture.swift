import Foundation
import KeysyncServer
import Logging
import Reconciler
import TestSupport
import XCTest

/// A clock tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var instant: Date

    init(_ start: Date) { instant = start }

    var now: Date { lock.withLock { instant } }
    func advance(_ seconds: TimeInterval) { lock.withLock { instant += seconds } }
    var serverClock: ServerClock { ServerClock { [self] in now } }
}

/// Every log line of a server, kept for the tests that search them for raw keys.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }

    var logger: Logger {
        var logger = Logger(label: "keysync.serve.test") { _ in CapturingHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    struct CapturingHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            capture.append("\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }
}

/// A signed state with real keys (minted with a seeded generator) in a temporary folder, and
/// the raw keys by label. The raw keys must never appear in a failure message.
struct ServerFixture {
    static let now = Date(timeIntervalSince1970: 1_795_521_600)  // 2026-11-25T12:00:00Z, a whole minute
    static let lineage = "5c1f0a9e-2b7d-4c3e-9f10-0d7e6a1b2c3d"

    let folder: URL
    var statePath: String { folder.appendingPathComponent("keysync.state.json").path }
    var usagePath: String { folder.appendingPathComponent("keysync.usage.sqlite").path }
    let signingKey: StateSigningKey
    var keys: [String: String] = [:]
    var state: StateFile
    private var generator = SeededGenerator(seed: 12)

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("keysync-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var seeded = SeededGenerator(seed: 99)
        signingKey = StateSigningKey.generate(using: &seeded)
        state = StateFile(lineage: Self.lineage, serial: 5, prefix: "thig", teams: [
            TeamRecord(name: "payments", plan: "pro", apiAccess: true, owner: "lead@example.com"),
            TeamRecord(name: "hobby", plan: "free", apiAccess: false),
        ])
        add("valid", team: "payments", name: "checkout", rateLimit: 600)
        add("limited", team: "payments", name: "batch", rateLimit: 2)
        add("inactive", team: "payments", name: "paused", status: .inactive)
        add("expired", team: "payments", name: "old", expiresAt: Self.now.addingTimeInterval(-60))
        add("revoked", team: "payments", name: "gone", status: .revoked)
        add("free", team: "hobby", name: "toy")
    }

    /// Mints a key and records it in the state.
    mutating func add(_ label: String, team: String, name: String, rateLimit: Int = 60, status: KeyStatus = .active,
                      expiresAt: Date? = nil) {
        let key = try! APIKey.mint(prefix: "thig", using: &generator)
        let id = KeyID.mint(using: &generator)
        state.keys.append(KeyRecord(
            id: id, team: team, name: name, hash: key.hash, preview: key.preview, createdAt: Self.now.addingTimeInterval(-86_400),
            createdBy: "ci", expiresAt: expiresAt, rateLimit: rateLimit, status: status,
            revokedAt: status == .revoked ? Self.now.addingTimeInterval(-3600) : nil,
            revokedReason: status == .revoked ? .removedFromManifest : nil, sealedFile: "000005-\(team).age"))
        keys[label] = key.reveal()
    }

    /// A well-formed key of this installation that the state does not know.
    mutating func stranger() -> String { try! APIKey.mint(prefix: "thig", using: &generator).reveal() }

    func id(_ label: String) -> String {
        let hash = APIKeyHash.of(keys[label]!)
        return state.keys.first { $0.hash == hash }!.id.rawValue
    }

    /// Writes the state signed (or not) by the fixture's key, replacing the file atomically.
    func write(_ state: StateFile? = nil, signed: Bool = true) throws {
        let state = (state ?? self.state).normalized
        let data = (signed ? state.signed(with: signingKey) : state.withoutSignature).encoded()
        let temporary = statePath + ".tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, statePath) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Writes the state sharded (version 3) as apply does: the shards first (new names beside
    /// the live ones), then the index renamed into place; `commit: false` stops before the
    /// index, as a crash or an apply still running would. Returns the state written.
    @discardableResult
    func writeSharded(_ state: StateFile? = nil, commit: Bool = true) throws -> StateFile {
        var state = (state ?? self.state).normalized
        state.version = StateFile.shardedVersion
        let (signed, files) = state.signedFiles(with: signingKey)
        let shards = StateFile.shardFolder(forStateAt: statePath)
        try FileManager.default.createDirectory(atPath: shards, withIntermediateDirectories: true)
        for shard in files.shards { try shard.bytes.write(to: URL(fileURLWithPath: shards + "/" + shard.file)) }
        guard commit else { return signed }
        let temporary = statePath + ".tmp"
        try files.index.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, statePath) == 0 else { throw CocoaError(.fileWriteUnknown) }
        return signed
    }

    func configuration(clock: ManualClock? = nil, logs: LogCapture, port: Int = 0,
                       pollInterval: Duration = .seconds(60)) -> ServerConfiguration {
        ServerConfiguration(
            statePath: statePath, host: "127.0.0.1", port: port, usageDatabasePath: usagePath,
            trustedKey: signingKey.publicKey, pollInterval: pollInterval, flushInterval: .milliseconds(100),
            reloadOnSIGHUP: false, clock: clock?.serverClock ?? .system, logger: logs.logger)
    }

    /// Every raw key of the fixture found in `text` (by label; the keys themselves are not returned).
    func leakedKeys(in text: String) -> [String] {
        keys.filter { text.contains($0.value) }.map(\.key).sorted()
    }

    func leakedKeys(in data: Data) -> [String] {
        keys.filter { data.range(of: Data($0.value.utf8)) != nil }.map(\.key).sorted()
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// `sha256:<hex>` of a raw key, as the state stores it.
enum APIKeyHash {
    static func of(_ raw: String) -> KeyHash { try! APIKey(parsing: raw, prefix: "thig").hash }
}

/// The set-up every server test shares: a fresh signed fixture on disk and a log capture.
class ServerTestCase: XCTestCase {
    var fixture: ServerFixture!
    let logs = LogCapture()

    override func setUpWithError() throws {
        fixture = try ServerFixture()
        try fixture.write()
    }

    override func tearDown() { fixture.remove() }
}
