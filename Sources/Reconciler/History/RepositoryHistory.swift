import Foundation

/// Checks that the state, the audit log and the sealed folder tell one story, and says how the
/// next apply continues it.
///
/// The audit log is written before the state (its lines up to `apply.began` and the key
/// events), and the state records the log's head as of then (`StateFile.log`); `apply.completed`
/// follows the state. So, reading a repository:
/// - the line at the recorded head must be there and hash to the recorded head: otherwise the
///   log was cut or rewritten, or the state is another history's;
/// - after it may come only the state's own `apply.completed` and the lines of applies that
///   began and never completed (a crash before their state was written);
/// - an `apply.completed` for a higher serial means the state is an older copy put back.
/// A version 1 state (written before the anchor existed) is checked by serial alone: its log was
/// written after its state, so no line may carry a higher serial.
///
/// Pure: it is given bytes and names, and reads nothing itself.
public enum RepositoryHistory {
    /// What the next apply needs to know to continue the history.
    public struct Continuation: Equatable, Sendable {
        /// Above every serial the state, the log and the sealed folder ever used, so a serial
        /// (and its `sealed/<serial>-<team>.age` names) is never used twice.
        public var nextSerial: Int
        /// The head after the log's last complete line: where the next apply appends.
        public var logAnchor: AuditAnchor
        /// The log's last segment: its bytes up to its last line break (a half-written line
        /// after it is cut), its lines, and how big a segment may grow.
        public var logEnd: AuditLogEnd
        /// The state's own `apply.completed` is not in the log (a crash after the state was
        /// written): the next apply writes it first.
        public var missingCompletion: Int?
        /// Applies that began and never completed, not yet recorded as such.
        public var incompleteSerials: [Int]

        public init(nextSerial: Int, logAnchor: AuditAnchor, logEnd: AuditLogEnd, missingCompletion: Int? = nil,
                    incompleteSerials: [Int] = []) {
            self.nextSerial = nextSerial
            self.logAnchor = logAnchor
            self.logEnd = logEnd
            self.missingCompletion = missingCompletion
            self.incompleteSerials = incompleteSerials
        }

        /// A log whose last segment holds its head and is `logLength` bytes long.
        public init(nextSerial: Int, logAnchor: AuditAnchor, logLength: Int, missingCompletion: Int? = nil,
                    incompleteSerials: [Int] = []) {
            self.init(nextSerial: nextSerial, logAnchor: logAnchor, logEnd: AuditLogEnd(after: logAnchor, length: logLength),
                      missingCompletion: missingCompletion, incompleteSerials: incompleteSerials)
        }

        /// What follows `state` when nothing else is known: the next serial, appended to a log
        /// whose head is the state's own. Only for a log of exactly `logLength` bytes.
        public init(following state: StateFile, logLength: Int = 0) {
            self.init(nextSerial: state.serial + 1, logAnchor: state.log ?? .empty, logLength: logLength)
        }
    }

