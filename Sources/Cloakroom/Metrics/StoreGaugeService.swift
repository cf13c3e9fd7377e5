import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Samples a store every `interval` into two gauges: `cloakroom_live_sessions{store}` (its
/// count of live sessions) and `cloakroom_store_healthy{store}` (1 when it answers, else 0).
///
/// Counting is a full scan on some stores (Redis walks its keyspace), so the interval is long
/// and the count is never taken on a request's path.
public struct StoreGaugeService: Service {
    let store: any SessionStore
    let clock: any SessionClock
    let interval: Duration
    let liveSessions: Gauge
    let healthy: Gauge
    let logger: Logger

    /// Creates the service.
    public init(
        store: any SessionStore,
        clock: any SessionClock = SystemSessionClock(),
        interval: Duration = .seconds(15),
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = .cloakroomDisabled
    ) {
        self.store = store
        self.clock = clock
        self.interval = interval
        let dimensions = [("store", store.name)]
        liveSessions = Gauge(label: "cloakroom_live_sessions", dimensions: dimensions, factory: metricsFactory)
        healthy = Gauge(label: "cloakroom_store_healthy", dimensions: dimensions, factory: metricsFactory)
        self.logger = logger
    }

    /// Samples once, then every interval until shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await sample()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    /// Takes one sample now.
    public func sample() async {
        let health = await store.health()
        healthy.record(health.isHealthy ? 1 : 0)
        guard health.isHealthy else { return }
        do {
            liveSessions.record(try await store.count(now: clock.now))
        } catch {
            logger.debug("could not count live sessions", metadata: ["error": "\(error)"])
        }
    }
}
