import Foundation

/// The audit log's files: a chain of segments, each at most `maximumBytes`, so no file in the
/// repository outgrows git hosting (GitHub warns at 50 MB a file and refuses 100 MB; one
/// 100,000-key apply adds ~70 MB of lines).
///
/// Segment 1 is the file at the log's path (`keysync.audit.jsonl`: the single file of every
/// log written before segments, read and appended to as it is); segment N ≥ 2 sits beside it
/// as `keysync.audit.00000N.jsonl` (six digits at least, so they list in order). The hash chain
/// runs on across files: the first line of segment N+1 links to the last line of segment N.
/// Only the last segment is appended to (`AuditLogEnd`); closed ones are never rewritten.
///
/// What must hold of the files, checked by every reader: segment 1 exists whenever another
/// does, numbers have no gaps, no other name in the folder looks like a segment of this log,
/// and every segment but the last ends with a line break (a crash can cut only the last
/// append short, and apply never opens a segment before the one before it is durable).
public enum AuditLogSegments {
    /// The most bytes apply puts in one segment: well under GitHub's 50 MB warning, and small
    /// enough that reading the segment with the state's head is cheap on every plan.
    public static let maximumBytes = 16 * 1024 * 1024

    /// The path of segment `number` of the log whose first segment is at `base`.
    public static func path(_ number: Int, base: String) -> String {
        guard number > 1 else { return base }
        let (folder, name) = split(base)
        let (stem, suffix) = parts(of: name)
        return ApplyLayout.join(folder, stem + "." + digits(number) + suffix)
    }

    /// How many segments the log at `base` has (0 when there is no log), after checking that
    /// they are segments 1...N, each a regular file (never a link), with nothing in the folder
    /// that only looks like one.
    public static func count(base: String, storage: some DurableStorage) throws(RepositoryError) -> Int {
        let (folder, name) = split(base)
        let entries: [String]
        do {
            entries = try storage.entries(in: folder ?? ".") ?? []
        } catch {
            throw .storage(error)
        }
        let (stem, suffix) = parts(of: name)
        var numbers: [Int] = []
        for entry in entries where entry.count > stem.count + suffix.count + 1
            && entry.hasPrefix(stem + ".") && entry.hasSuffix(suffix) {
            let middle = entry.dropFirst(stem.count + 1).dropLast(suffix.count)
            guard !middle.isEmpty, middle.allSatisfy({ $0.isASCII && $0.isNumber }) else { continue }
            guard let number = Int(middle), number >= 2, digits(number) == middle else {
                throw broken(base, "\(entry) looks like one of its segment files but is not named as one (\(stem).NNNNNN\(suffix), from 000002)")
            }
            numbers.append(number)
        }
        numbers.sort()
        let hasFirst = entries.contains(name)
        if let gap = (numbers.enumerated().first { $0.offset + 2 != $0.element }) {
            throw broken(base, "segment \(gap.offset + 2) is missing (\(path(gap.offset + 2, base: base))) but \(path(gap.element, base: base)) is there")
        }
        if !numbers.isEmpty && !hasFirst {
            throw broken(base, "its first segment is missing but \(path(numbers[0], base: base)) is there")
        }
        let count = hasFirst ? numbers.count + 1 : 0
        // Closed segments are not read on every plan, but none may be a link or a folder either.
        for number in stride(from: 1, through: count, by: 1) {
            do {
                try storage.ensureWritable(path(number, base: base))
            } catch {
                throw .storage(error)
            }
        }
        return count
    }

