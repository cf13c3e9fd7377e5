import Foundation
import RESP

/// The Lua scripts that make each store write atomic on the server.
///
/// Every script touches exactly one key, so it runs unchanged on a cluster. Times are
/// microseconds since 1970 (exact in Lua's doubles until the year 2255); a record's deadline is
/// the earlier of its fields `i` (idle) and `a` (absolute). A record whose deadline is not after
/// the caller's `now` counts as absent, whether or not Redis has expired it yet.
enum RedisScripts {
    /// Writes `field value` pairs from `ARGV[first]` on: an empty value removes the field.
    private static let writeFields = """
        local set, unset = {}, {}
        for n = FIRST, #ARGV, 2 do
            if ARGV[n + 1] == '' then unset[#unset + 1] = ARGV[n] else
                set[#set + 1] = ARGV[n]
                set[#set + 1] = ARGV[n + 1]
            end
        end
        redis.call('HSET', KEYS[1], unpack(set))
        if #unset > 0 then redis.call('HDEL', KEYS[1], unpack(unset)) end
        """

    /// Writes a new record unless a live one holds the key.
    /// KEYS: session. ARGV: now, ttl ms, then field-value pairs. Returns 1 when written, 0 when
    /// a live record was there.
    static let insert = RESPScript(
        """
        local d = redis.call('HMGET', KEYS[1], 'i', 'a')
        local i, a = tonumber(d[1]), tonumber(d[2])
        if i and a and math.min(i, a) > tonumber(ARGV[1]) then return 0 end
        redis.call('DEL', KEYS[1])
        """ + "\n" + writeFields.replacingOccurrences(of: "FIRST", with: "3") + "\n" + """
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """
    )

    /// Replaces a live record whose version is the expected one.
    /// KEYS: session. ARGV: now, ttl ms, expected version, indexed ('1' when the user's index
    /// already holds the session with its absolute deadline), then field-value pairs starting
    /// with `v`, `u` and `a`. Returns 1 when written, 0 on a missing, dead or newer record, and 2
    /// without writing when the user or absolute deadline change and the index has not been
    /// updated yet (the caller indexes, then calls again with '1').
    static let compareAndSet = RESPScript(
        """
        local d = redis.call('HMGET', KEYS[1], 'v', 'i', 'a', 'u')
        local i, a = tonumber(d[2]), tonumber(d[3])
        if not (i and a) or math.min(i, a) <= tonumber(ARGV[1]) or d[1] ~= ARGV[3] then return 0 end
        if ARGV[4] ~= '1' and ARGV[8] ~= '' and (d[4] ~= ARGV[8] or d[3] ~= ARGV[10]) then return 2 end
        """ + "\n" + writeFields.replacingOccurrences(of: "FIRST", with: "5") + "\n" + """
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """
    )

    /// Records activity: sets last seen, moves the idle deadline if later and the expiry with it.
    /// KEYS: session. ARGV: now, last seen, idle deadline, grace ms. Returns 1, or 0 when no live
    /// record.
    static let touch = RESPScript(
        """
        local d = redis.call('HMGET', KEYS[1], 'i', 'a')
        local i, a = tonumber(d[1]), tonumber(d[2])
        local now = tonumber(ARGV[1])
        if not (i and a) or math.min(i, a) <= now then return 0 end
        local idle = tonumber(ARGV[3])
        if idle > i then
            i = idle
            redis.call('HSET', KEYS[1], 'i', ARGV[3])
        end
        redis.call('HSET', KEYS[1], 'l', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((math.min(i, a) - now) / 1000) + tonumber(ARGV[4])))
        return 1
        """
    )

    /// Deletes a record, if it belongs to the given user (or to anyone when '').
    /// KEYS: session. ARGV: now, user or ''. Returns {1 if it was live else 0, its user or ''}.
    static let delete = RESPScript(
        """
        local d = redis.call('HMGET', KEYS[1], 'i', 'a', 'u')
        if ARGV[2] ~= '' and d[3] ~= ARGV[2] then return {0, ''} end
        local existed = redis.call('DEL', KEYS[1])
        local i, a = tonumber(d[1]), tonumber(d[2])
        local live = 0
        if existed == 1 and i and a and math.min(i, a) > tonumber(ARGV[1]) then live = 1 end
        return {live, d[3] or ''}
        """
    )

    /// Deletes a record whose deadline is not after now; an unreadable one is left to its expiry.
    /// KEYS: session. ARGV: now. Returns 1 when deleted.
    static let prune = RESPScript(
        """
        local d = redis.call('HMGET', KEYS[1], 'i', 'a')
        local i, a = tonumber(d[1]), tonumber(d[2])
        if not (i and a) or math.min(i, a) > tonumber(ARGV[1]) then return 0 end
        redis.call('DEL', KEYS[1])
        return 1
        """
    )

    /// Adds a session to its user's index with its absolute deadline as score (never lowering
    /// a score), drops entries past now, and sets the index to expire with its last entry.
    /// KEYS: user index. ARGV: now, member, score, grace ms. Returns 1.
    static let indexAdd = RESPScript(
        """
        local now = tonumber(ARGV[1])
        local old = redis.call('ZSCORE', KEYS[1], ARGV[2])
        if not old or tonumber(old) < tonumber(ARGV[3]) then redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2]) end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        if top[2] then
            redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((tonumber(top[2]) - now) / 1000) + tonumber(ARGV[4])))
        end
        return 1
        """
    )

    /// Releases a lock if the caller still holds it (another may hold it after a lapsed lease).
    /// KEYS: lock. ARGV: the holder's token. Returns 1 when released.
    static let unlock = RESPScript(
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        return redis.call('DEL', KEYS[1])
        """
    )

    /// Every script, for loading them ahead of use.
    /// One GCRA step (see `CellRate`). KEYS: limit. ARGV: now, increment, tolerance (µs), grace
    /// (ms). Returns `{1, new arrival}` after storing it, or `{0, max(stored, now)}` leaving the
    /// key alone. The key expires a grace after its arrival time: Redis counts by its own clock,
    /// the callers by theirs, and a key that outlives its arrival only means a full bucket.
    /// Arithmetic stays below 2^53, exact in Lua's doubles.
    static let advanceArrival = RESPScript(
        """
        local now, increment, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        local base = math.max(tonumber(redis.call('GET', KEYS[1]) or now) or now, now)
        local arrival = base + increment
        if arrival - now > tolerance then return {0, base} end
        local ttl = math.ceil((arrival - now) / 1000) + tonumber(ARGV[4])
        redis.call('SET', KEYS[1], string.format('%d', arrival), 'PX', math.max(1, ttl))
        return {1, arrival}
        """
    )

    static let all = [insert, compareAndSet, touch, delete, prune, indexAdd, unlock, advanceArrival]
}
