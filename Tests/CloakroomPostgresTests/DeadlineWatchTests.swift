import NIOCore
import Synchronization
import Testing

@testable import CloakroomPostgres

@Suite("PostgreSQL call deadlines")
struct DeadlineWatchTests {
    /// A watched call expires once its deadline has passed, never before.
    @Test func aCallExpiresAfterItsDeadline() async throws {
        let watch = DeadlineWatch(tick: .milliseconds(5))
        let deadline = NIODeadline.now() + .milliseconds(40)
        let expiredAt = Mutex<NIODeadline?>(nil)
        _ = watch.watch(until: deadline) { expiredAt.withLock { $0 = .now() } }
        // Generous: the full suite keeps both cores busy.
        for _ in 0..<400 where expiredAt.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(5)) }
        let expired = try #require(expiredAt.withLock { $0 })
        #expect(expired >= deadline)
    }

    /// Calls that answered are forgotten and never expire; the others expire exactly once each.
    @Test func onlyCallsStillWatchedExpire() async throws {
        let watch = DeadlineWatch(tick: .milliseconds(5))
        let expiries = Mutex<[Int: Int]>([:])
        var ids: [Int: UInt64] = [:]
        for call in 0..<200 {
            ids[call] = watch.watch(until: .now() + .milliseconds(30)) {
                expiries.withLock { $0[call, default: 0] += 1 }
            }
        }
        for call in 0..<200 where call.isMultiple(of: 2) { watch.forget(ids[call]!) }
        for _ in 0..<400 where expiries.withLock({ $0.count }) < 100 { try await Task.sleep(for: .milliseconds(5)) }
        // A few more ticks: nothing forgotten may still fire, nothing may fire twice.
        try await Task.sleep(for: .milliseconds(50))
        let seen = expiries.withLock { $0 }
        #expect(seen.count == 100)
        #expect(seen.keys.allSatisfy { !$0.isMultiple(of: 2) })
        #expect(seen.values.allSatisfy { $0 == 1 })
    }

    /// The timer stops when nothing is watched and starts again for the next call.
    @Test func theWatchRestartsAfterGoingIdle() async throws {
        let watch = DeadlineWatch(tick: .milliseconds(5))
        for _ in 0..<2 {
            let expired = Mutex(false)
            _ = watch.watch(until: .now() + .milliseconds(10)) { expired.withLock { $0 = true } }
            for _ in 0..<400 where !expired.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            #expect(expired.withLock { $0 })
            // Idle for several ticks, so the timer has stopped before the next round.
            try await Task.sleep(for: .milliseconds(30))
        }
    }
}
