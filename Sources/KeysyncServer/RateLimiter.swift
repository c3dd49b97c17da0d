import Foundation
import NIOConcurrencyHelpers

/// What the limiter answered for one request of a key, with everything the rate-limit headers say.
public struct RateLimitDecision: Sendable, Equatable {
    public var allowed: Bool
    /// Requests per minute (the key's `rate_limit`).
    public var limit: Int
    /// How many more requests would be allowed right now.
    public var remaining: Int
    /// Seconds until the current window ends (the counts then shift; `remaining` grows).
    public var reset: Int
    /// For a refusal: seconds (at least 1) until a request would be allowed.
    public var retryAfter: Int?
}

/// Per-key rate limits with a sliding-window counter: for each key, the count of allowed
/// requests in the current fixed minute and in the previous one. A request at fraction `f` of
/// the current minute is allowed when `previous × (1 − f) + current < limit`, i.e. the previous
/// minute's count is assumed to be spread evenly over it.
///
/// Why this and not GCRA or a sliding log: two integers per key are cheap (a log of up to
/// 10,000 timestamps for each of 100k keys is not), and counts *add up*: several nodes can sum
/// their `current` and `previous` per window and apply the same formula to the sums, which
/// GCRA's single timestamp cannot do. With a shared backend (`LimitSyncService`) each key also
/// holds the other nodes' counts as last read (`merge`), and decisions use local + remote.
///
/// Error bound: no fixed minute ever admits more than `limit` requests (the estimate is never
/// below `current`). A rolling 60-second span can admit more only when the previous minute's
/// requests were bunched at its end: at worst just under `2 × limit`; when traffic is even it
/// is exact, and Cloudflare measured 0.003% wrong decisions on real traffic. `Retry-After` is
/// exact under the same evenness assumption.
///
/// Concurrency and memory: keys are spread over `stripeCount` stripes by a hash of the key id,
/// each with its own lock, so requests of different keys rarely contend and there is no global
/// lock. A key whose windows are both over holds no information and is evicted by a sweep of its
/// stripe (at most once per minute per stripe, on that stripe's next request), so memory is
/// bounded by the keys used in the last two minutes. Only allowed requests are counted; the
/// counters are keyed by key id, so they survive a state reload.
public final class RateLimiter: Sendable {
    public static let window: Double = 60

    struct Counter {
        var windowIndex: Int64
        /// This node's allowed requests in the current and the previous window.
        var current: Int
        var previous: Int
        /// The other nodes' allowed requests in the same two windows, as last read from the
        /// shared store (0 on a single node). Decisions use `current + remoteCurrent` etc.
        var remoteCurrent: Int = 0
        var remotePrevious: Int = 0
        /// The key's limit at its last check, so the sync knows which keys are busy.
        var limit: Int = 0

        /// The counts of every node, as far as this node knows them.
        var combined: Counter {
            Counter(windowIndex: windowIndex, current: current + remoteCurrent, previous: previous + remotePrevious)
        }

        var isEmpty: Bool { current == 0 && previous == 0 && remoteCurrent == 0 && remotePrevious == 0 }
    }

    final class Stripe: Sendable {
        let state = NIOLockedValueBox(StripeState())
    }

    struct StripeState {
        var counters: [String: Counter] = [:]
        var lastSweepWindow: Int64 = .min
    }

    private let stripes: [Stripe]

    public init(stripeCount: Int = 64) {
        precondition(stripeCount > 0)
        stripes = (0..<stripeCount).map { _ in Stripe() }
    }

    /// The window (of `window` seconds since the Unix epoch) that `now` falls in.
    public static func windowIndex(of now: Date) -> Int64 {
        Int64((now.timeIntervalSince1970 / window).rounded(.down))
    }

    /// Decides one request of `keyID` at `now`; counts it when allowed and `counting`
    /// (`false` reports the key's current standing without using it up).
    public func check(keyID: String, limit: Int, now: Date, counting: Bool = true) -> RateLimitDecision {
        let instant = now.timeIntervalSince1970
        let windowIndex = Int64((instant / Self.window).rounded(.down))
        let elapsed = instant - Double(windowIndex) * Self.window
        let stripe = stripes[stripeIndex(keyID)]
        return stripe.state.withLockedValue { state in
            if state.lastSweepWindow < windowIndex {
                state.counters = state.counters.filter { $0.value.windowIndex >= windowIndex - 1 }
                state.lastSweepWindow = windowIndex
            }
            var counter = Self.shifted(state.counters[keyID], to: windowIndex)
            counter.limit = limit
            var combined = counter.combined
            var decision = Self.decide(counter: &combined, limit: limit, elapsed: elapsed)
            if counting, decision.allowed {
                counter.current += 1
            } else if decision.allowed {
                decision.remaining = min(limit, decision.remaining + 1)  // nothing was used up
            }
            if !counter.isEmpty { state.counters[keyID] = counter }
            return decision
        }
    }

    /// How many keys hold counters (for tests of eviction).
    public var trackedKeys: Int {
        stripes.reduce(0) { $0 + $1.state.withLockedValue { $0.counters.count } }
    }

    /// One key's count in one window, as the shared store keeps it per node.
    public struct WindowCount: Sendable, Equatable {
        public var keyID: String
        public var windowIndex: Int64
        public var count: Int

