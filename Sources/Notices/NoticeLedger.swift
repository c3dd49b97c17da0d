import Foundation
import Reconciler

/// What has been sent: one entry per notice subject (key, generation, event) and destination,
/// with when. `keysync notify` skips what is here, so a daily job announces each key's expiry
/// once per person and once on the webhook; a send that failed left no entry and is tried
/// again on the next run. The file lives in the repository beside the state and the
/// scheduled job commits it (docs/notify.md).
///
/// Only notices still due are kept (`pruned(keeping:)`): a key revoked, rotated out or given a
/// new expiry drops its entries, so the file stays as small as the list of due keys.
public struct NoticeLedger: Sendable, Equatable {
    public static let version = 1
    public static let defaultFileName = "keysync.notices.json"

    public struct Delivery: Sendable, Hashable, Comparable {
        public var subject: NoticeSubject
        public var destination: NoticeDestination

        public init(subject: NoticeSubject, destination: NoticeDestination) {
            self.subject = subject
            self.destination = destination
        }

        public static func < (a: Delivery, b: Delivery) -> Bool {
            (a.subject, a.destination) < (b.subject, b.destination)
        }
    }

    /// Each delivery made and when it was made.
    public private(set) var sent: [Delivery: Date]

    public init(sent: [Delivery: Date] = [:]) {
        self.sent = sent
    }

    public static let empty = NoticeLedger()

    public func hasSent(_ subject: NoticeSubject, to destination: NoticeDestination) -> Bool {
        sent[Delivery(subject: subject, destination: destination)] != nil
    }

    /// Records that `subjects` reached `destination` at `now`.
    public mutating func record(_ subjects: [NoticeSubject], to destination: NoticeDestination, at now: Date) {
        for subject in subjects {
            sent[Delivery(subject: subject, destination: destination)] = now
        }
    }

    /// The entries of the subjects in `due` only.
    public func pruned(keeping due: Set<NoticeSubject>) -> NoticeLedger {
        NoticeLedger(sent: sent.filter { due.contains($0.key.subject) })
    }
}

// MARK: - The file

extension NoticeLedger {
    /// Why a ledger file cannot be used. Nothing is sent then: sending without knowing what was
    /// sent would repeat every notice.
    public struct FormatError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    private struct File: Codable {
        var version: Int
        var sent: [Entry]
    }

    private struct Entry: Codable {
        var key: String
        var generation: Int
        var event: String
        var at: String
        var to: String
        var sentAt: String

        enum CodingKeys: String, CodingKey {
            case key, generation, event, at, to, sentAt = "sent_at"
        }
    }

    /// The file's bytes: JSON with one entry per line, sorted, so the job's commit is a small diff.
    public func encoded() -> [UInt8] {
        let entries = sent.keys.sorted().map { delivery in
            Entry(key: delivery.subject.keyID.rawValue, generation: delivery.subject.generation,
                  event: delivery.subject.event.kind, at: Timestamp.format(delivery.subject.event.date),
                  to: delivery.destination.description, sentAt: Timestamp.format(sent[delivery]!))
        }
        // Only strings and integers: encoding cannot fail.
        return try! JSONWriter.encode(File(version: Self.version, sent: entries), layout: .ledger)
    }

    /// Reads a ledger file's bytes; every field is checked here, once.
    public init(decoding bytes: [UInt8]) throws(FormatError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw FormatError(description: "not a notices ledger (expected {\"version\": 1, \"sent\": [...]})")
        }
        guard file.version == Self.version else {
            throw FormatError(description: "ledger version \(file.version) is not one this keysync reads (\(Self.version))")
        }
        var sent: [Delivery: Date] = [:]
        for (index, entry) in file.sent.enumerated() {
            let place = "entry \(index + 1)"
            guard let id = KeyID(rawValue: entry.key) else { throw FormatError(description: "\(place): \"key\" is not a key id") }
            guard let at = Timestamp.parse(entry.at), let sentAt = Timestamp.parse(entry.sentAt) else {
                throw FormatError(description: "\(place): \"at\" and \"sent_at\" must be RFC 3339 timestamps")
            }
            guard let destination = NoticeDestination(entry.to) else {
                throw FormatError(description: "\(place): \"to\" must be mail:<address> or webhook")
            }
            // An event kind from a newer keysync cannot match anything due here: it is dropped
            // with the other entries that are no longer due.
            guard let event = NoticeEvent(kind: entry.event, date: at) else { continue }
            sent[Delivery(subject: NoticeSubject(keyID: id, generation: entry.generation, event: event),
                          destination: destination)] = sentAt
        }
        self.init(sent: sent)
    }

    /// The ledger at `path`: empty when there is no file yet. Read through the repository's
    /// storage seam, so a symbolic link or a folder there is refused like for the state.
    public static func read(_ path: String, storage: some DurableStorage) throws -> NoticeLedger {
        guard let bytes = try storage.read(path) else { return .empty }
        return try NoticeLedger(decoding: bytes)
    }

    /// Replaces the file at `path` atomically and durably (temporary file, rename), refusing a
    /// symbolic link or a folder there.
    public func write(to path: String, storage: some DurableStorage) throws(StorageError) {
        try storage.write(encoded(), to: path)
    }
}
