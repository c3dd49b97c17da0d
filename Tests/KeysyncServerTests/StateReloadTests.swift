import Foundation
import HTTPTypes
import HummingbirdTesting
import KeysyncServer
import Reconciler
import XCTest

/// The watcher: a newer signed state is swapped in; a bad, older, foreign or unsigned one is
/// refused, logged and counted, and the last good state keeps answering.
final class StateReloadTests: ServerTestCase {
    func testANewerStateIsSwappedInAndCountersSurvive() async throws {
        let f = fixture!
        let clock = ManualClock(ServerFixture.now)
        try await withServer(f, clock: clock, logs: logs) { client, components in
            let key = [("X-API-Key", f.keys["limited"]!)]
            let first = try await client.send("/v1/authz", headers: key)
            XCTAssertEqual(first.status, 200)
            var next = f.state
            next.serial = 6
            next.keys = next.keys.map { record in
                var record = record
                if record.id.rawValue == f.id("valid") { record.status = .revoked }
                return record
            }
            try f.write(next)
            XCTAssertTrue(components.watcher.reload(trigger: "test"))
            let revoked = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
            XCTAssertEqual(revoked.status, 401)
            XCTAssertEqual(revoked.errorCode, "KEY_REVOKED")
            // The limited key's count of 1 survived the swap: one more, then 429.
            let second = try await client.send("/v1/authz", headers: key)
            XCTAssertEqual(second.status, 200)
            let third = try await client.send("/v1/authz", headers: key)
            XCTAssertEqual(third.status, 429)
            let ready = try await client.send("/readyz")
            XCTAssertEqual(ready.json["serial"] as? Int, 6)
            let metrics = try await client.send("/metrics")
            XCTAssertTrue(metrics.body.contains("keysync_state_serial 6"))
            XCTAssertTrue(metrics.body.contains("keysync_state_reloads_total 1"))
            // The same file again is no change.
            XCTAssertFalse(components.watcher.reload(trigger: "test"))
        }
        XCTAssertTrue(logs.all.contains { $0.contains("state reloaded") && $0.contains("serial=6") })
    }

    func testBadOlderForeignAndUnsignedStatesAreRefused() async throws {
        let f = fixture!
        let logs = logs
        let clock = ManualClock(ServerFixture.now)
        try await withServer(f, clock: clock, logs: logs) { client, components in
            var newer = f.state
            newer.serial = 7
            try f.write(newer)
            XCTAssertTrue(components.watcher.reload(trigger: "test"))

            var older = f.state
            older.serial = 6
            var foreign = f.state
            foreign.serial = 8
            foreign.lineage = "00000000-0000-4000-8000-000000000000"
            var sameSerial = newer
            sameSerial.keys.removeLast()
            var unsigned = f.state
            unsigned.serial = 9
            let cases: [(label: String, write: () throws -> Void, reason: String, logged: String)] = [
                ("older", { try f.write(older) }, "rollback", "lower than the serial 7"),
                ("other lineage", { try f.write(foreign) }, "lineage", "another lineage"),
                ("same serial, other content", { try f.write(sameSerial) }, "rollback", "kept serial 7"),
                ("unsigned", { try f.write(unsigned, signed: false) }, "signature", "not signed"),
                ("garbage", { try Data("{not json".utf8).write(to: URL(fileURLWithPath: f.statePath)) }, "unreadable", "cannot be read"),
                ("missing", { try FileManager.default.removeItem(atPath: f.statePath) }, "missing", "does not exist"),
            ]
            for row in cases {
                try row.write()
                XCTAssertFalse(components.watcher.reload(trigger: "test"), row.label)
                XCTAssertTrue(logs.all.contains { $0.contains("state not reloaded") && $0.contains(row.logged) },
                              "\(row.label): \(logs.all.last ?? "")")
                let answer = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)])
                XCTAssertEqual(answer.status, 200, "\(row.label): the last good state keeps answering")
                let ready = try await client.send("/readyz")
                XCTAssertEqual(ready.json["serial"] as? Int, 7, row.label)
            }
            let metrics = try await client.send("/metrics").body
            for (reason, count) in [("rollback", 2), ("lineage", 1), ("signature", 1), ("unreadable", 1), ("missing", 1)] {
                XCTAssertTrue(metrics.contains("keysync_state_reload_failures_total{reason=\"\(reason)\"} \(count)"), "\(reason)\n\(metrics)")
            }
        }
    }

    func testAStartWithAnUnusableStateFailsWithTheReason() throws {
        let f = fixture!
        var unsigned = f.state
        unsigned.serial = 9
        try f.write(unsigned, signed: false)
        XCTAssertThrowsError(try buildApplication(configuration: f.configuration(logs: logs))) { error in
            XCTAssertTrue("\(error)".contains("not signed"), "\(error)")
        }
        try FileManager.default.removeItem(atPath: f.statePath)
        XCTAssertThrowsError(try buildApplication(configuration: f.configuration(logs: logs))) { error in
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }

    func testThePollNoticesAReplacedFile() async throws {
        let f = fixture!
        try await withServer(f, logs: logs, pollInterval: .milliseconds(50)) { client, _ in
            var next = f.state
            next.serial = 6
            next.keys = next.keys.filter { $0.id.rawValue != f.id("valid") }
            try f.write(next)
            let deadline = ContinuousClock.now + .seconds(5)
            var status = 200
            while status == 200, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                status = try await client.send("/v1/authz", headers: [("X-API-Key", f.keys["valid"]!)]).status
            }
            XCTAssertEqual(status, 401, "the watcher swapped in the new file within the deadline")
        }
    }
}