        public init(keyID: String, windowIndex: Int64, count: Int) {
            self.keyID = keyID
            self.windowIndex = windowIndex
            self.count = count
        }
    }

    /// This node's own counts, in the current and the previous window at `now`, of the keys
    /// whose combined estimate (this node's and the others' as last read) has reached `share`
    /// of their limit: what a sync publishes. Quiet keys stay local (they cannot be near
    /// their limit), so a sync's size follows the busy keys, not all keys.
    public func localCounts(now: Date, share: Double) -> [WindowCount] {
        let windowIndex = Self.windowIndex(of: now)
        var counts: [WindowCount] = []
        for stripe in stripes {
            stripe.state.withLockedValue { state in
                for (keyID, stored) in state.counters {
                    let counter = Self.shifted(stored, to: windowIndex)
                    let combined = counter.combined
                    guard counter.current + counter.previous > 0,
                          Double(combined.current + combined.previous) >= share * Double(max(1, counter.limit))
                    else { continue }
                    if counter.current > 0 {
                        counts.append(WindowCount(keyID: keyID, windowIndex: windowIndex, count: counter.current))
                    }
                    if counter.previous > 0 {
                        counts.append(WindowCount(keyID: keyID, windowIndex: windowIndex - 1, count: counter.previous))
                    }
                }
            }
        }
        return counts
    }

    /// Merges what the shared store says about one key and window, at `now`: `remote` is the
    /// sum of the other nodes' counts (replacing the last one read, never lowering it: the
    /// counts only grow), `own` this node's count as stored (after a restart the store
    /// remembers what the memory forgot). Windows before the previous one are ignored.
    public func merge(_ remote: WindowCount, own: Int, now: Date) {
        let windowIndex = Self.windowIndex(of: now)
        guard remote.windowIndex >= windowIndex - 1, remote.windowIndex <= windowIndex else { return }
        let stripe = stripes[stripeIndex(remote.keyID)]
        stripe.state.withLockedValue { state in
            var counter = Self.shifted(state.counters[remote.keyID], to: windowIndex)
            if remote.windowIndex == windowIndex {
                counter.remoteCurrent = max(counter.remoteCurrent, remote.count)
                counter.current = max(counter.current, own)
            } else {
                counter.remotePrevious = max(counter.remotePrevious, remote.count)
                counter.previous = max(counter.previous, own)
            }
            if !counter.isEmpty { state.counters[remote.keyID] = counter }
        }
    }

    private func stripeIndex(_ keyID: String) -> Int {
        // FNV-1a: stable and cheap; the key id is not secret.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in keyID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(stripes.count))
    }

    /// The counter as seen from `windowIndex`: a minute later the current count becomes the
    /// previous one; two or more minutes later both are zero.
    static func shifted(_ counter: Counter?, to windowIndex: Int64) -> Counter {
        guard let counter else { return Counter(windowIndex: windowIndex, current: 0, previous: 0) }
        switch windowIndex - counter.windowIndex {
        case ...0: return counter
        case 1:
            return Counter(windowIndex: windowIndex, current: 0, previous: counter.current,
                           remoteCurrent: 0, remotePrevious: counter.remoteCurrent, limit: counter.limit)
        default: return Counter(windowIndex: windowIndex, current: 0, previous: 0, limit: counter.limit)
        }
    }

    /// The sliding-window rule on one counter, `elapsed` seconds into its window. The test
    /// `previous × (1 − elapsed/window) + current + 1 <= limit` is computed multiplied out by
    /// `window`, so whole-second instants decide exactly (no rounding at the boundary).
    static func decide(counter: inout Counter, limit: Int, elapsed: Double) -> RateLimitDecision {
        let window = Self.window
        let reset = max(1, Int((window - elapsed - 1e-9).rounded(.up)))
        let weighted = Double(counter.previous) * (window - elapsed)  // the previous count's share, × window
        let room = Double(limit - 1 - counter.current) * window
        if weighted <= room {
            counter.current += 1
            let remaining = (Double(limit - counter.current) * window - weighted) / window
            return RateLimitDecision(allowed: true, limit: limit, remaining: max(0, Int((remaining + 1e-9).rounded(.down))),
                                     reset: reset, retryAfter: nil)
        }
        return RateLimitDecision(allowed: false, limit: limit, remaining: 0, reset: reset,
                                 retryAfter: retryAfter(counter: counter, limit: limit, elapsed: elapsed))
    }

    /// Seconds until `previous × (1 − f) + current + 1 <= limit` holds again, assuming no other
    /// request is allowed meanwhile: later in this window if the current count leaves room,
    /// else in the next window once the current count (then the previous) has decayed enough.
    static func retryAfter(counter: Counter, limit: Int, elapsed: Double) -> Int {
        let window = Self.window
        let room = limit - 1 - counter.current
        let seconds: Double
        if room >= 0, counter.previous > 0 {
            // previous × (window − t) <= room × window  ⇔  t >= window × (previous − room) / previous
            seconds = window * Double(counter.previous - room) / Double(counter.previous) - elapsed
        } else {
            // Next window: current × (window − t) <= (limit − 1) × window.
            let needed = counter.current > 0
                ? window * Double(max(0, counter.current - (limit - 1))) / Double(counter.current) : 0
            seconds = (window - elapsed) + needed
        }
        return max(1, Int((seconds - 1e-9).rounded(.up)))
    }
}
