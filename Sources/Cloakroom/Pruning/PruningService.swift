import Logging
import ServiceLifecycle

/// Removes expired records from a store in bounded batches, as a background `Service`; with a
/// limit store, also rate-limit state of buckets that are full again.
///
/// Stores never return expired records anyway; pruning only reclaims space. Each round deletes
/// batches of at most ``batchSize`` until a batch comes back short, then sleeps ``interval``.
/// Between two batches it rests ``batchPause``, so that a large backlog is worked off at a steady
/// pace instead of taking a CPU core from the requests for as long as it lasts.
public struct PruningService: Service {
    let store: any SessionStore
    let limits: (any LimitStore)?
    let clock: any SessionClock
    let events: (any SessionEventSink)?
    /// The most records deleted per store call.
    public let batchSize: Int
    /// The pause between rounds.
    public let interval: Duration
    /// The rest between two batches of one round.
    public let batchPause: Duration
    let logger: Logger

    /// Creates a pruning service for `store`; the batch size and the rest between batches default
    /// to the store's ``SessionStore/pruneBatchSize`` and ``SessionStore/pruneBatchPause``.
    ///
    /// - Parameters:
    ///   - store: the session store to prune.
    ///   - limits: a rate-limit store whose full buckets are forgotten too, if any.
    ///   - clock: what "now" is.
    ///   - batchSize: the most records deleted per store call; `nil` for the store's own.
    ///   - interval: the pause between rounds.
    ///   - batchPause: the rest between two batches of one round; `nil` for the store's own.
    ///   - events: gets one ``SessionEvent/Kind/ended`` event with reason
    ///     ``SessionEvent/EndReason/expired`` per batch, carrying the batch's ``SessionEvent/count``
    ///     (stores delete expired records in bulk without naming them).
    ///   - logger: where rounds that fail are reported.
    public init(
        store: any SessionStore,
        limits: (any LimitStore)? = nil,
        clock: any SessionClock = SystemSessionClock(),
        events: (any SessionEventSink)? = nil,
        batchSize: Int? = nil,
        interval: Duration = .seconds(60),
        batchPause: Duration? = nil,
        logger: Logger = .cloakroomDisabled
    ) {
        self.store = store
        self.limits = limits
        self.clock = clock
        self.events = events
        self.batchSize = max(1, batchSize ?? store.pruneBatchSize)
        self.interval = interval
        self.batchPause = max(.zero, batchPause ?? store.pruneBatchPause)
        self.logger = logger
    }

    /// Prunes until a batch comes back short; returns how many records were removed.
    ///
    /// - Parameter progress: called with the running total after each batch.
    public func pruneOnce(progress: (Int) -> Void = { _ in }) async throws -> Int {
        var total = 0
        while !Task.isCancelled {
            let now = clock.now
            let pruned = try await store.pruneExpired(now: now, limit: batchSize)
            if pruned > 0 {
                events?.record(SessionEvent(kind: .ended, time: now, reason: .expired, count: pruned))
            }
            total += pruned
            progress(total)
            if pruned < batchSize { break }
            if batchPause > .zero {
                try await Task.sleep(for: batchPause)
            } else {
                await Task.yield()
            }
        }
        return total
    }

    /// Runs rounds until graceful shutdown or cancellation.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let pruned = try await pruneOnce()
                if pruned > 0 {
                    logger.debug("pruned expired sessions", metadata: ["count": "\(pruned)", "store": "\(store.name)"])
                }
                if let limits {
                    let microseconds = CellRate.microseconds(clock.now)
                    let forgotten = try await limits.pruneLimits(now: microseconds)
                    if forgotten > 0 {
                        logger.debug("pruned full rate-limit buckets", metadata: ["count": "\(forgotten)"])
                    }
                }
            } catch {
                logger.warning("pruning failed; will retry", metadata: ["store": "\(store.name)", "error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