/// Reload under load, on a live port: while clients keep sending valid requests, a new state
/// revoking one key is written; that key is refused (KEY_REVOKED) within the poll interval and
/// no valid request fails.
final class ReloadUnderLoadTests: XCTestCase {
    func testARevokedKeySwitchesTo401WhileValidRequestsKeepSucceeding() async throws {
        var f = try ServerFixture()
        defer { f.remove() }
        f.add("busy", team: "payments", name: "busy", rateLimit: 10_000)
        f.add("target", team: "payments", name: "target", rateLimit: 10_000)
        try f.write()
        let fixture = f
        let logs = LogCapture()
        let poll = Duration.milliseconds(200)
        try await withServer(fixture, logs: logs, setup: .live, pollInterval: poll) { client, _ in
            let base = "http://127.0.0.1:\(try XCTUnwrap(client.port))"
            let stop = Flag()
            let failures = Counter()
            let successes = Counter()
            let load = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            while !stop.isSet {
                                let answer = try? await HTTPClient.get("\(base)/v1/authz", headers: [("X-API-Key", fixture.keys["busy"]!)])
                                if answer?.status == 200 { successes.add() } else { failures.add() }
                            }
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            // Two reloads that change nothing for the keys in use, then the revocation.
            for serial in [6, 7] {
                var next = fixture.state
                next.serial = serial
                try fixture.write(next)
                try await Task.sleep(for: .milliseconds(250))
            }
            var revoking = fixture.state
            revoking.serial = 8
            revoking.keys = revoking.keys.map { record in
                var record = record
                if record.id.rawValue == fixture.id("target") { record.status = .revoked }
                return record
            }
            let before = try await HTTPClient.get("\(base)/v1/authz", headers: [("X-API-Key", fixture.keys["target"]!)])
            XCTAssertEqual(before.status, 200)
            try fixture.write(revoking)
            let written = ContinuousClock.now
            var answer = before
            while answer.status == 200, ContinuousClock.now - written < .seconds(10) {
                answer = try await HTTPClient.get("\(base)/v1/authz", headers: [("X-API-Key", fixture.keys["target"]!)])
            }
            let switched = ContinuousClock.now - written
            XCTAssertEqual(answer.status, 401)
            XCTAssertTrue(answer.body.contains("KEY_REVOKED"), answer.body)
            // The poll interval, plus scheduling slack on a shared 2-core machine.
            XCTAssertLessThan(switched, poll + .seconds(1), "revocation took \(switched)")
            try await Task.sleep(for: .milliseconds(300))
            stop.set()
            await load.value
            XCTAssertEqual(failures.value, 0, "valid requests failed during reloads")
            XCTAssertGreaterThan(successes.value, 20)
            let ready = try await HTTPClient.get("\(base)/readyz")
            XCTAssertTrue(ready.body.contains("\"serial\":8"), ready.body)
        }
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}
