import Cloakroom
import RESP

/// Rate limits next to the sessions: one string per bucket and key, `{prefix}l:{hex}`, holding
/// the theoretical arrival time and expiring a minute after it (the sessions' expiry grace). Each step is one Lua script on one key, so it
/// is atomic on a single server and on a cluster alike.
extension RedisSessionStore: LimitStore {
    func limitKey(_ key: LimitKey) -> [UInt8] { Array((keyPrefix + "l:" + key.hex).utf8) }

    /// One rate-limit step for a bucket (see `CellRate`), applied atomically.
    public func advanceArrival(_ key: LimitKey, by increment: Int64, tolerance: Int64, now: Int64) async throws
        -> CellRate.Step
    {
        let redisKey = limitKey(key)
        let reply = try await call("rate limit") {
            try await client.run(
                RedisScripts.advanceArrival,
                keys: [redisKey],
                arguments: [
                    RESPArgument(now), RESPArgument(increment), RESPArgument(tolerance),
                    RESPArgument(Self.expiryGraceMilliseconds),
                ]
            )
        }
        guard let values = reply.elements, values.count == 2, let allowed = values[0].int, let arrival = values[1].int
        else {
            throw CloakroomError(.storeUnavailable, "\(name) answered a rate-limit step with something unexpected")
        }
        return CellRate.Step(allowed: allowed == 1, arrival: arrival)
    }

    /// Forgets a rate-limit bucket's state, so its key starts full again.
    public func resetLimit(_ key: LimitKey) async throws {
        let redisKey = limitKey(key)
        _ = try await call("rate limit reset") {
            try await client.send(RESPCommand("DEL", RESPArgument(bytes: redisKey)), key: redisKey)
        }
    }

    /// Redis expires limit keys at their arrival time by itself.
    public func pruneLimits(now: Int64) async throws -> Int { 0 }
}
