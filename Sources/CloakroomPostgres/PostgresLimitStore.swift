import Cloakroom
import PostgresNIO

/// Rate limits in the same database as the sessions (table `cloakroom_limits`): each step is one
/// `INSERT … ON CONFLICT DO UPDATE … WHERE`, atomic under concurrent callers on any instance.
extension PostgresSessionStore: LimitStore {
    /// One rate-limit step for a bucket (see `CellRate`), applied atomically.
    public func advanceArrival(_ key: LimitKey, by increment: Int64, tolerance: Int64, now: Int64) async throws
        -> CellRate.Step
    {
        let keyBytes = ByteBuffer(bytes: key.bytes)
        return try await bounded("rate limit") { [client, logger] in
            // A new key starts from now (its increment never exceeds the tolerance); an existing
            // one moves only when the request fits.
            let advanced = try await client.query(
                """
                INSERT INTO cloakroom_limits AS l (key, arrival) VALUES (\(keyBytes), \(now) + \(increment))
                ON CONFLICT (key) DO UPDATE SET arrival = GREATEST(l.arrival, \(now)) + \(increment)
                    WHERE GREATEST(l.arrival, \(now)) + \(increment) - \(now) <= \(tolerance)
                RETURNING arrival
                """,
                logger: logger
            )
            for try await arrival in advanced.decode(Int64.self) {
                return CellRate.Step(allowed: true, arrival: arrival)
            }
            let current = try await client.query(
                "SELECT GREATEST(arrival, \(now)) FROM cloakroom_limits WHERE key = \(keyBytes)",
                logger: logger
            )
            for try await arrival in current.decode(Int64.self) {
                return CellRate.Step(allowed: false, arrival: arrival)
            }
            return CellRate.Step(allowed: false, arrival: now)
        }
    }

    /// Forgets a rate-limit bucket's state, so its key starts full again.
    public func resetLimit(_ key: LimitKey) async throws {
        let keyBytes = ByteBuffer(bytes: key.bytes)
        try await bounded("rate limit reset") { [client, logger] in
            _ = try await client.query("DELETE FROM cloakroom_limits WHERE key = \(keyBytes)", logger: logger)
        }
    }

    /// Deletes rate-limit state of buckets that have refilled; answers how many.
    public func pruneLimits(now: Int64) async throws -> Int {
        try await bounded("rate limit prune") { [client, logger] in
            let rows = try await client.query(
                "DELETE FROM cloakroom_limits WHERE arrival <= \(now) RETURNING 1",
                logger: logger
            )
            return try await Self.count(rows)
        }
    }
}
