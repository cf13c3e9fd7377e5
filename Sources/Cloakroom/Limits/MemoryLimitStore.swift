import Synchronization

/// Rate-limit state in this process's memory: for a single instance, or tests.
///
/// Bounded: beyond ``capacity`` keys, entries whose bucket is full again are swept; if none
/// are, the request is refused as if limited (never unbounded growth under a flood of keys).
public final class MemoryLimitStore: LimitStore {
    private let arrivals = Mutex<[LimitKey: Int64]>([:])
    /// Most keys held at once.
    public let capacity: Int

    /// Creates an empty store.
    public init(capacity: Int = 1_000_000) {
        self.capacity = capacity
    }

    public func advanceArrival(_ key: LimitKey, by increment: Int64, tolerance: Int64, now: Int64) async throws
        -> CellRate.Step
    {
        arrivals.withLock { arrivals in
            let (step, store) = CellRate.step(
                stored: arrivals[key],
                increment: increment,
                tolerance: tolerance,
                now: now
            )
            guard let store else { return step }
            if arrivals[key] == nil, arrivals.count >= capacity {
                arrivals = arrivals.filter { $0.value > now }
                if arrivals.count >= capacity { return CellRate.Step(allowed: false, arrival: now + tolerance) }
            }
            arrivals[key] = store
            return step
        }
    }

    public func resetLimit(_ key: LimitKey) async throws {
        _ = arrivals.withLock { $0.removeValue(forKey: key) }
    }

    public func pruneLimits(now: Int64) async throws -> Int {
        arrivals.withLock { arrivals in
            let before = arrivals.count
            arrivals = arrivals.filter { $0.value > now }
            return before - arrivals.count
        }
    }
}
