import Cloakroom
import CloakroomTesting
import CloakroomWeb
import Testing

@Suite("Rate-limit verdicts and login attempts, without a framework")
struct RateLimitVerdictTests {
    /// A limit store that cannot be reached.
    struct UnreachableLimitStore: LimitStore {
        func advanceArrival(_ key: LimitKey, by increment: Int64, tolerance: Int64, now: Int64) async throws
            -> CellRate.Step
        {
            throw CloakroomError(.storeUnavailable, "limit store is down")
        }
        func resetLimit(_ key: LimitKey) async throws {
            throw CloakroomError(.storeUnavailable, "limit store is down")
        }
        func pruneLimits(now: Int64) async throws -> Int { 0 }
    }

    @Test("a bucket passes until empty, then refuses with whole seconds to wait")
    func refusesWhenEmpty() async throws {
        let clock = ManualClock()
        let limiter = try RateLimiter(
            store: MemoryLimitStore(),
            buckets: ["api": RateLimit(parsing: "2/1m")],
            clock: clock
        )
        #expect(try await limiter.verdict("api", key: "192.0.2.1", whenStoreFails: .refuse) == .pass)
        #expect(try await limiter.verdict("api", key: "192.0.2.1", whenStoreFails: .refuse) == .pass)
        guard case .refused(let seconds) = try await limiter.verdict("api", key: "192.0.2.1", whenStoreFails: .refuse)
        else {
            Issue.record("the third request of a 2/1m bucket passed")
            return
        }
        #expect((1...30).contains(seconds))
        #expect(try await limiter.verdict("api", key: "192.0.2.2", whenStoreFails: .refuse) == .pass)
    }

    @Test("a store that is down refuses or allows as the policy says")
    func storeDown() async throws {
        let limiter = try RateLimiter(store: UnreachableLimitStore(), buckets: ["api": RateLimit(parsing: "2/1m")])
        #expect(try await limiter.verdict("api", key: "k", whenStoreFails: .refuse) == .unavailable)
        #expect(try await limiter.verdict("api", key: "k", whenStoreFails: .allow) == .pass)
    }

    @Test("an unknown bucket is an error, not a pass")
    func unknownBucket() async throws {
        let limiter = try RateLimiter(store: MemoryLimitStore(), buckets: [:])
        await #expect(throws: CloakroomError.self) {
            try await limiter.verdict("nope", key: "k", whenStoreFails: .allow)
        }
        #expect(throws: CloakroomError.self) { try LoginAttempts(limiter: limiter) }
    }

    @Test("attempts count per account, whatever its case or spaces, and a success resets them")
    func loginAttempts() async throws {
        let limiter = try RateLimiter(
            store: MemoryLimitStore(),
            buckets: ["login": RateLimit(parsing: "2/1m")],
            clock: ManualClock()
        )
        let attempts = try LoginAttempts(limiter: limiter)
        #expect(try await attempts.attempt(account: "Ada@Example.com") == .pass)
        #expect(try await attempts.attempt(account: "  ada@example.com ") == .pass)
        #expect(try await attempts.attempt(account: "ADA@EXAMPLE.COM") != .pass)
        #expect(try await attempts.attempt(account: "bob@example.com") == .pass)
        try await attempts.succeeded(account: "ada@example.com")
        #expect(try await attempts.attempt(account: "ada@example.com") == .pass)
    }
}
