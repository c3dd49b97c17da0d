import Foundation
import Reconciler

/// One key someone must hear about, with only what a notice may show: id, team, name, preview,
/// generation and the event — never the key's hash or anything derived from the raw key.
public struct DueNotice: Sendable, Hashable {
    public var keyID: KeyID
    public var team: String
    public var name: String
    public var preview: KeyPreview
    /// The manifest's `rotate` value the key was minted for: a rotated successor is a new
    /// notice even where id and expiry would match.
    public var generation: Int
    public var event: NoticeEvent
    /// Whether the event has already happened at the run's `now` (the key has expired).
    public var isPast: Bool
    /// The key's owner, or its team's owner when the key names none.
    public var owner: String?
    /// The team's contacts.
    public var contacts: [String]

    public init(keyID: KeyID, team: String, name: String, preview: KeyPreview, generation: Int, event: NoticeEvent,
                isPast: Bool, owner: String?, contacts: [String]) {
        self.keyID = keyID
        self.team = team
        self.name = name
        self.preview = preview
        self.generation = generation
        self.event = event
        self.isPast = isPast
        self.owner = owner
        self.contacts = contacts
    }

    /// What the ledger records a delivery of this notice under.
    public var subject: NoticeSubject {
        NoticeSubject(keyID: keyID, generation: generation, event: event)
    }

    /// Owner first, then contacts, each once, in the order the state gives them.
    public var people: [String] {
        var seen = Set<String>()
        return ([owner].compactMap { $0 } + contacts).filter { seen.insert($0).inserted }
    }

    /// The notices due at `now` looking `window` ahead: what `keysync expiring` lists, in its
    /// order — expiries (`ExpiryNotice`), then scheduled rotations coming due (`RotationNotice`).
    public static func due(in state: StateFile, now: Date, within window: TimeInterval) -> [DueNotice] {
        ExpiryNotice.notices(in: state, now: now, within: window).map { notice in
            DueNotice(keyID: notice.key.id, team: notice.key.team, name: notice.key.name, preview: notice.key.preview,
                      generation: notice.key.generation, event: .expiry(at: notice.expiresAt), isPast: notice.isExpired,
                      owner: notice.owner, contacts: notice.contacts)
        } + RotationNotice.notices(in: state, now: now, within: window).map { notice in
            DueNotice(keyID: notice.key.id, team: notice.key.team, name: notice.key.name, preview: notice.key.preview,
                      generation: notice.key.generation, event: .rotationDue(at: notice.dueAt), isPast: notice.isDue,
                      owner: notice.owner, contacts: notice.contacts)
        }
    }
}

/// A notice as the ledger knows it: which key (id and generation) and which event (kind and
/// instant). A key whose expiry moves is a new subject, so its new date is announced again.
public struct NoticeSubject: Sendable, Hashable, Comparable {
    public var keyID: KeyID
    public var generation: Int
    public var event: NoticeEvent

    public init(keyID: KeyID, generation: Int, event: NoticeEvent) {
        self.keyID = keyID
        self.generation = generation
        self.event = event
    }

    public static func < (a: NoticeSubject, b: NoticeSubject) -> Bool {
        (a.keyID.rawValue, a.generation, a.event.kind, a.event.date) < (b.keyID.rawValue, b.generation, b.event.kind, b.event.date)
    }
}
