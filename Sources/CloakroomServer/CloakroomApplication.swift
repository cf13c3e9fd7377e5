import Cloakroom
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Builds and runs `cloakroomd`: the HTTP API v1 over a ``Cloakroom/SessionManager``.
public enum CloakroomApplication {
    /// The router with every route and middleware, for running or for tests without sockets.
    public static func buildRouter(
        manager: SessionManager,
        apiKeys: APIKeyRing,
        maximumBodySize: Int
    ) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        if let composed = manager.store as? any ComposedSessionStore {
            router.middlewares.add(DegradedHeaderMiddleware(store: composed))
        }
        router.middlewares.add(ErrorMiddleware())
        router.get("health", use: HealthRoutes(store: manager.store).health)
        let v1 = router.group("v1")
        let routes = SessionRoutes(manager: manager, bodyLimit: maximumBodySize)
        routes.register(
            sessions: v1.group("sessions").add(middleware: AuthenticationMiddleware(keys: apiKeys, scope: .sessions)),
            users: v1.group("users").add(middleware: AuthenticationMiddleware(keys: apiKeys, scope: .sessions))
        )
        return router
    }

    /// The application: the router, the pruning service and the store's lifecycle.
    public static func build(
        configuration: ServerConfiguration,
        manager: SessionManager,
        apiKeys: APIKeyRing,
        services: [any Service] = [],
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = buildRouter(manager: manager, apiKeys: apiKeys, maximumBodySize: configuration.maximumBodySize)
        var pruningLogger = logger
        pruningLogger[metadataKey: "service"] = "pruning"
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil
            ),
            // The store closer is listed first so it stops last: the store closes after in-flight
            // requests finish and the audit sink has written what it holds.
            services: [StoreCloser(store: manager.store)] + services
                + (manager.store.expiresRecordsItself
                    ? [] : [PruningService(store: manager.store, clock: manager.clock, logger: pruningLogger)])
                + ((manager.store as? any ComposedSessionStore).map { [StoreProbeService(store: $0)] } ?? []),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}
