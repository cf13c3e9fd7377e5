import Synchronization

/// Rate-limit state in this process's memory: for a single instance, or tests.
///
/// Bounded: beyond ``capacity`` keys, entries whose bucket is full again are dropped, oldest
/// first; if none are, the request is refused as if limited (never unbounded growth under a flood
/// of keys). Finding them costs O(log n) per entry dropped, never a scan of every key.
public final class MemoryLimitStore: LimitStore {
    private struct State {
        var arrivals: [LimitKey: Int64] = [:]
        /// Keys by the moment their bucket is full again (the stored arrival time).
        var expiries = ExpiryQueue<LimitKey, Int64>()

        /// Removes up to `limit` keys whose bucket is full again at `now`; answers how many.
        mutating func removeExpired(now: Int64, limit: Int) -> Int {
            let expired = expiries.takeExpired(now: now, limit: limit) { arrivals[$0] }
            for key in expired { arrivals[key] = nil }
            return expired.count
        }
    }

    private let state = Mutex(State())
    /// Most keys held at once.
    public let capacity: Int

    /// Creates an empty store.
    public init(capacity: Int = 1_000_000) {
        self.capacity = capacity
    }

    /// One rate-limit step for a bucket (see `CellRate`), applied atomically.
    public func advanceArrival(_ key: LimitKey, by increment: Int64, tolerance: Int64, now: Int64) async throws
        -> CellRate.Step
    {
        state.withLock { state in
            let stored = state.arrivals[key]
            let (step, store) = CellRate.step(stored: stored, increment: increment, tolerance: tolerance, now: now)
            guard let store else { return step }
            if stored == nil, state.arrivals.count >= capacity {
                _ = state.removeExpired(now: now, limit: 1024)
                if state.arrivals.count >= capacity { return CellRate.Step(allowed: false, arrival: now + tolerance) }
            }
            state.arrivals[key] = store
            // A later arrival time is found when the earlier one comes due; only a new key or an
            // earlier time needs an entry.
            if stored.map({ store < $0 }) ?? true {
                state.expiries.add(key, dueAt: store)
                if state.expiries.needsCompaction(liveCount: state.arrivals.count) {
                    state.expiries.compact(keeping: state.arrivals.lazy.map { ($0.key, $0.value) })
                }
            }
            return step
        }
    }

    /// Forgets a rate-limit bucket's state, so its key starts full again.
    public func resetLimit(_ key: LimitKey) async throws {
        _ = state.withLock { $0.arrivals.removeValue(forKey: key) }
    }

    /// Deletes rate-limit state of buckets that have refilled; answers how many.
    public func pruneLimits(now: Int64) async throws -> Int {
        state.withLock { state in
            var pruned = 0
            while true {
                let batch = state.removeExpired(now: now, limit: 1024)
                pruned += batch
                if batch < 1024 { return pruned }
            }
        }
    }
}
