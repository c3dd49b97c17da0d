import Crypto
import Foundation
import Reconciler

/// What `apply` creating every key must seal: per team, a plaintext of the same shape and size as
/// apply's sealed document (the team's new keys as canonical JSON), for `CryptoFloor`.
struct SealingFloor {
    var plaintexts: [String]
    var keys: [APIKey]

    var teams: Int { plaintexts.count }

    init(generator: ManifestGenerator, keys: [APIKey]) {
        self.keys = keys
        var plaintexts: [String] = []
        for team in 0..<generator.teams {
            var entries: [String] = []
            for k in 0..<ManifestGenerator.keysPerTeam {
                let key = keys[team * ManifestGenerator.keysPerTeam + k].reveal()
                entries.append("""
                        {
                          "expires_at": "2031-01-15T23:59:59Z",
                          "id": "key_abcdefghijklmnopqrst",
                          "key": "\(key)",
                          "name": "\(ManifestGenerator.services[k])-api",
                          "rate_limit": \(60 * (k + 1)),
                          "team": "team-\(team)"
                        }
                    """)
            }
            plaintexts.append("""
                {
                  "created_at": "2026-11-25T12:00:00Z",
                  "format": "keysync-sealed-keys",
                  "keys": [
                \(entries.joined(separator: ",\n"))
                  ],
                  "serial": 1,
                  "team": "team-\(team)",
                  "version": 1
                }

                """)
        }
        self.plaintexts = plaintexts
    }
}

/// Raw SHA-256 (swift-crypto) of key-sized inputs: the least any lookup by hash must do.
enum SHA256Floor {
    /// Seconds to hash every key once (best of three passes, so a scheduler hiccup is not counted).
    static func seconds(hashing keys: [APIKey]) -> Double {
        let inputs = keys.map { Array($0.reveal().utf8) }
        var best = Double.infinity
        var sink: UInt8 = 0
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            for input in inputs {
                sink ^= SHA256.hash(data: input).withUnsafeBytes { $0[0] }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        if sink == 0x5A { log("(sink \(sink))") }  // keeps the hashing from being optimised away
        return best
    }
}
