import Cloakroom
import Foundation

/// The conformance suite every ``Cloakroom/LimitStore`` must pass, driven through a
/// ``Cloakroom/RateLimiter`` with a manual clock.
///
/// ```swift
/// @Test(arguments: LimitStoreConformance.Check.allCases)
/// func limits(_ check: LimitStoreConformance.Check) async throws {
///     try await LimitStoreConformance.run(check) { MyLimitStore(...) }
/// }
/// ```
public enum LimitStoreConformance {
    /// Makes a fresh store for one check (state from earlier checks must not matter: every check
    /// uses keys of its own).
    public typealias StoreFactory = @Sendable () async throws -> any LimitStore

    /// One property of the limit store contract.
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case burstThenRefusalWithExactRetryAfter
        case refillIsEven
        case costsAndPeeks
        case keysAndBucketsAreIndependent
        case resetRefills
        case pruneForgetsOnlyFullBuckets
        case concurrentRequestsNeverOverAdmit

        /// The check's name.
        public var description: String { rawValue }
    }

    /// Runs every check.
    public static func run(makeStore: @escaping StoreFactory) async throws {
        for check in Check.allCases { try await run(check, makeStore: makeStore) }
    }

    /// Runs one check against a fresh store.
    public static func run(_ check: Check, makeStore: @escaping StoreFactory) async throws {
        let store = try await makeStore()
        // Whole seconds: times stay on the microsecond grid the stores count in.
        let clock = ManualClock(
            start: Date(timeIntervalSince1970: Double(1_800_000_000 + Int.random(in: 0..<1_000_000)))
        )
        let limiter = try RateLimiter(
            store: store,
            buckets: ["login": try RateLimit(parsing: "5/1m"), "api": try RateLimit(parsing: "10/1s")],
            clock: clock
        )
        let checks = LimitChecks(check: check, limiter: limiter, clock: clock, key: UUID().uuidString)
        if let sessions = store as? any SessionStore {
            try await sessions.withRunning { try await checks.run() }
        } else {
            try await checks.run()
        }
    }
}

/// The checks themselves.
struct LimitChecks {
    let check: LimitStoreConformance.Check
    let limiter: RateLimiter
    let clock: ManualClock
    /// A key no other run uses, so that stores shared between runs do not interfere.
    let key: String

