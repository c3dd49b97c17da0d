import Foundation

/// The append-only, hash-chained JSON Lines file of every change `apply` made.
///
/// Each line is one `AuditEvent` as a single JSON object with sorted keys, plus `prev`: the
/// `sha256:<hex>` of the previous line's exact bytes (without its line break). The first line's
/// `prev` is `genesis`, the SHA-256 of no bytes. Editing, removing or reordering any line
/// therefore breaks the link of the line after it (or its own), and `verify` names the line.
/// A hash chain cannot notice the *last* lines being cut off or the last line being rewritten
/// consistently; anchor `head(of:)` elsewhere (the state, a CI log, a signed tag) to catch that.
///
/// Appending rewrites the whole file through `DurableStorage` (temporary file, fsync, rename)
/// rather than `O_APPEND`: an apply's events land all together or not at all, a crash never
/// leaves half a line that would break the chain for every later apply, and crash tests stop
/// it at the same failure points as the other writes. The cost, reading and writing the whole
/// log once per apply, is small next to an apply (about 300 bytes per event).
public enum AuditLog {
    /// `prev` of the first line: `sha256:` of the empty string.
    public static let genesis = SHA256Text.of([UInt8]())

    /// The file name used beside the state unless `--audit-log` says otherwise.
    public static let defaultFileName = "keysync.audit.jsonl"

    /// Pure: the bytes of `events` as lines chained after the log `existing`, ready to append.
    ///
    /// When `existing` does not end with a line break (a cut-off or hand-edited log), a line
    /// break comes first so new events never merge into the old last line.
    public static func lines(for events: [AuditEvent], after existing: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        if let last = existing.last, last != newline { output.append(newline) }
        var prev = head(of: existing)
        for event in events {
            let line = encodeLine(event, prev: prev)
            output += line
            output.append(newline)
            prev = SHA256Text.of(line)
        }
        return output
    }

    /// Appends `events` to the log at `path` (created when missing) in one durable replace.
    /// It does not refuse a log that fails `verify`: recording what this apply did matters more,
    /// and the break stays visible to `keysync audit verify`.
    public static func append(
        _ events: [AuditEvent], to path: String, storage: some DurableStorage
    ) throws(StorageError) {
        guard !events.isEmpty else { return }
        var log = try storage.read(path) ?? []
        log.append(contentsOf: lines(for: events, after: log))
        try storage.write(log, to: path)
    }

    /// `sha256:<hex>` of the last line of `bytes` (without its line break), `genesis` when empty:
    /// the value the next line's `prev` must hold.
    public static func head(of bytes: [UInt8]) -> String {
        guard let last = splitLines(bytes).last else { return genesis }
        return SHA256Text.of(last.bytes)
    }

    /// How many lines (events, if the log verifies) `bytes` holds.
    public static func eventCount(in bytes: [UInt8]) -> Int { splitLines(bytes).count }

    /// Every problem in the log, in line order; empty when the chain is intact.
    public static func verify(_ bytes: [UInt8]) -> [AuditProblem] {
        let lines = splitLines(bytes)
        var lineByHash: [String: Int] = [genesis: 0]
        let hashes = lines.map { SHA256Text.of($0.bytes) }
        for (index, hash) in hashes.enumerated() where lineByHash[hash] == nil {
            lineByHash[hash] = index + 1
        }
        var problems: [AuditProblem] = []
        for (index, line) in lines.enumerated() {
            let number = index + 1
            let data = Data(line.bytes)
            let decoder = JSONDecoder()
            if let prev = try? decoder.decode(ChainLink.self, from: data).prev {
                let expected = index == 0 ? genesis : hashes[index - 1]
                if prev != expected {
                    let follows = lineByHash[prev].flatMap { $0 == number ? nil : $0 }
                    problems.append(AuditProblem(line: number, kind: .brokenLink(follows: follows)))
                }
            }
            do {
                _ = try decoder.decode(AuditEvent.self, from: data)
                _ = try decoder.decode(ChainLink.self, from: data)
            } catch {
                problems.append(AuditProblem(line: number, kind: .malformed(reason(for: error))))
            }
            if !line.terminated {
                problems.append(AuditProblem(line: number, kind: .unterminated))
            }
        }
        return problems
    }

    /// One line's exact bytes: the event's fields and `prev`, keys sorted, no spaces, no line
    /// break; `/` unescaped, other characters as Foundation's JSON encoder writes them.
    static func encodeLine(_ event: AuditEvent, prev: String) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and dictionaries cannot fail.
        return Array(try! encoder.encode(Line(event: event, prev: prev)))
    }

    private static let newline = UInt8(ascii: "\n")

    private static func splitLines(_ bytes: [UInt8]) -> [(bytes: ArraySlice<UInt8>, terminated: Bool)] {
        var lines: [(ArraySlice<UInt8>, Bool)] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            if let end = bytes[start...].firstIndex(of: newline) {
                lines.append((bytes[start..<end], true))
                start = end + 1
            } else {
                lines.append((bytes[start...], false))
                start = bytes.endIndex
            }
        }
        return lines
    }

    private static func reason(for error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?:
            return "field '\(key.stringValue)' is missing"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case .dataCorrupted(let context)? where !context.codingPath.isEmpty:
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has an invalid value"
        default:
            return "not a JSON object"
        }
    }

    /// The encoded shape: the event's fields with `prev` beside them.
    private struct Line: Encodable {
        var event: AuditEvent
        var prev: String

        func encode(to encoder: Encoder) throws {
            try event.encode(to: encoder)
            var container = encoder.container(keyedBy: ChainLink.CodingKeys.self)
            try container.encode(prev, forKey: .prev)
        }
    }

    private struct ChainLink: Decodable {
        var prev: String
        enum CodingKeys: String, CodingKey { case prev }
    }
}
