import Cloakroom
import Foundation
import Synchronization

/// A clock that moves only when told to, for tests of expiry without sleeping.
///
/// ``advance(by:)`` moves both the wall time (``now``) and the monotonic time
/// (``monotonicNow``); ``set(_:)`` moves the wall time only, as setting a real clock would.
public final class ManualClock: SessionClock {
    private let current: Mutex<(wall: Date, monotonic: ContinuousClock.Instant)>

    /// Creates a clock showing `start` (by default a fixed, whole-second moment).
    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex((start, ContinuousClock.now))
    }

    /// The time the clock shows.
    public var now: Date { current.withLock { $0.wall } }

    /// The monotonic time: moved by ``advance(by:)`` only.
    public var monotonicNow: ContinuousClock.Instant { current.withLock { $0.monotonic } }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        current.withLock {
            $0.wall = $0.wall.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
            $0.monotonic = $0.monotonic + duration
        }
    }

    /// Sets the wall time to `date`; the monotonic time does not move.
    public func set(_ date: Date) {
        current.withLock { $0.wall = date }
    }
}
