import Cloakroom
import CloakroomHummingbird
import CloakroomSQLite
import Foundation
import Hummingbird

/// A small site with a sign-in form, a page only signed-in users see, and sign-out.
///
/// Run it with `swift run App` and open http://localhost:8080 (browsers treat localhost as
/// secure, so the `Secure`, `__Host-` session cookie works without TLS).
@main
struct App {
    static func main() async throws {
        let listen = ProcessInfo.processInfo.environment["APP_PORT"].flatMap(Int.init) ?? 8080
        let database = ProcessInfo.processInfo.environment["APP_DATABASE"] ?? "app-sessions.sqlite"

        // 1. A store and a manager (idle timeout 30 min, absolute 24 h by default).
        let store = try SQLiteSessionStore(path: database)
        let manager = try SessionManager(store: store)
        // 2. Login lockout on the same database: 5 attempts per account per minute.
        let limiter = try RateLimiter(store: store, buckets: ["login": RateLimit(parsing: "5/1m")])
        let throttle = try LoginThrottle(limiter: limiter)

        // 3. The middleware: security headers, the session, CSRF checks on every form post.
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: try CloakroomSessionMiddleware(manager: manager))
        router.add(middleware: CSRFMiddleware())

        router.get("/") { _, context in
            // The sign-in form needs no session: the CSRF middleware checks its origin instead.
            let user = try await context.session.userID()
            return HTML(Pages.home(user: user, csrfField: ""))
        }

        router.post("login") { request, context in
            // BasicCloakroomRequestContext decodes HTML forms and JSON alike.
            let form = try await request.decode(as: LoginForm.self, context: context)
            try await throttle.attempt(account: form.user)
            guard Accounts.check(user: form.user, password: form.password) else {
                return HTML(
                    Pages.home(user: nil, csrfField: "", error: "Wrong name or password."),
                    status: .unauthorized
                )
            }
            try await throttle.succeeded(account: form.user)
            // A new session ID on every login: the one from before (if any) is dead everywhere.
            try await context.session.login(user: form.user)
            try context.session.set(Date(), forKey: "signed_in_at")
            return HTML.redirect(to: "/private")
        }

        router.get("private") { _, context in
            guard let user = try await context.session.userID() else { return HTML.redirect(to: "/") }
            let visits = (try await context.session.get(Int.self, forKey: "visits") ?? 0) + 1
            try context.session.set(visits, forKey: "visits")
            return HTML(Pages.private(user: user, visits: visits, csrfField: try await context.session.csrfField()))
        }

        router.post("logout") { _, context in
            try await context.session.end()
            return HTML.redirect(to: "/")
        }

        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: listen)),
            services: [PruningService(store: store, limits: store)]
        )
        try await app.runService()
    }
}

struct LoginForm: Decodable {
    var user: String
    var password: String
}

/// Stands in for your user database.
enum Accounts {
    static func check(user: String, password: String) -> Bool {
        !user.isEmpty && password == "correct horse"
    }
}
