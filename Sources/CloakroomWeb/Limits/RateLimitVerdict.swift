import Cloakroom

/// What a web integration answers after a rate-limit check: let the request through, `429 Too
/// Many Requests` with `Retry-After`, or `503 Service Unavailable` when the limit store is down
/// and the policy says refuse.
public enum RateLimitVerdict: Sendable, Hashable {
    /// The request goes ahead.
    case pass
    /// Too many requests: answer `429` with `Retry-After` in these whole seconds (at least 1).
    case refused(retryAfterSeconds: Int)
    /// The limit store cannot answer and ``LimitStoreFailurePolicy/refuse`` applies: answer
    /// `503` with ``unavailableMessage``.
    case unavailable

    /// The text of the `503` answer.
    public static let unavailableMessage = "rate limits cannot be checked right now; try again shortly"
    /// The text of a `429` answer to a request limited per address.
    public static let tooManyRequestsMessage = "too many requests; wait before trying again"
}

extension RateLimiter {
    /// Checks `key` against `bucket` and says what the web answer is; a store failure becomes
    /// what `policy` says.
    ///
    /// - Parameters:
    ///   - bucket: a bucket this limiter knows.
    ///   - key: what is limited (an address, an account).
    ///   - policy: whether requests pass or are refused while the limit store is down.
    /// - Throws: ``Cloakroom/CloakroomError`` for any failure other than an unavailable store.
    public func verdict(
        _ bucket: String,
        key: String,
        whenStoreFails policy: LimitStoreFailurePolicy
    ) async throws -> RateLimitVerdict {
        let decision: RateLimitDecision
        do {
            decision = try await check(bucket, key: key)
        } catch let error as CloakroomError where error.code == .storeUnavailable {
            return policy == .allow ? .pass : .unavailable
        }
        return decision.allowed ? .pass : .refused(retryAfterSeconds: max(1, decision.retryAfterSeconds))
    }
}
