import Foundation
import HTTPTypes
import HummingbirdTesting
import KeysyncServer
import Reconciler
import XCTest

/// `serve` with a sharded state: loaded from the index and the shards it names; a reload sees
/// a new index only once it is in place (never new shards under an old index), and refuses an
/// index whose shard is missing or altered while the last good state keeps answering.
final class ShardedStateReloadTests: ServerTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.removeItem(atPath: fixture.statePath)
        try fixture.writeSharded()
    }

    func testAShardedStateIsServedAndANewIndexIsSwappedInWhole() async throws {
        let f = fixture!
        try await withServer(f, clock: ManualClock(ServerFixture.now), logs: logs) { client, components in
            let valid = [("X-API-Key", f.keys["valid"]!)]
            let response1 = try await client.send("/v1/authz", headers: valid)
            XCTAssertEqual(response1.status, 200)
            let response2 = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["free"]!)])
            XCTAssertEqual(response2.status, 403)
            let response3 = try await client.send("/readyz")
            XCTAssertEqual(response3.json["serial"] as? Int, 5)

            var next = f.state
            next.serial = 6
            next.keys = next.keys.map { record in
                var record = record
                if record.id.rawValue == f.id("valid") { record.status = .revoked }
                return record
            }
            // The new shards are on disk but the index is the old one: nothing changes.
            try f.writeSharded(next, commit: false)
            XCTAssertFalse(components.watcher.reload(trigger: "test"))
            let response4 = try await client.send("/v1/authz", headers: valid)
            XCTAssertEqual(response4.status, 200)
            // The index in place: the new state, whole.
            try f.writeSharded(next)
            XCTAssertTrue(components.watcher.reload(trigger: "test"))
            let revoked = try await client.send("/v1/authz", headers: valid)
            XCTAssertEqual(revoked.status, 401)
            XCTAssertEqual(revoked.errorCode, "KEY_REVOKED")
            let response5 = try await client.send("/readyz")
            XCTAssertEqual(response5.json["serial"] as? Int, 6)
        }
    }

    func testAnIndexWhoseShardIsMissingOrAlteredIsRefusedAndTheLastGoodStateKeepsAnswering() async throws {
        let f = fixture!
        let logs = logs
        try await withServer(f, clock: ManualClock(ServerFixture.now), logs: logs) { client, components in
            var next = f.state
            next.serial = 6
            next.keys.removeAll { $0.id.rawValue == f.id("valid") }
            let written = try f.writeSharded(next)
            let folder = StateFile.shardFolder(forStateAt: f.statePath)
            let payments = try XCTUnwrap(written.shards().first { $0.bucket == StateShard.bucket(ofTeam: "payments") }?.file)
            let path = folder + "/" + payments
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))

            try FileManager.default.removeItem(atPath: path)
            XCTAssertFalse(components.watcher.reload(trigger: "test"))
            XCTAssertTrue(logs.all.contains { $0.contains("state not reloaded") && $0.contains(payments) && $0.contains("missing") })

            XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("\"rate_limit\": 2,"))
            try Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"rate_limit\": 2,", with: "\"rate_limit\": 9000,").utf8)
                .write(to: URL(fileURLWithPath: path))
            XCTAssertFalse(components.watcher.reload(trigger: "test"))
            // Still the serial 5 state, where the key exists.
            let response6 = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
            XCTAssertEqual(response6.status, 200)
            let response7 = try await client.send("/readyz")
            XCTAssertEqual(response7.json["serial"] as? Int, 5)

            try bytes.write(to: URL(fileURLWithPath: path))
            XCTAssertTrue(components.watcher.reload(trigger: "test"))
            let response8 = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
            XCTAssertEqual(response8.status, 401)
        }
    }

    func testAnIndexThatIsASymbolicLinkIsRefusedAndTheLastGoodStateKeepsAnswering() async throws {
        let f = fixture!
        let logs = logs
        try await withServer(f, clock: ManualClock(ServerFixture.now), logs: logs) { client, components in
            // A newer, genuinely signed index elsewhere, and the state path made a link to it:
            // the link itself is what is refused, whatever it points at.
            var next = f.state
            next.serial = 6
            next.keys.removeAll { $0.id.rawValue == f.id("valid") }
            try f.writeSharded(next)
            let elsewhere = f.statePath + ".elsewhere"
            try FileManager.default.moveItem(atPath: f.statePath, toPath: elsewhere)
            try FileManager.default.createSymbolicLink(atPath: f.statePath, withDestinationPath: elsewhere)
            XCTAssertFalse(components.watcher.reload(trigger: "test"))
            XCTAssertTrue(logs.all.contains { $0.contains("state not reloaded") && $0.contains("symbolic link") }, "\(logs.all)")
            let kept = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
            XCTAssertEqual(kept.status, 200)

            try FileManager.default.removeItem(atPath: f.statePath)
            try FileManager.default.moveItem(atPath: elsewhere, toPath: f.statePath)
            XCTAssertTrue(components.watcher.reload(trigger: "test"))
            let gone = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
            XCTAssertEqual(gone.status, 401)
        }
    }
}
