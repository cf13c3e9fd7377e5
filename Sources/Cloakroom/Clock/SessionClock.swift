import Foundation

/// Where the manager reads the time; inject a manual clock in tests.
public protocol SessionClock: Sendable {
    /// The current time.
    var now: Date { get }

    /// A time that only moves forward, for measuring intervals (a circuit breaker's cool-down):
    /// unlike ``now`` it does not jump when the wall clock is set. Default: `ContinuousClock.now`.
    var monotonicNow: ContinuousClock.Instant { get }
}

extension SessionClock {
    /// The system's monotonic clock.
    public var monotonicNow: ContinuousClock.Instant { .now }
}

/// The system's wall clock.
public struct SystemSessionClock: SessionClock {
    /// Creates the system clock.
    public init() {}

    /// The current wall-clock time.
    public var now: Date { Date() }
}