    /// Reads segments `first`...`count` of the log at `base` and joins them. `eventsBefore`
    /// is how many lines the segments before `first` hold (from the state's anchor; 0 from 1).
    public static func load(
        base: String, from first: Int, count: Int, eventsBefore: Int, limit: Int = maximumBytes,
        storage: some DurableStorage
    ) throws(RepositoryError) -> AuditLogSegments.Loaded {
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var offsets: [Int] = []
        var lines = 0
        for number in stride(from: first, through: count, by: 1) {
            let path = path(number, base: base)
            let read: [UInt8]?
            do {
                read = try storage.read(path)
            } catch {
                throw .storage(error)
            }
            guard let segment = read else { throw broken(base, "\(path) vanished while it was read") }
            if number < count && segment.last != AuditLog.newline {
                throw broken(base, "\(path) does not end with a line break, yet a later segment follows it: only the last segment's last write can be cut off")
            }
            starts.append(lines)
            offsets.append(bytes.count)
            bytes += segment
            lines += segment.reduce(0) { $0 + ($1 == AuditLog.newline ? 1 : 0) }
        }
        return Loaded(base: base, firstSegment: first, eventsBefore: eventsBefore, file: AuditLogFile(bytes),
                      lineStarts: starts, byteStarts: offsets, limit: limit)
    }

    /// Some consecutive segments of a log, up to its last, joined into one `AuditLogFile`.
    public struct Loaded: Sendable {
        public var base: String
        /// The number of the first segment loaded (0 segments when `lineStarts` is empty).
        public var firstSegment: Int
        /// Lines in the segments before `firstSegment`, which were not read.
        public var eventsBefore: Int
        /// The loaded segments' bytes, joined; its line N is the log's line `eventsBefore + N`.
        public var file: AuditLogFile
        /// Per loaded segment: the lines of `file` before it, and its first byte in `file`.
        var lineStarts: [Int]
        var byteStarts: [Int]
        var limit: Int

        /// How many segment files were read (0: there is no log).
        public var segmentsRead: Int { byteStarts.count }

        /// No log at all.
        public static func none(base: String, limit: Int = maximumBytes) -> Loaded {
            Loaded(base: base, firstSegment: 1, eventsBefore: 0, file: AuditLogFile([]), lineStarts: [], byteStarts: [], limit: limit)
        }

        /// A single-file log (segment 1 only), from its bytes.
        public static func single(_ bytes: [UInt8]?, base: String) -> Loaded {
            guard let bytes else { return .none(base: base) }
            return Loaded(base: base, firstSegment: 1, eventsBefore: 0, file: AuditLogFile(bytes), lineStarts: [0], byteStarts: [0],
                          limit: maximumBytes)
        }

        /// The segment file holding `file`'s line `line`, and the line's number in it.
        public func locate(line: Int) -> (path: String, line: Int) {
            guard let index = lineStarts.lastIndex(where: { $0 < line }) else { return (base, line) }
            return (path(firstSegment + index, base: base), line - lineStarts[index])
        }

        /// The segment number holding `file`'s line `line`.
        func segment(ofLine line: Int) -> Int {
            firstSegment + (lineStarts.lastIndex(where: { $0 < line }) ?? 0)
        }

        /// Where the next apply appends.
        public var end: AuditLogEnd {
            guard let last = byteStarts.last, let lastLines = lineStarts.last else { return AuditLogEnd(limit: limit) }
            return AuditLogEnd(
                segment: firstSegment + byteStarts.count - 1, length: max(file.completeLength - last, 0),
                events: file.completeCount - lastLines, eventsBefore: eventsBefore + lastLines,
                halfLine: file.completeLength < file.bytes.count, limit: limit)
        }

        /// The anchor after the last complete line.
        public var anchor: AuditAnchor { end.anchor(head: file.completeCount == 0 ? AuditLog.genesis : file.hash(ofLine: file.completeCount)) }
    }

    static func broken(_ base: String, _ reason: String) -> RepositoryError {
        .history(.auditSegmentsBroken(reason), auditLog: base)
    }

    /// `name` without its `.jsonl` (the segment number goes before it), and the `.jsonl`.
    private static func parts(of name: String) -> (stem: String, suffix: String) {
        name.hasSuffix(".jsonl") && name.count > 6 ? (String(name.dropLast(6)), ".jsonl") : (name, "")
    }

    private static func digits(_ number: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, 6 - text.count)) + text
    }

    private static func split(_ path: String) -> (folder: String?, name: String) {
        let folder = ApplyLayout.folder(of: path)
        var name = Substring(path)
        while name.count > 1 && name.hasSuffix("/") { name = name.dropLast() }
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        return (folder, String(name))
    }
}
