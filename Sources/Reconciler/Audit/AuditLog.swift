import Foundation

/// The append-only, hash-chained JSON Lines file of every change `apply` made.
///
/// Each line is one `AuditLine` (a key event or an apply marker) as a single JSON object with
/// sorted keys, plus `prev`: the `sha256:<hex>` of the previous line's exact bytes (without its
/// line break). The first line's `prev` is `genesis`, the SHA-256 of no bytes. Editing,
/// removing or reordering any line breaks the link of the line after it (or its own), and
/// `verify` names the line. What a chain alone cannot notice — its last lines cut off, or
/// rewritten with recomputed links — the signed state catches: it records the log's head
/// (`AuditAnchor`) as of its own apply, and `RepositoryHistory` checks the log against it.
///
/// Appending costs what it appends: `DurableStorage.append` adds the new lines at the end and
/// syncs, after cutting a half-written last line that a crash during an earlier append left.
public enum AuditLog {
    /// `prev` of the first line: `sha256:` of the empty string.
    public static let genesis = AuditAnchor.empty.head

    /// The file name used beside the state unless `--audit-log` says otherwise.
    public static let defaultFileName = "keysync.audit.jsonl"

    /// Pure: the bytes of `lines`, chained after a log whose head is `anchor`, and the anchor
    /// after them. Every line ends with a line break.
    public static func encode(_ lines: [AuditLine], after anchor: AuditAnchor) -> (bytes: [UInt8], anchor: AuditAnchor) {
        var output: [UInt8] = []
        var prev = anchor.head
        for line in lines {
            let encoded = encodeLine(line, prev: prev)
            output += encoded
            output.append(newline)
            prev = SHA256Text.of(encoded)
        }
        return (output, AuditAnchor(events: anchor.events + lines.count, head: prev))
    }

    /// `sha256:<hex>` of the last line of `bytes` (without its line break), `genesis` when empty:
    /// the value the next line's `prev` must hold.
    public static func head(of bytes: [UInt8]) -> String { AuditLogFile(bytes).anchor.head }

    /// How many lines (events, if the log verifies) `bytes` holds.
    public static func eventCount(in bytes: [UInt8]) -> Int { AuditLogFile(bytes).count }

    /// Every problem in the log's chain, in line order; empty when the chain is intact.
    public static func verify(_ bytes: [UInt8]) -> [AuditProblem] {
        let file = AuditLogFile(bytes)
        var lineByHash: [String: Int] = [genesis: 0]
        let hashes = (0..<file.count).map { file.hash(ofLine: $0 + 1) }
        for (index, hash) in hashes.enumerated() where lineByHash[hash] == nil {
            lineByHash[hash] = index + 1
        }
        var problems: [AuditProblem] = []
        for index in 0..<file.count {
            let number = index + 1
            let data = Data(file.bytes(ofLine: number))
            if let prev = try? JSONDecoder().decode(ChainLink.self, from: data).prev {
                let expected = index == 0 ? genesis : hashes[index - 1]
                if prev != expected {
                    let follows = lineByHash[prev].flatMap { $0 == number ? nil : $0 }
                    problems.append(AuditProblem(line: number, kind: .brokenLink(follows: follows)))
                }
            }
            do {
                _ = try AuditLine.decode(data)
                _ = try JSONDecoder().decode(ChainLink.self, from: data)
            } catch {
                problems.append(AuditProblem(line: number, kind: .malformed(reason(for: error))))
            }
            if !file.isTerminated(line: number) {
                problems.append(AuditProblem(line: number, kind: .unterminated))
            }
        }
        return problems
    }

    /// One line's exact bytes: the line's fields and `prev` in the compact layout of the one JSON
    /// writer (keys sorted, no spaces, no line break, strings escaped as in the state file).
    /// Earlier lines are never re-encoded: the chain hashes the bytes as they were written.
    static func encodeLine(_ line: AuditLine, prev: String) -> [UInt8] {
        // Encoding plain strings, numbers and dictionaries cannot fail.
        try! JSONWriter.encode(Chained(line: line, prev: prev), layout: .compact)
    }

    static let newline = UInt8(ascii: "\n")

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

    /// The encoded shape: the line's fields with `prev` beside them.
    private struct Chained: Encodable {
        var line: AuditLine
        var prev: String

