import Crypto
import Foundation
import Reconciler

/// In-process `verify` throughput on one core over a state of every generated key, beside the
/// rate of raw SHA-256 over the same key-sized inputs.
struct VerifyThroughput {
    var state: StateFile
    var keys: [APIKey]

    func measure(runs: Int) throws -> [BenchRow] {
        let presented = keys.map { $0.reveal() }
        let floor = median(runs) { SHA256Floor.rate(hashing: presented) }
        return [BenchRow(
            operation: "raw SHA-256 of keys (the verify floor)", keys: keys.count, measured: .rate(floor))]
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