    /// Checks `state` (`stateExists` false for a missing file) against the log's segments
    /// (from the one holding the state's head to the last; `.none` when there is no log) and the
    /// names in the sealed folder. `allowInit` accepts a missing state in a repository with
    /// history (`apply --init`). Line numbers in the errors are `log.file`'s (`log.locate`
    /// names the segment file and its line).
    ///
    /// The segments before the head's are not read: they were closed before the state's apply
    /// and are never written again; `keysync audit verify` checks them in full.
    public static func check(
        state: StateFile, stateExists: Bool, log: AuditLogSegments.Loaded, sealedNames: [String], allowInit: Bool = false
    ) throws(HistoryError) -> Continuation {
        let file = log.file
        let sealedSerials = sealedNames.compactMap { SealedFile.parseName($0)?.serial }
        var highest = max(state.serial, sealedSerials.max() ?? 0)
        var missingCompletion: Int?
        var incomplete: [Int] = []

        if !stateExists {
            if (file.completeCount > 0 || !sealedSerials.isEmpty) && !allowInit {
                throw .historyWithoutState(events: file.completeCount, sealedFiles: sealedSerials.count)
            }
            for line in stride(from: file.completeCount, to: 0, by: -1) {
                if let serial = file.decode(line: line)?.serial { highest = max(highest, serial); break }
            }
        } else if let anchor = state.log {
            guard log.segmentsRead > 0 || anchor.events == 0 else {
                throw .auditLogMissing(recorded: anchor.events)
            }
            let headLine = anchor.events - log.eventsBefore
            guard file.completeCount >= headLine else {
                throw .auditLogTruncated(recorded: anchor.events, found: log.eventsBefore + file.completeCount)
            }
            let head = headLine == 0 ? AuditLog.genesis : file.hash(ofLine: headLine)
            guard head == anchor.head, headLine == 0 || log.segment(ofLine: headLine) == anchor.headSegment else {
                throw .auditLogMismatch(line: max(headLine, 1))
            }
            // The head vouches for the lines before it only through the chain: check every link
            // (from the head's segment on; the first one's link into the segment before it is
            // `audit verify`'s to check).
            if let broken = file.firstBrokenLink(through: headLine, checkingFirst: log.firstSegment == 1) {
                throw .auditChainBroken(line: broken)
            }
            var began: [Int] = [], closed: Set<Int> = []
            var completedOwn = false
            var prev = anchor.head
            for number in stride(from: headLine + 1, through: file.completeCount, by: 1) {
                let bytes = file.bytes(ofLine: number)
                guard let line = file.decode(line: number) else {
                    throw .auditLogUnreadable(line: number, reason: "is not an audit line")
                }
                guard link(of: bytes) == prev else {
                    throw .auditLogUnreadable(line: number, reason: "does not follow the line before it")
                }
                prev = SHA256Text.of(bytes)
                highest = max(highest, line.serial)
                guard case .apply(let marker) = line else { continue }
                switch marker.event {
                case .completed where marker.serial == state.serial:
                    completedOwn = true
                case .completed where marker.serial > state.serial:
                    throw .stateRolledBack(stateSerial: state.serial, completedSerial: marker.serial, line: number)
                case .completed:
                    closed.insert(marker.serial)
                case .began:
                    began.append(marker.serial)
                case .incomplete:
                    closed.insert(marker.serial)
                }
            }
            if !completedOwn && state.serial > 0 { missingCompletion = state.serial }
            incomplete = began.filter { !closed.contains($0) && $0 != state.serial }
        } else if file.completeCount > 0 {
            // A version 1 state: its apply wrote the log after the state.
            if let broken = file.firstBrokenLink(through: file.completeCount) { throw .auditChainBroken(line: broken) }
            for number in stride(from: file.completeCount, to: 0, by: -1) {
                guard let line = file.decode(line: number) else { continue }
                if line.serial > state.serial {
                    if case .apply(let marker) = line, marker.event != .completed { continue }
                    throw .stateRolledBack(stateSerial: state.serial, completedSerial: line.serial, line: number)
                }
                highest = max(highest, line.serial)
                break
            }
        }
        return Continuation(
            nextSerial: highest + 1, logAnchor: log.anchor, logEnd: log.end,
            missingCompletion: missingCompletion, incompleteSerials: incomplete)
    }

    /// `--previous-state`: `state` must continue `previous` (the base branch's copy): the same
    /// lineage, a serial no lower (the same content at the same serial), and every key revoked
    /// there still revoked.
    public static func checkDescends(_ state: StateFile, from previous: StateFile) throws(HistoryError) {
        guard previous.serial > 0 else { return }
        guard state.lineage == previous.lineage else {
            throw .notADescendant("its lineage is \(state.lineage ?? "(none)"), the previous state's is \(previous.lineage ?? "(none)")")
        }
        guard state.serial >= previous.serial else {
            throw .notADescendant("its serial \(state.serial) is below the previous state's \(previous.serial)")
        }
        if state.serial == previous.serial && state.withoutSignature != previous.withoutSignature {
            throw .notADescendant("it has the previous state's serial \(state.serial) but other content")
        }
        var byID: [KeyID: KeyRecord] = [:]
        for key in state.keys { byID[key.id] = key }
        for key in previous.keys where key.status == .revoked {
            guard let now = byID[key.id], now.status == .revoked, now.hash == key.hash else {
                throw .notADescendant("key \(key.id) (\(key.team)/\(key.name)) is revoked in the previous state and not in this one")
            }
        }
    }

    /// The `prev` of one line, read without decoding the rest.
    private static func link(of bytes: ArraySlice<UInt8>) -> String? {
        struct Link: Decodable { var prev: String }
        return try? JSONDecoder().decode(Link.self, from: Data(bytes)).prev
    }
}
