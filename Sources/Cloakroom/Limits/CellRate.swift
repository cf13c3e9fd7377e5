import Foundation

/// The rate-limiting algorithm: GCRA, the generic cell rate algorithm (a token bucket kept as one
/// number).
///
/// A bucket's whole state is its *theoretical arrival time* (TAT): the moment it would be full
/// again. A request costing `c` moves the TAT to `max(TAT, now) + c × interval`, where
/// `interval = period / limit`; it is allowed when the new TAT is at most one `period` ahead
/// of now. So a full bucket lets `limit` units through at once and then one per `interval`,
/// exactly like a token bucket, but a store keeps one integer per key, updates it in one atomic
/// step (one SQL statement, one Lua script), and forgets it at the TAT. Unlike fixed windows there
/// is no double burst at a window's edge, and the wait before the next allowed request is
/// known exactly.
///
/// Times are integer microseconds since 1970, so every store computes the same result.
public enum CellRate {
    /// What a store's atomic step did.
    public struct Step: Sendable, Hashable {
        /// Whether the TAT was advanced (the request allowed).
        public var allowed: Bool
        /// The TAT after the step: the new one when allowed, `max(stored, now)` when not.
        public var arrival: Int64

        /// Creates a step result.
        public init(allowed: Bool, arrival: Int64) {
            self.allowed = allowed
            self.arrival = arrival
        }
    }

    /// The atomic step every ``LimitStore`` performs, for stores that compute it in Swift: from
    /// the stored TAT (`nil` when none), the step and the TAT to store (`nil`: leave it).
    public static func step(stored: Int64?, increment: Int64, tolerance: Int64, now: Int64) -> (Step, store: Int64?) {
        let base = max(stored ?? now, now)
        let arrival = base + increment
        guard arrival - now <= tolerance else { return (Step(allowed: false, arrival: base), nil) }
        return (Step(allowed: true, arrival: arrival), arrival)
    }

    /// A time as the microseconds since 1970 that limit stores count in (rounded to the nearest,
    /// so that times on the microsecond grid survive the trip through a `Double`).
    public static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The increment of a request costing `cost` under `limit`, in microseconds.
    static func increment(cost: Int, limit: RateLimit) -> Int64 {
        // Multiply before dividing, so that `limit` requests of cost 1 add up to exactly `period`
        // give or take a microsecond, and a cost of `limit` to exactly `period`.
        limit.periodMicroseconds * Int64(cost) / Int64(limit.limit)
    }

    /// The decision a step means.
    static func decision(_ step: Step, cost: Int, limit: RateLimit, now: Int64) -> RateLimitDecision {
        let period = limit.periodMicroseconds
        let ahead = max(0, step.arrival - now)
        let remaining = Int(max(0, (period - ahead) * Int64(limit.limit) / period))
        let retry = step.allowed ? 0 : max(0, ahead + increment(cost: cost, limit: limit) - period)
        return RateLimitDecision(
            allowed: step.allowed,
            remaining: remaining,
            limit: limit.limit,
            retryAfter: .microseconds(retry),
            resetAfter: .microseconds(ahead)
        )
    }
}
