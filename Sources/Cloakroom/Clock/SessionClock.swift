import Foundation

/// Where the manager reads the time; inject a manual clock in tests.
public protocol SessionClock: Sendable {
    /// The current time.
    var now: Date { get }
}

/// The system's wall clock.
public struct SystemSessionClock: SessionClock {
    /// Creates the system clock.
    public init() {}

    /// The current wall-clock time.
    public var now: Date { Date() }
}
