import Foundation

/// Decides whether calls may go to a store that has been failing: a plain state machine with no
/// I/O and no clock of its own, so it is tested with a manual clock. Times are monotonic
/// (`ContinuousClock` instants, ``SessionClock/monotonicNow``): setting the wall clock back
/// cannot keep a breaker open, nor setting it forward cut a cool-down short.
///
/// - **closed**: calls go through; ``Configuration/failureThreshold`` outages in a row open it.
/// - **open**: calls are refused at once (the caller uses another store) until
///   ``Configuration/coolDown`` has passed.
/// - **half-open**: one call (a request or a background health probe) is let through as a probe;
///   success closes the breaker, failure opens it for another cool-down.
///
/// Only outages count: a store that answers "no such session" or "version conflict" is healthy.
public struct CircuitBreaker: Sendable, Hashable {
    /// The breaker's limits.
    public struct Configuration: Sendable, Hashable {
        /// Consecutive failures that open the breaker. Default: 3.
        public var failureThreshold: Int
        /// How long an open breaker refuses calls before it lets a probe through. Default: 500 ms
        /// (a probe is one health check, cheap enough to try twice a second).
        public var coolDown: Duration

        /// Creates a configuration.
        public init(failureThreshold: Int = 3, coolDown: Duration = .milliseconds(500)) {
            self.failureThreshold = max(1, failureThreshold)
            self.coolDown = max(.milliseconds(1), coolDown)
        }
    }

    /// Where the breaker stands.
    public enum State: Sendable, Hashable {
        /// Calls go through; `failures` in a row so far.
        case closed(failures: Int)
        /// Calls are refused until `until`.
        case open(until: ContinuousClock.Instant)
        /// One probe may go through; `probing` while it is out.
        case halfOpen(probing: Bool)
    }

    /// A change worth telling operators about.
    public enum Transition: Sendable, Hashable {
        /// The breaker opened: the store is treated as down.
        case opened
        /// The breaker closed: the store serves again.
        case closed
    }

    /// The limits.
    public let configuration: Configuration
    /// The current state.
    public private(set) var state: State = .closed(failures: 0)

    /// Creates a closed breaker.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Whether the breaker is closed (the store is taken to be up).
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// Whether the breaker is closed and the last call succeeded.
    public var isClosedWithoutFailures: Bool { state == .closed(failures: 0) }

    /// Whether a call may go to the store now. In half-open state the first caller gets `true`
    /// and becomes the probe; everyone else gets `false` until it reports back.
    public mutating func permitsCall(now: ContinuousClock.Instant) -> Bool {
        switch state {
        case .closed:
            return true
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen(probing: true)
            return true
        case .halfOpen(let probing):
            guard !probing else { return false }
            state = .halfOpen(probing: true)
            return true
        }
    }

    /// Records a call that reached the store and got an answer.
    public mutating func recordSuccess() -> Transition? {
        switch state {
        case .closed:
            state = .closed(failures: 0)
            return nil
        case .open, .halfOpen:
            state = .closed(failures: 0)
            return .closed
        }
    }

    /// Records a call that failed because the store was unreachable or did not answer in time.
    public mutating func recordFailure(now: ContinuousClock.Instant) -> Transition? {
        let reopen = State.open(until: now + configuration.coolDown)
        switch state {
        case .closed(let failures):
            if failures + 1 >= configuration.failureThreshold {
                state = reopen
                return .opened
            }
            state = .closed(failures: failures + 1)
            return nil
        case .halfOpen:
            state = reopen
            return nil
        case .open:
            // A call that started before the breaker opened; keep the cool-down already running.
            return nil
        }
    }
}
