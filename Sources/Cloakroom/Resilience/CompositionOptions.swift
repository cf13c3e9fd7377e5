import Logging
import Metrics

/// How a store composition (``ReplicatedSessionStore``, ``FallbackSessionStore``) watches its
/// stores and where it reports what it sees. Every default is fit for production.
public struct CompositionOptions: Sendable {
    /// When to stop calling a failing store, and how soon to try it again.
    public var breaker: CircuitBreaker.Configuration
    /// How many missed changes are remembered key by key per store; beyond it, a store that
    /// missed changes is cleared as a whole once it is back. Default: 100,000.
    public var journalCapacity: Int
    /// The clock for breakers and probes.
    public var clock: any SessionClock
    /// Where `store_bypassed` and `store_restored` events go.
    public var events: any SessionEventSink
    /// Where outages and repairs are logged.
    public var logger: Logger
    /// Where the `cloakroom_store_bypassed` gauge and the `cloakroom_store_bypasses_total` counter
    /// go (labels `store` and `role`).
    public var metricsFactory: any MetricsFactory

    /// Creates options; every argument has the production default.
    public init(
        breaker: CircuitBreaker.Configuration = CircuitBreaker.Configuration(),
        journalCapacity: Int = 100_000,
        clock: any SessionClock = SystemSessionClock(),
        events: any SessionEventSink = DiscardingEventSink(),
        logger: Logger = .cloakroomDisabled,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.breaker = breaker
        self.journalCapacity = journalCapacity
        self.clock = clock
        self.events = events
        self.logger = logger
        self.metricsFactory = metricsFactory
    }
}
