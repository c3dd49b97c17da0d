import Crypto
import Foundation

/// Answers "may this request use this key?" from a state file alone, for a server (import
/// `KeysyncCore`, build one `KeyVerifier` when the state changes, share it: it is an immutable
/// `Sendable` value) and for `keysync verify`.
///
/// What must hold:
/// - format and checksum are checked before any lookup, so strings that are not keys of this
///   installation never reach the table;
/// - the lookup is one dictionary probe keyed by the SHA-256 of the presented key (no scan);
///   the only comparison of secret-derived bytes is `KeyDigest.==`, which is constant-time;
/// - the hot path (a well-formed key) works on the string's UTF-8 bytes in place: no
///   Foundation, no copies, one SHA-256 — so one core verifies on the order of a million keys
///   a second. Refusals of malformed input take a slower path that explains what is wrong.
public struct KeyVerifier: Sendable {
    /// The prefix keys must carry: the state's `prefix`, or else the one its previews show.
    /// `nil` only for a state with neither (nothing applied yet): every key is then unknown.
    public let prefix: String?
    /// The lineage and serial of the state loaded: pass it to `init(state:floor:)` when the
    /// state is reloaded, so a verifier never steps back to an older state.
    public let floor: StateFloor
    private let prefixBytes: [UInt8]
    private let table: [KeyDigest: Int]
    private let entries: [Entry]

    /// One key's part of the index. 100k of these are alive beside the file's bytes while a
    /// state loads, so every byte counts: the fields are in an order that leaves no padding
    /// between them, and the expiry is read from `key` (a `Date` is its seconds already).
    fileprivate struct Entry: Sendable, Equatable {
        var key: VerifiedKey
        /// Seconds since the reference date; `+infinity` when unset, so one comparison decides.
        var revokeAfter: Double
        var plan: String?
        /// `nil` for a key without restrictions (nearly all): one word to test per request.
        var policy: AccessPolicy?
        var status: KeyStatus
        var apiAccess: Bool

        var expiresAt: Double { key.expiresAt?.timeIntervalSinceReferenceDate ?? .infinity }
    }

    /// Loads `state` once: every record, tombstones included (so a revoked key is reported as
    /// revoked, not unknown). Hashes are unique in a decoded state; should a state built in
    /// code repeat one, the first record wins.
    public init(state: StateFile) {
        var index = Index()
        index.reserveCapacity(state.keys.count)
        for record in state.keys { index.add(record) }
        self.init(consume index, shell: state)
    }

    /// Built from an `Index` filled record by record and the state's other fields (`keys` is
    /// not read): the one way a verifier is made, from a decoded state or a streamed one.
    init(_ index: consuming Index, shell state: StateFile) {
        let prefix = state.prefix ?? index.previewPrefix
        self.prefix = prefix
        floor = StateFloor(of: state)
        prefixBytes = prefix.map { Array($0.utf8) } ?? []
        var teams: [String: TeamRecord] = [:]
        for team in state.teams { teams[team.name] = team }
        // Moved out (not shared with `index`), so the fix-up below does not copy 100k entries.
        var entries = index.entries
        index.entries = []
        // Teams come after the keys in the file: their part of each entry is filled in now. The
        // team's own strings are shared by all its keys' entries (one copy, not one per key).
        for i in entries.indices {
            guard let team = teams[entries[i].key.team] else { continue }
            let key = entries[i].key
            entries[i].key = VerifiedKey(
                id: key.id, team: team.name, name: key.name, owner: key.owner ?? team.owner,
                rateLimit: key.rateLimit, expiresAt: key.expiresAt, preview: key.preview)
            entries[i].apiAccess = team.apiAccess
            entries[i].plan = team.plan
        }
        table = index.table
        self.entries = entries
    }

    /// The lookup table under construction, one record at a time: a record is reduced to its
    /// entry as soon as it is read, so a streamed state never holds all its records.
    struct Index {
        fileprivate var table: [KeyDigest: Int] = [:]
        fileprivate var entries: [Entry] = []
        /// The prefix of the first valid preview: the verifier's prefix when the state names none.
        fileprivate var previewPrefix: String?
        /// Names and owners seen so far: many keys share them (a team's owner, `billing-api`),
        /// and each distinct one is kept once instead of once per key.
        private var texts: Set<String> = []

        /// Room for about `count` records up front, so 100k entries are not grown by doubling
        /// (each doubling briefly holds the old and the new storage).
        mutating func reserveCapacity(_ count: Int) {
            table.reserveCapacity(count)
            entries.reserveCapacity(count)
        }

        mutating func add(_ record: KeyRecord) {
            if previewPrefix == nil, APIKey.isValidPrefix(record.preview.prefix) { previewPrefix = record.preview.prefix }
            let digest = KeyDigest(record.hash)
            guard table[digest] == nil else { return }
            table[digest] = entries.count
            entries.append(Entry(
                key: VerifiedKey(
                    id: record.id, team: record.team, name: shared(record.name), owner: record.owner.map { shared($0) },
                    rateLimit: record.rateLimit, expiresAt: record.expiresAt, preview: record.preview),
                revokeAfter: record.revokeAfter?.timeIntervalSinceReferenceDate ?? .infinity,
                plan: nil,
                policy: record.accessPolicy,
                status: record.status,
                apiAccess: false))
        }

