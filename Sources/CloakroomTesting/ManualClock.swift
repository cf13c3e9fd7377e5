import Cloakroom
import Foundation
import Synchronization

/// A clock that moves only when told to, for tests of expiry without sleeping.
public final class ManualClock: SessionClock {
    private let current: Mutex<Date>

    /// Creates a clock showing `start` (by default a fixed, whole-second moment).
    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    /// The time the clock shows.
    public var now: Date { current.withLock { $0 } }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        current.withLock { $0 = $0.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18) }
    }

    /// Sets the clock to `date`.
    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