        func encode(to encoder: Encoder) throws {
            switch line {
            case .key(let event): try event.encode(to: encoder)
            case .apply(let marker): try marker.encode(to: encoder)
            }
            var container = encoder.container(keyedBy: ChainLink.CodingKeys.self)
            try container.encode(prev, forKey: .prev)
        }
    }

    private struct ChainLink: Decodable {
        var prev: String
        enum CodingKeys: String, CodingKey { case prev }
    }
}

/// An audit log's bytes split into lines, without decoding them: cheap enough to build on every
/// read of a 100,000-event log, which then decodes only the lines it looks at.
public struct AuditLogFile: Sendable {
    public let bytes: [UInt8]
    private var ranges: [Range<Int>] = []
    /// Whether the last line ends with a line break (a crash can cut an append short).
    private var lastTerminated = true

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var start = 0
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                if buffer[index] == AuditLog.newline {
                    ranges.append(start..<index)
                    start = index + 1
                }
                index += 1
            }
        }
        if start < bytes.count {
            ranges.append(start..<bytes.count)
            lastTerminated = false
        }
    }

    /// Lines in the file, a half-written last one included.
    public var count: Int { ranges.count }

    /// Complete (terminated) lines.
    public var completeCount: Int { lastTerminated ? ranges.count : ranges.count - 1 }

    /// Bytes up to and including the last line break: what survives cutting a half-written line.
    public var completeLength: Int { completeCount == 0 ? 0 : ranges[completeCount - 1].upperBound + 1 }

    /// The head after the last complete line.
    public var anchor: AuditAnchor {
        AuditAnchor(events: completeCount, head: completeCount == 0 ? AuditLog.genesis : hash(ofLine: completeCount))
    }

    /// The 1-based line's bytes without its line break.
    public func bytes(ofLine line: Int) -> ArraySlice<UInt8> { bytes[ranges[line - 1]] }

    public func hash(ofLine line: Int) -> String { SHA256Text.of(bytes(ofLine: line)) }

    public func isTerminated(line: Int) -> Bool { line < ranges.count || lastTerminated }

    /// The first of lines 1...`count` whose `prev` is not the hash of the line before it (the
    /// first line's, `genesis`), or `nil` when the chain holds. Hashes every line but decodes
    /// none: a line's link is found as the one `"prev":"sha256:` in it (inside a JSON string a
    /// quote is escaped, so the pattern can only be the key itself).
    /// Without `checkingFirst`, line 1's link is not checked (its line is in a file not read).
    public func firstBrokenLink(through count: Int, checkingFirst: Bool = true) -> Int? {
        let last = min(count, self.count)
        guard last >= 1 else { return nil }
        let key = Array(#""prev":""#.utf8)
        return bytes.withUnsafeBufferPointer { all -> Int? in
            var previous = Array(AuditLog.genesis.utf8)
            for number in 1...last {
                let line = UnsafeBufferPointer(rebasing: all[ranges[number - 1]])
                guard let link = Self.value(after: key, in: line), link.elementsEqual(previous) || (number == 1 && !checkingFirst) else {
                    return number
                }
                previous = SHA256Text.utf8(of: line)
            }
            return nil
        }
    }

    /// The bytes of the string value after the only occurrence of `key` (which starts with a
    /// quote) in `line`; `nil` when it occurs twice or its value is not closed. Candidates are
    /// found with `memchr` (a 100,000-line log is ~70 MB, scanned on every read); the scan
    /// resumes after a value's closing quote.
    static func value(after key: [UInt8], in line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard let base = line.baseAddress, let quote = key.first else { return nil }
        let count = line.count
        var found: UnsafeBufferPointer<UInt8>?
        var index = 0
        return key.withUnsafeBufferPointer { pattern -> UnsafeBufferPointer<UInt8>? in
            while index + pattern.count <= count {
                guard let hit = memchr(base + index, Int32(quote), count - index) else { break }
                index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                guard index + pattern.count <= count else { break }
                if memcmp(base + index, pattern.baseAddress!, pattern.count) == 0 {
                    guard found == nil else { return nil }
                    let start = index + pattern.count
                    guard start < count, let close = memchr(base + start, Int32(UInt8(ascii: "\"")), count - start) else { return nil }
                    let end = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(close))
                    found = UnsafeBufferPointer(rebasing: line[start..<end])
                    index = end
                }
                index += 1
            }
            return found
        }
    }

    /// The 1-based line decoded, `nil` when it is not an audit line.
    public func decode(line: Int) -> AuditLine? { try? AuditLine.decode(Data(bytes(ofLine: line))) }
}
