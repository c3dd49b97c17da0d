import Crypto
import Foundation
import Reconciler

/// The floor for `apply`: the work no implementation can skip. One `age -e` process per team
/// sealing that team's plaintext (the same document shape apply writes: the team's new keys as
/// canonical JSON) to the team's two recipients, plus a raw SHA-256 of every key.
struct SealingFloor {
    var plaintexts: [String]
    var keys: [APIKey]
    var directory: String
    var age = "/usr/bin/age"

    var teams: Int { plaintexts.count }

    init(generator: ManifestGenerator, keys: [APIKey], directory: String) throws {
        self.keys = keys
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
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

    /// Seals the first `sampleTeams` teams' plaintexts (all of them when there are fewer) and
    /// hashes every key; when sampled, the sealing time is scaled to all teams.
    func measure(sampleTeams: Int) throws -> ProcessMeasurement {
        let sample = min(sampleTeams, teams)
        let input = directory + "/plaintext"
        var sealing = 0.0
        var peak = 0
        for team in 0..<sample {
            // Writing the plaintext is not timed: age reads it, keysync has it in memory.
            try plaintexts[team].write(toFile: input, atomically: false, encoding: .utf8)
            let run = try measureProcess([
                age, "-e", "-r", ManifestGenerator.recipients[0], "-r", ManifestGenerator.recipients[1],
                "-o", directory + "/team-\(team).age", input,
            ])
            sealing += run.seconds
            peak = max(peak, run.peakMemoryBytes)
        }
        unlink(input)
        sealing *= Double(teams) / Double(sample)
        return ProcessMeasurement(seconds: sealing + SHA256Floor.seconds(hashing: keys), peakMemoryBytes: peak)
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
