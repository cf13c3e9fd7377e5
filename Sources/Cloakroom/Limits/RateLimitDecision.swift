/// The answer to "may this go ahead?" for one bucket and key.
public struct RateLimitDecision: Sendable, Hashable {
    /// Whether the request may go ahead (its cost was taken from the bucket).
    public var allowed: Bool
    /// Whole units left in the bucket after this request.
    public var remaining: Int
    /// The bucket's capacity.
    public var limit: Int
    /// When refused, how long until the same request would be allowed; zero when allowed.
    public var retryAfter: Duration
    /// How long until the bucket is full again.
    public var resetAfter: Duration

    /// Creates a decision.
    public init(allowed: Bool, remaining: Int, limit: Int, retryAfter: Duration, resetAfter: Duration) {
        self.allowed = allowed
        self.remaining = remaining
        self.limit = limit
        self.retryAfter = retryAfter
        self.resetAfter = resetAfter
    }

    /// `retryAfter` rounded up to whole seconds, as the `Retry-After` header wants it.
    public var retryAfterSeconds: Int {
        let (seconds, attoseconds) = retryAfter.components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }
}
