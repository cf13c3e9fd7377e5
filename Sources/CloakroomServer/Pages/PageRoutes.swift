import Cloakroom
import CloakroomHummingbird
import Hummingbird
import Metrics
import Prometheus

/// The web pages of `cloakroomd`, built on the Hummingbird integration: sessions in a
/// `__Host-cloakroom` cookie, CSRF checks on every form, strict security headers and login
/// lockout on the server's rate limiter.
struct PageRoutes: Sendable {
    /// No scripts at all; styles and images only from this origin; forms only to it.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    let demo: DemoPages?
    let admin: AdminPages
    let renderer: PageRenderer
    let sessionMiddleware: CloakroomSessionMiddleware<APIRequestContext>
    let csrf: CSRFMiddleware<APIRequestContext>

    init(
        manager: SessionManager,
        apiKeys: APIKeyRing,
        limiter: RateLimiter,
        registry: PrometheusCollectorRegistry,
        rates: OperationRates,
        gauges: StoreGaugeService,
        options: PageOptions
    ) throws {
        let renderer = try PageRenderer(demo: options.demoSignIn)
        let factory = PrometheusMetricsFactory.cloakroom(registry: registry)
        let throttle = try LoginThrottle(limiter: Self.pageLimiter(limiter))
        demo =
            options.demoSignIn
            ? DemoPages(
                manager: manager,
                renderer: renderer,
                throttle: throttle,
                password: options.demoPassword,
                passwordHint: options.demoPassword == "demo" ? "demo" : nil
            ) : nil
        admin = AdminPages(
            manager: manager,
            apiKeys: apiKeys,
            renderer: renderer,
            throttle: throttle,
            health: HealthRoutes(store: manager.store, apiKeys: apiKeys),
            registry: registry,
            rates: rates,
            gauges: gauges
        )
        self.renderer = renderer
        sessionMiddleware = try CloakroomSessionMiddleware(
            manager: manager,
            cookie: SessionCookieOptions(baseName: "cloakroom", allowsInsecureTransport: options.insecureCookies)
        )
        csrf = CSRFMiddleware(metricsFactory: factory)
    }

    /// The server's limiter when it has a `login` bucket (the pages then share its limit and
    /// store); otherwise one with `login=5/1m` on the same store.
    static func pageLimiter(_ limiter: RateLimiter) throws -> RateLimiter {
        if limiter.buckets["login"] != nil { return limiter }
        var buckets = limiter.buckets
        buckets["login"] = try RateLimit(limit: 5, period: .seconds(60))
        return try RateLimiter(store: limiter.store, buckets: buckets, clock: limiter.clock, events: limiter.events)
    }

    func register(on router: Router<APIRequestContext>) {
        router.get("assets/cloakroom.css") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600",
                    .xContentTypeOptions: "nosniff",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(string: PageStyle.css))
            )
        }
        let pages = router.group()
            .add(
                middleware: SecurityHeadersMiddleware(
                    SecurityHeaders(contentSecurityPolicy: Self.contentSecurityPolicy)
                )
            )
            .add(middleware: PageErrorMiddleware(renderer: renderer))
            .add(middleware: sessionMiddleware)
            .add(middleware: csrf)
        pages.get { _, _ in renderer.page("home", ["title": "Home"]) }
        pages.post("signout") { _, context in
            try await context.session.end()
            return PageRenderer.redirect("/")
        }
        demo?.register(pages)
        if demo == nil {
            for path in ["signin", "account"] {
                pages.get(RouterPath(path)) { _, _ in
                    renderer.message(
                        "Demo sign-in is off",
                        "This server does not offer demo accounts. Start it with CLOAKROOM_DEMO_SIGN_IN=true to try them.",
                        status: .notFound,
                        link: ("/", "Home")
                    )
                }
            }
        }
        admin.register(pages)
    }
}