    func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceFailure(check: check.rawValue, message: message()) }
    }

    func run() async throws {
        switch check {
        case .burstThenRefusalWithExactRetryAfter: try await burstThenRefusalWithExactRetryAfter()
        case .refillIsEven: try await refillIsEven()
        case .costsAndPeeks: try await costsAndPeeks()
        case .keysAndBucketsAreIndependent: try await keysAndBucketsAreIndependent()
        case .resetRefills: try await resetRefills()
        case .pruneForgetsOnlyFullBuckets: try await pruneForgetsOnlyFullBuckets()
        case .concurrentRequestsNeverOverAdmit: try await concurrentRequestsNeverOverAdmit()
        }
    }

    func burstThenRefusalWithExactRetryAfter() async throws {
        for attempt in 1...5 {
            let decision = try await limiter.check("login", key: key)
            try expect(decision.allowed, "attempt \(attempt) of 5 was refused")
            try expect(decision.remaining == 5 - attempt, "after \(attempt) attempts \(decision.remaining) remain")
        }
        let sixth = try await limiter.check("login", key: key)
        try expect(!sixth.allowed, "the 6th attempt within a minute was allowed")
        try expect(sixth.remaining == 0, "a refusal reports \(sixth.remaining) remaining")
        try expect(sixth.retryAfter == .seconds(12), "retry after \(sixth.retryAfter), expected 12 s")
        try expect(sixth.retryAfterSeconds == 12, "Retry-After \(sixth.retryAfterSeconds), expected 12")
        try expect(sixth.resetAfter == .seconds(60), "reset after \(sixth.resetAfter), expected 60 s")
        clock.advance(by: .seconds(12) - .microseconds(1))
        try expect(!(try await limiter.check("login", key: key).allowed), "allowed a microsecond before retry-after")
        clock.advance(by: .microseconds(1))
        try expect(try await limiter.check("login", key: key).allowed, "refused once retry-after had passed")
        try expect(!(try await limiter.check("login", key: key).allowed), "one refill let two through")
    }

    func refillIsEven() async throws {
        for _ in 0..<10 { _ = try await limiter.check("api", key: key) }
        try expect(!(try await limiter.check("api", key: key).allowed), "an empty bucket let one through")
        // Requests every 50 ms from 25 ms to 1025 ms, off the 100 ms refill boundaries so that
        // the clock's floating-point steps cannot tip one over: one unit per 100 ms gives 10.
        clock.advance(by: .milliseconds(25))
        var allowed = 0
        for _ in 0...20 {
            if try await limiter.check("api", key: key).allowed { allowed += 1 }
            clock.advance(by: .milliseconds(50))
        }
        try expect(allowed == 10, "\(allowed) of 21 requests 50 ms apart were allowed, expected 10")
    }

    func costsAndPeeks() async throws {
        let three = try await limiter.check("login", key: key, cost: 3)
        try expect(three.allowed && three.remaining == 2, "a cost of 3 out of 5 left \(three.remaining)")
        let peek = try await limiter.check("login", key: key, cost: 0)
        try expect(peek.allowed && peek.remaining == 2, "a peek changed or misreported the bucket")
        let tooMuch = try await limiter.check("login", key: key, cost: 3)
        try expect(!tooMuch.allowed, "a cost of 3 with 2 left was allowed")
        try expect(
            tooMuch.retryAfter == .seconds(12),
            "a cost of 3 with 2 left should wait 12 s, not \(tooMuch.retryAfter)"
        )
        try expect(try await limiter.check("login", key: key, cost: 2).allowed, "a cost of 2 with 2 left was refused")
        var refused = false
        do { _ = try await limiter.check("login", key: key, cost: 6) } catch { refused = true }
        try expect(refused, "a cost above the limit was accepted")
    }

    func keysAndBucketsAreIndependent() async throws {
        for _ in 0..<5 { _ = try await limiter.check("login", key: key) }
        try expect(!(try await limiter.check("login", key: key).allowed), "the bucket did not empty")
        try expect(try await limiter.check("login", key: key + "-other").allowed, "another key was limited")
        try expect(try await limiter.check("api", key: key).allowed, "the same key in another bucket was limited")
    }

    func resetRefills() async throws {
        for _ in 0..<5 { _ = try await limiter.check("login", key: key) }
        try await limiter.reset("login", key: key)
        let after = try await limiter.check("login", key: key)
        try expect(after.allowed && after.remaining == 4, "a reset bucket was not full")
    }

    func pruneForgetsOnlyFullBuckets() async throws {
        for _ in 0..<5 { _ = try await limiter.check("login", key: key) }
        _ = try await limiter.check("api", key: key)
        clock.advance(by: .seconds(30))
        let now = CellRate.microseconds(clock.now)
        _ = try await limiter.store.pruneLimits(now: now)
        // The api bucket is full again (its state may go); the login bucket is half full and must stay.
        let login = try await limiter.check("login", key: key, cost: 0)
        try expect(
            login.remaining == 2,
            "pruning lost a bucket that was not full (\(login.remaining) remain, expected 2)"
        )
        let api = try await limiter.check("api", key: key, cost: 0)
        try expect(api.remaining == 10, "a refilled bucket is not full (\(api.remaining) remain, expected 10)")
    }

    func concurrentRequestsNeverOverAdmit() async throws {
        let limiter = self.limiter
        let key = self.key
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 {
                group.addTask { try await limiter.check("api", key: key).allowed }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        try expect(allowed == 10, "\(allowed) of 40 concurrent requests were allowed by a limit of 10")
    }
}
