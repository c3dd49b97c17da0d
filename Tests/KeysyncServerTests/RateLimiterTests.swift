import Foundation
import KeysyncServer
import XCTest

final class RateLimiterTests: XCTestCase {
    let minute = Date(timeIntervalSince1970: 1_795_521_600)  // the start of a minute

    func testAFixedMinuteNeverAdmitsMoreThanTheLimit() {
        let limiter = RateLimiter(stripeCount: 4)
        var allowed = 0
        for second in 0..<60 {
            for _ in 0..<5 where limiter.check(keyID: "k", limit: 100, now: minute + Double(second)).allowed { allowed += 1 }
        }
        XCTAssertEqual(allowed, 100)
    }

    func testThePreviousMinuteWeighsLessAsTheCurrentOneGoesOn() {
        let limiter = RateLimiter()
        for _ in 0..<60 { XCTAssertTrue(limiter.check(keyID: "k", limit: 60, now: minute + 59).allowed) }
        XCTAssertFalse(limiter.check(keyID: "k", limit: 60, now: minute + 59.5).allowed)
        // 15 s into the next minute the previous 60 count as 45: 15 more fit, not 16.
        let next = minute + 75
        var allowed = 0
        for _ in 0..<20 where limiter.check(keyID: "k", limit: 60, now: next).allowed { allowed += 1 }
        XCTAssertEqual(allowed, 15)
        let refused = limiter.check(keyID: "k", limit: 60, now: next)
        XCTAssertFalse(refused.allowed)
        XCTAssertEqual(refused.remaining, 0)
        XCTAssertEqual(refused.reset, 45)
        // The estimate is 60·(45/60) + 15 = 60; one request fits again once 60·(1−f) + 15 ≤ 59: f ≥ 16/60, i.e. 1 s later.
        XCTAssertEqual(refused.retryAfter, 1)
        XCTAssertTrue(limiter.check(keyID: "k", limit: 60, now: next + 1).allowed)
    }

