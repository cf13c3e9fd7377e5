import Cloakroom
import CloakroomHummingbird
import CloakroomTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A Hummingbird app with the Cloakroom middleware over a memory store that counts its calls.
struct MiddlewareHarness {
    let clock = ManualClock()
    let store = OutageSimulatingStore(MemorySessionStore())
    let manager: SessionManager
    let limiter: RateLimiter
    let cookieName = "__Host-session"

    init(touchInterval: Duration = .seconds(60), clientChange: ClientChangePolicy = ClientChangePolicy()) throws {
        manager = try SessionManager(
            store: store,
            policy: SessionPolicy(
                idleTimeout: .seconds(1800),
                touchInterval: touchInterval,
                clientChange: clientChange
            ),
            clock: clock
        )
        limiter = try RateLimiter(
            store: MemoryLimitStore(),
            buckets: ["login": RateLimit(limit: 5, period: .seconds(60))],
            clock: clock
        )
    }

    /// The router every test drives: sign-in with lockout, a counter, pages that read, end,
    /// end others, and a form guarded by CSRF.
    func router() throws -> Router<BasicCloakroomRequestContext> {
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: try CloakroomSessionMiddleware(manager: manager))
        router.add(middleware: CSRFMiddleware())
        let throttle = try LoginThrottle(limiter: limiter)
        router.get("static") { _, _ in "no session needed" }
        router.post("login") { request, context in
            let user = request.uri.queryParameters["user"].map(String.init) ?? "ada"
            try await throttle.attempt(account: user)
            guard request.uri.queryParameters["password"] == "right" else {
                throw HTTPError(.unauthorized, message: "wrong password")
            }
            try await throttle.succeeded(account: user)
            try await context.session.login(user: user)
            return "signed in"
        }
        router.get("me") { _, context in
            guard let user = try await context.session.userID() else { throw HTTPError(.unauthorized) }
            return user
        }
        router.post("incr") { _, context in
            let next = (try await context.session.get(Int.self, forKey: "n") ?? 0) + 1
            try context.session.set(next, forKey: "n")
            return String(next)
        }
        router.get("form") { _, context in try await context.session.csrfField() }
        router.post("logout") { _, context in
            try await context.session.end()
            return "bye"
        }
        router.post("end-others") { _, context in String(try await context.session.endOthers()) }
        return router
    }

    /// Signs in through `POST /login` with the right password and returns the session ID the
    /// answer's cookie hands out: the prologue most middleware tests share.
    func signIn(_ client: some TestClientProtocol) async throws -> String {
        let login = try await client.execute(uri: "/login?password=right", method: .post)
        return try #require(sessionID(in: login), "POST /login answered \(login.status) without a session cookie")
    }

    func sessionCookie(in response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix(cookieName + "=") }
    }

    /// The ID a `Set-Cookie` hands out.
    func sessionID(in response: TestResponse) -> String? {
        guard let header = sessionCookie(in: response) else { return nil }
        let value = header.dropFirst(cookieName.count + 1).prefix { $0 != ";" }
        return value.isEmpty ? nil : String(value)
    }

    /// The headers a browser sends with the session cookie on a same-origin request.
    func cookieHeader(_ id: String) -> HTTPFields {
        [.cookie: "\(cookieName)=\(id)", HTTPFields.Element.Name("Sec-Fetch-Site")!: "same-origin"]
    }
}
