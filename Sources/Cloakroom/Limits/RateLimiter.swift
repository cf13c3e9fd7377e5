import Foundation
import Metrics

/// Rate limits and login lockouts on a ``LimitStore``: named buckets, each with a ``RateLimit``,
/// counted per key (an IP, a user name, an API client).
///
/// ```swift
/// let limiter = try RateLimiter(store: store, buckets: ["login": RateLimit(parsing: "5/1m")])
/// let decision = try await limiter.check("login", key: userName)
/// guard decision.allowed else { /* 429, Retry-After: decision.retryAfterSeconds */ }
/// ```
///
/// The algorithm is GCRA (see ``CellRate``): a token bucket that lets `limit` through at once and
/// refills evenly, kept as one number per key and updated atomically in the store, so that
/// every instance sharing the store shares the limit.
public struct RateLimiter: Sendable {
    /// Where the state lives.
    public let store: any LimitStore
    /// The configured buckets by name.
    public let buckets: [String: RateLimit]
    /// Where the time comes from.
    public let clock: any SessionClock
    /// Where refusals are recorded.
    public let events: any SessionEventSink
    /// Where `cloakroom_rate_limited_total{bucket}` is counted.
    let metricsFactory: any MetricsFactory

    /// The longest key accepted, in bytes of UTF-8.
    public static let maximumKeyLength = 512

    /// Creates a limiter.
    ///
    /// - Throws: ``CloakroomError/Code/invalidConfiguration`` for a bucket name that is not 1 to 64
    ///   of `a-z 0-9 _ . -`.
    public init(
        store: any LimitStore,
        buckets: [String: RateLimit],
        clock: any SessionClock = SystemSessionClock(),
        events: any SessionEventSink = DiscardingEventSink(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws(CloakroomError) {
        for name in buckets.keys where !Self.isValidBucketName(name) {
            throw CloakroomError(
                .invalidConfiguration,
                "bucket name '\(name.prefix(64))' must be 1 to 64 of a-z 0-9 _ . -"
            )
        }
        self.store = store
        self.buckets = buckets
        self.clock = clock
        self.events = events
        self.metricsFactory = metricsFactory
    }

    /// Takes `cost` units from `key`'s share of the configured bucket `bucket`; a cost of 0 only
    /// looks.
    ///
    /// - Throws: ``CloakroomError/Code/invalidData`` for an unknown bucket, a key that is empty or
    ///   too long, or a cost that is negative or above the bucket's limit;
    ///   ``CloakroomError/Code/storeUnavailable`` when the store cannot answer.
    public func check(_ bucket: String, key: String, cost: Int = 1) async throws -> RateLimitDecision {
        // Not `try limit(of:)`: a typed-throws call in this untyped async function, inlined into a
        // caller in another module, crashed the Swift 6.3.1 optimizer ("While splitting
        // coroutine") in release builds of the conformance kit. CI builds it in release.
        guard let limit = buckets[bucket] else { throw unknownBucket(bucket) }
        return try await check(bucket, limit: limit, key: key, cost: cost)
    }

    /// The configured limit of `bucket`.
    ///
    /// - Throws: ``CloakroomError/Code/invalidData`` naming the configured buckets when there is
    ///   no such bucket.
    public func limit(of bucket: String) throws(CloakroomError) -> RateLimit {
        guard let limit = buckets[bucket] else { throw unknownBucket(bucket) }
        return limit
    }

    /// The error for a bucket that is not configured, naming the ones that are.
    private func unknownBucket(_ bucket: String) -> CloakroomError {
        let known = buckets.keys.sorted().joined(separator: ", ")
        return CloakroomError(
            .invalidData,
            "no rate-limit bucket is named '\(bucket.prefix(64))'; configured: \(known.isEmpty ? "none" : known)"
        )
    }

    /// Like ``check(_:key:cost:)`` with a limit given here rather than configured.
    public func check(_ bucket: String, limit: RateLimit, key: String, cost: Int = 1) async throws
        -> RateLimitDecision
    {
        guard !key.isEmpty, key.utf8.count <= Self.maximumKeyLength else {
            throw CloakroomError(.invalidData, "a rate-limit key must be 1 to \(Self.maximumKeyLength) bytes")
        }
        guard (0...limit.limit).contains(cost) else {
            throw CloakroomError(
                .invalidData,
                "a cost must be from 0 to the bucket's limit of \(limit.limit); \(cost) could never be allowed"
            )
        }
        let date = clock.now
        let now = CellRate.microseconds(date)
        let step = try await store.advanceArrival(
            LimitKey(bucket: bucket, key: key),
            by: CellRate.increment(cost: cost, limit: limit),
            tolerance: limit.periodMicroseconds,
            now: now
        )
        let decision = CellRate.decision(step, cost: cost, limit: limit, now: now)
        if !decision.allowed {
            Counter(label: "cloakroom_rate_limited_total", dimensions: [("bucket", bucket)], factory: metricsFactory)
                .increment()
            events.record(SessionEvent(kind: .rateLimited, time: date, bucket: bucket))
        }
        return decision
    }

    /// Makes `key`'s share of `bucket` full again (e.g. after a successful sign-in).
    public func reset(_ bucket: String, key: String) async throws {
        try await store.resetLimit(LimitKey(bucket: bucket, key: key))
    }

    /// Whether `name` may name a bucket: 1 to 64 of `a-z 0-9 _ . -`.
    public static func isValidBucketName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { byte in
                (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            }
    }
}
