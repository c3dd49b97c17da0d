import Crypto
import Foundation
import Reconciler

/// In-process `verify` throughput on one core over a state of every generated key (one
/// `KeyVerifier`, every key presented in turn, as a server would), beside the rate of raw
/// SHA-256 over the same key-sized inputs.
struct VerifyThroughput {
    var state: StateFile
    var keys: [APIKey]
    var now: Date

    func measure(runs: Int) throws -> [BenchRow] {
        let presented = keys.map { $0.reveal() }
        let verifier = KeyVerifier(state: state)
        // Every presented key must be known, or the figure would time refusals.
        var known = 0
        for key in presented {
            if case .invalid = verifier.verify(key, now: now) { continue }
            known += 1
        }
        guard known == presented.count else {
            throw BenchUsage("verify knows \(known) of \(presented.count) benchmark keys")
        }
        let floor = median(runs) { SHA256Floor.rate(hashing: presented) }
        let rate = median(runs) { Self.rate(verifier, presented, now: now) }
        return [BenchRow(
            operation: "verify (in process, one core, \(presented.count)-key state)", keys: presented.count,
            measured: .rate(rate), floorName: "raw SHA-256 of the same keys", floor: .rate(floor),
            minimumRate: 2_000_000)]
    }

    private static func rate(_ verifier: KeyVerifier, _ presented: [String], now: Date) -> Double {
        var valid = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for key in presented where verifier.verify(key, now: now).isValid { valid += 1 }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if valid == -1 { log("(sink \(valid))") }  // keeps the calls from being optimised away
        return Double(presented.count) / seconds
    }

    private func median(_ runs: Int, _ body: () -> Double) -> Double {
        let samples = (0..<max(1, runs)).map { _ in body() }.sorted()
        return samples[samples.count / 2]
    }
}

extension SHA256Floor {
    /// Keys hashed per second, the presented strings' bytes each time as a verifier gets them.
    static func rate(hashing presented: [String]) -> Double {
        var sink: UInt8 = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for key in presented {
            var text = key
            sink ^= text.withUTF8 { SHA256.hash(data: $0).withUnsafeBytes { $0[0] } }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if sink == 0x5A { log("(sink \(sink))") }
        return Double(presented.count) / seconds
    }
}
