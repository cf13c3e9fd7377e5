import Cloakroom
import CloakroomHummingbird
import CloakroomTokens
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// Builds and runs `cloakroomd`: the HTTP API v1 over a ``Cloakroom/SessionManager``.
public enum CloakroomApplication {
    /// The router with every route and middleware, for running or for tests without sockets.
    public static func buildRouter(
        manager: SessionManager,
        tokens: TokenService,
        limiter: RateLimiter,
        apiKeys: APIKeyRing,
        maximumBodySize: Int,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        rates: OperationRates? = nil,
        gauges: StoreGaugeService? = nil,
        pages: PageOptions = PageOptions()
    ) throws -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        // First, so that every request counts with the status its client gets.
        router.middlewares.add(
            HTTPMetricsMiddleware(factory: PrometheusMetricsFactory.cloakroom(registry: metrics))
        )
        // Continues the caller's trace (traceparent); the manager's spans go under this one.
        router.middlewares.add(HTTPTracingMiddleware())
        if let composed = manager.store as? any ComposedSessionStore {
            router.middlewares.add(DegradedHeaderMiddleware(store: composed))
        }
        router.middlewares.add(ErrorMiddleware())
        router.get("health", use: HealthRoutes(store: manager.store, apiKeys: apiKeys).health)
        router.get("metrics", use: MetricsRoute(registry: metrics).metrics)
        router.get("openapi.json", use: OpenAPIRoute.serve)
        try PageRoutes(
            manager: manager,
            apiKeys: apiKeys,
            limiter: limiter,
            registry: metrics,
            rates: rates ?? OperationRates(registry: metrics),
            gauges: gauges
                ?? StoreGaugeService(
                    store: manager.store,
                    clock: manager.clock,
                    metricsFactory: PrometheusMetricsFactory.cloakroom(registry: metrics)
                ),
            options: pages
        ).register(on: router)
        let v1 = router.group("v1")
        let routes = SessionRoutes(manager: manager, bodyLimit: maximumBodySize)
        routes.register(
            sessions: v1.group("sessions").add(middleware: AuthenticationMiddleware(keys: apiKeys, scope: .sessions)),
            users: v1.group("users").add(middleware: AuthenticationMiddleware(keys: apiKeys, scope: .sessions))
        )
        TokenRoutes(tokens: tokens, bodyLimit: tokenBodyLimit).register(
            v1.group("tokens").add(middleware: AuthenticationMiddleware(keys: apiKeys, scope: .tokens))
        )
        router.get(".well-known/jwks.json", use: TokenRoutes.jwks(tokens.keys))
        LimitRoutes(limiter: limiter, bodyLimit: tokenBodyLimit).register(
            v1.group("limits").add(middleware: AuthenticationMiddleware(keys: apiKeys, scope: .sessions))
        )
        // Last, so that it wraps only the answer for a request no route takes.
        router.middlewares.add(MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    /// Token and limit calls carry a token, an ID or a key: a few KiB is plenty.
    static let tokenBodyLimit = 16 * 1024

    /// The application: the router, the pruning service and the store's lifecycle.
    public static func build(
        configuration: ServerConfiguration,
        manager: SessionManager,
        tokens: TokenService,
        limiter: RateLimiter,
        apiKeys: APIKeyRing,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        services: [any Service] = [],
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let rates = OperationRates(registry: metrics)
        let gauges = StoreGaugeService(
            store: manager.store,
            clock: manager.clock,
            metricsFactory: PrometheusMetricsFactory.cloakroom(registry: metrics),
            logger: logger
        )
        let router = try buildRouter(
            manager: manager,
            tokens: tokens,
            limiter: limiter,
            apiKeys: apiKeys,
            maximumBodySize: configuration.maximumBodySize,
            metrics: metrics,
            rates: rates,
            gauges: gauges,
            pages: configuration.pageOptions
        )
        var pruningLogger = logger
        pruningLogger[metadataKey: "service"] = "pruning"
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil
            ),
            // The store is listed first so it stops last: it connects before anything uses it and
            // closes after in-flight requests finish and the audit sink has written what it holds.
            services: [manager.store] + services + [rates, gauges]
                + (manager.store.expiresRecordsItself
                    ? []
                    : [
                        PruningService(
                            store: manager.store,
                            limits: limiter.store,
                            clock: manager.clock,
                            events: manager.events,
                            logger: pruningLogger
                        )
                    ])
                + ((manager.store as? any ComposedSessionStore).map { [StoreProbeService(store: $0)] } ?? []),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}