        /// `text`, or the equal string kept earlier (the same value, one copy in memory).
        private mutating func shared(_ text: String) -> String {
            texts.insert(text).memberAfterInsert
        }
    }

    /// Whether `other` holds the same index (prefix, floor, table, entries): for the tests
    /// that compare a streamed verifier with one built from the decoded state.
    func hasSameIndex(as other: KeyVerifier) -> Bool {
        prefix == other.prefix && floor == other.floor && table == other.table && entries == other.entries
    }

    /// How many keys (tombstones included) the verifier knows.
    public var count: Int { entries.count }

    /// Verifies one presented key at `now`. Expiry is inclusive: at `expires_at` the key no
    /// longer works; likewise a rotated-out key stops at its `revoke_after`.
    public func verify(_ presented: String, now: Date) -> VerificationResult {
        verify(presented, now: now, access: .unchecked)
    }

    /// Verifies one presented key at `now` for one request: after the checks of
    /// `verify(_:now:)` (revoked, deactivated, expired, plan), the key's `allowed_ips` against
    /// `access.client` and its `scopes` against `access.scope`. A key without restrictions
    /// costs one pointer test here; nothing is allocated for it.
    public func verify(_ presented: String, now: Date, access: AccessRequest) -> VerificationResult {
        verify(presented, now: now) { access }
    }

    /// `verify(_:now:access:)` with the request's side worked out only for a key that has
    /// restrictions: a server passes a closure that reads the client address and the scope
    /// header, and unrestricted keys (nearly all) never pay for it.
    public func verify(_ presented: String, now: Date, access: () -> AccessRequest) -> VerificationResult {
        let digest = presented.utf8.withContiguousStorageIfAvailable { digestIfWellFormed($0) }
            ?? Array(presented.utf8).withUnsafeBufferPointer { digestIfWellFormed($0) }
        guard let digest else { return .invalid(diagnose(presented)) }
        guard let index = table[digest] else { return .invalid(.unknownKey) }
        // Read in place: copying the whole entry would retain and release all its strings.
        return entries.withUnsafeBufferPointer { all -> VerificationResult in
            let entry = all.baseAddress! + index
            switch KeyCondition(status: entry.pointee.status, expiresAt: entry.pointee.expiresAt,
                                revokeAfter: entry.pointee.revokeAfter, now: now.timeIntervalSinceReferenceDate) {
            case .revoked: return .revoked(entry.pointee.key)
            case .inactive: return .deactivated(entry.pointee.key)
            case .expired: return .expired(entry.pointee.key)
            case .active:
                guard entry.pointee.apiAccess else {
                    return .apiAccessNotAvailable(entry.pointee.key, plan: entry.pointee.plan)
                }
                if let policy = entry.pointee.policy, let refusal = policy.refusal(of: access()) {
                    switch refusal {
                    case .insufficientScope(let required): return .insufficientScope(entry.pointee.key, required: required)
                    case .ipNotAllowed(let client): return .ipNotAllowed(entry.pointee.key, client: client)
                    }
                }
                return .valid(entry.pointee.key)
            }
        }
    }

    private func digestIfWellFormed(_ bytes: UnsafeBufferPointer<UInt8>) -> KeyDigest? {
        guard !prefixBytes.isEmpty else { return nil }
        return prefixBytes.withUnsafeBufferPointer { prefix -> KeyDigest? in
            guard APIKey.isWellFormed(bytes, prefix: prefix) else { return nil }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            return KeyDigest(hasher.finalize())
        }
    }

    /// The slow path: why a string that failed the fast check is not a key. A key that is fine
    /// once surrounding whitespace or a `Bearer ` is removed gets its own reason — and is still
    /// refused, without a lookup.
    private func diagnose(_ presented: String) -> InvalidKeyReason {
        guard let prefix else { return .unknownKey }
        let error: APIKeyError
        do {
            _ = try APIKey(parsing: presented, prefix: prefix)
            return .unknownKey  // unreachable while the fast check agrees with the parser
        } catch let caught {
            error = caught
        }
        var rest = Substring(presented)
        rest = rest.trimmingASCIIWhitespace()
        var hadBearer = false
        if rest.utf8.count > 7, rest.prefix(6).lowercased() == "bearer",
           let next = rest.dropFirst(6).first, next == " " || next == "\t" {
            hadBearer = true
            rest = rest.dropFirst(6).trimmingASCIIWhitespace()
        }
        if rest.utf8.count != presented.utf8.count, (try? APIKey(parsing: String(rest), prefix: prefix)) != nil {
            return hadBearer ? .bearerPrefixLeftIn : .surroundingWhitespace
        }
        if case .otherPrefix(let expected, let found) = error { return .otherPrefix(expected: expected, found: found) }
        return .malformed(error)
    }
}

private extension Substring {
    func trimmingASCIIWhitespace() -> Substring {
        func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\r\n" || c == "\u{0B}" || c == "\u{0C}" }
        var slice = self
        while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return slice
    }
}
