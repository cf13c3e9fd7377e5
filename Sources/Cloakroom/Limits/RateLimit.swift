/// How much a bucket allows: `limit` units per `period`, of which all `limit` may be spent at
/// once (the burst) and come back evenly over the period.
///
/// `5/1m` lets five attempts through at once, then one more every 12 seconds.
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    /// Units the bucket holds when full.
    public var limit: Int
    /// How long an empty bucket takes to fill again.
    public var period: Duration

    /// Creates a limit.
    ///
    /// - Throws: ``CloakroomError/Code/invalidConfiguration`` unless `limit` is 1 to 1,000,000 and
    ///   `period` from 1 ms to 366 days.
    public init(limit: Int, period: Duration) throws(CloakroomError) {
        guard (1...1_000_000).contains(limit) else {
            throw CloakroomError(.invalidConfiguration, "a rate limit must allow 1 to 1000000 units, not \(limit)")
        }
        guard period >= .milliseconds(1), period <= .seconds(366 * 86_400) else {
            throw CloakroomError(.invalidConfiguration, "a rate limit's period must be from 1ms to 366d")
        }
        self.limit = limit
        self.period = period
    }

    /// Parses `LIMIT/PERIOD`, e.g. `5/1m`, `100/1s`, `1000/24h`.
    ///
    /// - Throws: ``CloakroomError/Code/invalidConfiguration`` naming what was expected.
    public init(parsing text: some StringProtocol) throws(CloakroomError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let limit = Int(parts[0]), let period = DurationText.parse(String(parts[1])) else {
            throw CloakroomError(
                .invalidConfiguration,
                "expected a rate limit as LIMIT/PERIOD such as 5/1m or 100/1s, got '\(text.prefix(40))'"
            )
        }
        try self.init(limit: limit, period: period)
    }

    /// The period in microseconds.
    var periodMicroseconds: Int64 {
        let (seconds, attoseconds) = period.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// `LIMIT/PERIOD`.
    public var description: String { "\(limit)/\(DurationText.format(period))" }
}