    func testRetryAfterIsWhenTheNextRequestIsAllowed() {
        // Randomised against the limiter itself: at now + retryAfter a request is allowed, a
        // second earlier it is not (retryAfter is whole seconds, rounded up).
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            let limiter = RateLimiter(stripeCount: 2)
            let limit = Int.random(in: 1...50, using: &generator)
            let start = minute + Double(Int.random(in: 0..<120, using: &generator))
            var now = start
            while limiter.check(keyID: "k", limit: limit, now: now).allowed {
                now += Double(Int.random(in: 0...3, using: &generator))
            }
            let refused = limiter.check(keyID: "k", limit: limit, now: now)
            let wait = try! XCTUnwrap(refused.retryAfter)
            XCTAssertGreaterThanOrEqual(wait, 1)
            if wait > 1 {
                XCTAssertFalse(limiter.check(keyID: "k", limit: limit, now: now + Double(wait - 1)).allowed, "round \(round)")
            }
            XCTAssertTrue(limiter.check(keyID: "k", limit: limit, now: now + Double(wait)).allowed, "round \(round): limit \(limit)")
        }
    }

    func testKeysAreIndependentAndIdleKeysAreEvicted() {
        let limiter = RateLimiter(stripeCount: 8)
        for index in 0..<1000 { XCTAssertTrue(limiter.check(keyID: "key-\(index)", limit: 1, now: minute).allowed) }
        XCTAssertFalse(limiter.check(keyID: "key-7", limit: 1, now: minute + 1).allowed)
        XCTAssertTrue(limiter.check(keyID: "key-other", limit: 1, now: minute + 1).allowed)
        XCTAssertEqual(limiter.trackedKeys, 1001)
        // Two minutes later every window of those keys is over: each stripe's next request sweeps it.
        for stripeProbe in 0..<200 { _ = limiter.check(keyID: "probe-\(stripeProbe)", limit: 1, now: minute + 180) }
        XCTAssertEqual(limiter.trackedKeys, 200)
    }

    func testAPeekCountsNothing() {
        let limiter = RateLimiter()
        for _ in 0..<10 {
            let peek = limiter.check(keyID: "k", limit: 3, now: minute, counting: false)
            XCTAssertTrue(peek.allowed)
            XCTAssertEqual(peek.remaining, 3)
        }
        XCTAssertEqual(limiter.trackedKeys, 0)
        XCTAssertEqual(limiter.check(keyID: "k", limit: 3, now: minute).remaining, 2)
    }

    func testConcurrentRequestsOfOneKeyAreCountedExactly() async {
        let limiter = RateLimiter(stripeCount: 16)
        let now = minute + 30
        let allowed = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var count = 0
                    for _ in 0..<500 where limiter.check(keyID: task % 2 == 0 ? "a" : "b", limit: 700, now: now).allowed { count += 1 }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        XCTAssertEqual(allowed, 1400, "each of the two keys admits exactly its limit")
    }

    // MARK: several nodes

    func testRemoteCountsShareTheLimitAndShiftWithTheWindow() {
        let limiter = RateLimiter()
        let window = RateLimiter.windowIndex(of: minute)
        for _ in 0..<10 { XCTAssertTrue(limiter.check(keyID: "k", limit: 100, now: minute + 1).allowed) }
        // The other nodes used 85 in this window: 5 more fit here, not 90.
        limiter.merge(.init(keyID: "k", windowIndex: window, count: 85), own: 0, now: minute + 2)
        var allowed = 0
        for _ in 0..<20 where limiter.check(keyID: "k", limit: 100, now: minute + 2).allowed { allowed += 1 }
        XCTAssertEqual(allowed, 5)
        // A stale, lower read never lowers what is known (the counts only grow).
        limiter.merge(.init(keyID: "k", windowIndex: window, count: 40), own: 0, now: minute + 3)
        XCTAssertFalse(limiter.check(keyID: "k", limit: 100, now: minute + 3).allowed)
        // Half a window later the 100 (15 here + 85 elsewhere) weigh 50: 50 more fit.
        allowed = 0
        for _ in 0..<60 where limiter.check(keyID: "k", limit: 100, now: minute + 90).allowed { allowed += 1 }
        XCTAssertEqual(allowed, 50)
        // Counts of a window that is over are ignored.
        limiter.merge(.init(keyID: "other", windowIndex: window - 5, count: 1000), own: 0, now: minute + 90)
        XCTAssertTrue(limiter.check(keyID: "other", limit: 10, now: minute + 90).allowed)
    }

    func testOwnCountsFromTheStoreSurviveARestart() {
        let restarted = RateLimiter()
        let window = RateLimiter.windowIndex(of: minute)
        restarted.merge(.init(keyID: "k", windowIndex: window, count: 0), own: 9, now: minute + 5)
        XCTAssertTrue(restarted.check(keyID: "k", limit: 10, now: minute + 5).allowed)
        XCTAssertFalse(restarted.check(keyID: "k", limit: 10, now: minute + 5).allowed)
        XCTAssertEqual(restarted.localCounts(now: minute + 5, share: 0.1),
                       [.init(keyID: "k", windowIndex: window, count: 10)])
    }

    func testOnlyBusyKeysArePublished() {
        let limiter = RateLimiter()
        let window = RateLimiter.windowIndex(of: minute)
        for _ in 0..<9 { _ = limiter.check(keyID: "quiet", limit: 100, now: minute) }
        for _ in 0..<10 { _ = limiter.check(keyID: "busy", limit: 100, now: minute) }
        for _ in 0..<2 { _ = limiter.check(keyID: "shared", limit: 100, now: minute) }
        // "shared" is quiet here but busy overall: it is published too.
        limiter.merge(.init(keyID: "shared", windowIndex: window, count: 30), own: 0, now: minute)
        let published = limiter.localCounts(now: minute + 61, share: 0.1).sorted { $0.keyID < $1.keyID }
        XCTAssertEqual(published, [.init(keyID: "busy", windowIndex: window, count: 10),
                                   .init(keyID: "shared", windowIndex: window, count: 2)],
                       "a minute later the counts are the previous window's")
        XCTAssertEqual(limiter.localCounts(now: minute + 121, share: 0.1), [], "two windows later nothing is left")
    }
}

