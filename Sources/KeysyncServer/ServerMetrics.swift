import NIOConcurrencyHelpers
import Prometheus

/// The server's Prometheus metrics, in a registry of its own (not the process-wide
/// swift-metrics backend, so several servers in one test process do not share counters).
/// Labels are codes, plans and reasons: never a key id, so cardinality stays small.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// The labelled decision counters, made once per code and plan: a request looks its
    /// counter up here (no label strings built) instead of asking the registry.
    private let decisions = NIOLockedValueBox<[DecisionLabels: Counter]>([:])
    private struct DecisionLabels: Hashable {
        var code: DecisionCode
        var plan: String
    }
    private let reloadFailures = NIOLockedValueBox<[String: Counter]>([:])
    let latency: DurationHistogram
    let stateSerial: Gauge
    let keysLoaded: Gauge
    let reloads: Counter
    let usageFlushes: Counter
    let usageFlushFailures: Counter
    let usageEventsWritten: Counter
    let usageEventsDropped: Counter
    let usageRequestsCounted: Counter
    let limitSyncs: Counter
    let limitSyncFailures: Counter
    let backendUp: Gauge

    /// `keysync_<name>_<unit>` with its help line.
    private static func named(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "keysync", metricName: name, unitName: unit, helpText: help)
    }

    public init() {
        latency = registry.makeDurationHistogram(descriptor: Self.named("decision_duration", unit: "seconds", "Time to decide one request (credential, verification, rate limit)"),
            buckets: [.microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
                      .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50)])
        stateSerial = registry.makeGauge(descriptor: Self.named("state_serial", unit: "", "Serial of the state being served"))
        keysLoaded = registry.makeGauge(descriptor: Self.named("state_keys", unit: "", "Keys in the state being served, tombstones included"))
        reloads = registry.makeCounter(descriptor: Self.named("state_reloads", unit: "total", "States swapped in after the first"))
        usageFlushes = registry.makeCounter(descriptor: Self.named("usage_flushes", unit: "total", "Batches written to the usage store"))
        usageFlushFailures = registry.makeCounter(descriptor: Self.named("usage_flush_failures", unit: "total", "Usage batches not confirmed by the usage store (kept and retried with the next flush)"))
        usageEventsWritten = registry.makeCounter(descriptor: Self.named("usage_events_written", unit: "total", "Request-log entries written to the usage store"))
        usageEventsDropped = registry.makeCounter(descriptor: Self.named("usage_events_dropped", unit: "total", "Request-log entries dropped because the log buffer was full (per-key counts are never dropped)"))
        usageRequestsCounted = registry.makeCounter(descriptor: Self.named("usage_requests_counted", unit: "total", "Requests added to the per-key counts in the usage store"))
        limitSyncs = registry.makeCounter(descriptor: Self.named("limit_syncs", unit: "total", "Rate-limit counts exchanged with the shared backend"))
        limitSyncFailures = registry.makeCounter(descriptor: Self.named("limit_sync_failures", unit: "total", "Rate-limit syncs (or schema migrations) that failed; limits are then decided on local counts"))
        backendUp = registry.makeGauge(descriptor: Self.named("backend_up", unit: "", "1 when the last exchange with the shared backend succeeded"))
    }

    func countDecision(code: DecisionCode, plan: String?) {
        let slot = DecisionLabels(code: code, plan: plan ?? "none")
        let counter = decisions.withLockedValue { cache in
            if let counter = cache[slot] { return counter }
            let counter = registry.makeCounter(descriptor: Self.named("decisions", unit: "total", "Authorization decisions by outcome code and the key's plan"), labels: [("code", code.rawValue), ("plan", slot.plan)])
            cache[slot] = counter
            return counter
        }
        counter.increment()
    }

    /// Counters of the metrics a test reads back (name → value), from the exposition text.
    public func value(of name: String) -> Double? {
        let text = String(decoding: render(), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    func countReloadFailure(reason: String) {
        let counter = reloadFailures.withLockedValue { cache in
            if let counter = cache[reason] { return counter }
            let counter = registry.makeCounter(descriptor: Self.named("state_reload_failures", unit: "total", "State files refused on reload (the last good state stays in use)"), labels: [("reason", reason)])
            cache[reason] = counter
            return counter
        }
        counter.increment()
    }

    func stateLoaded(_ snapshot: StateSnapshot) {
        stateSerial.set(Double(snapshot.serial))
        keysLoaded.set(Double(snapshot.keyCount))
    }

    /// The text exposition format.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
