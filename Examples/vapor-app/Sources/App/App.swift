#if Vapor
    import Cloakroom
    import CloakroomSQLite
    import CloakroomVapor
    import Foundation
    import Vapor

    /// A small site with a sign-in form, a page only signed-in users see with a per-session
    /// counter, "your sessions" with sign-out everywhere else, and sign-out.
    ///
    /// Run it with `swift run App` and open http://localhost:8080 (browsers treat localhost as
    /// secure, so the `Secure`, `__Host-` session cookie works without TLS).
    @main
    struct App {
        static func main() async throws {
            let environment = ProcessInfo.processInfo.environment
            let app = try await Application.make(.detect(arguments: ["App"]))
            app.http.server.configuration.hostname = "127.0.0.1"
            app.http.server.configuration.port = environment["APP_PORT"].flatMap(Int.init) ?? 8080

            // 1. A store and a manager (idle timeout 30 min, absolute 24 h by default); the app
            //    runs the store and a pruner of expired records for as long as it runs.
            let store = try SQLiteSessionStore(path: environment["APP_DATABASE"] ?? "app-sessions.sqlite")
            let manager = try SessionManager(store: store)
            app.cloakroom.run(store)
            app.cloakroom.run(PruningService(store: store, limits: store))
            // 2. Login lockout on the same database: 5 attempts per account per minute.
            let limiter = try RateLimiter(store: store, buckets: ["login": RateLimit(parsing: "5/1m")])
            let throttle = try LoginThrottle(limiter: limiter)

            // 3. The middleware: security headers first (errors get them too), the session, CSRF
            //    checks on every form post.
            app.middleware.use(SecurityHeadersMiddleware(), at: .beginning)
            app.middleware.use(try CloakroomSessionMiddleware(manager: manager))
            app.middleware.use(CSRFMiddleware())

            routes(app, throttle: throttle)
            try await app.execute()
            try await app.asyncShutdown()
        }

        static func routes(_ app: Application, throttle: LoginThrottle) {
            app.get { req async throws -> Response in
                // The sign-in form needs no session: the CSRF middleware checks its origin instead.
                let user = try await req.cloakroom.userID()
                return Pages.html(Pages.home(user: user))
            }

            app.post("login") { req async throws -> Response in
                let form = try req.content.decode(LoginForm.self)
                try await throttle.attempt(account: form.user)
                guard Accounts.check(user: form.user, password: form.password) else {
                    return Pages.html(Pages.home(user: nil, error: "Wrong name or password."), status: .unauthorized)
                }
                try await throttle.succeeded(account: form.user)
                // A new session ID on every login: the one from before (if any) is dead everywhere.
                try await req.cloakroom.login(user: form.user)
                return req.redirect(to: "/private", redirectType: .normal)
            }

            app.get("private") { req async throws -> Response in
                guard let user = try await req.cloakroom.userID() else { return req.redirect(to: "/") }
                // `modify` never loses a visit to a concurrent request of the same session.
                let visits = try await req.cloakroom.modify(Int.self, forKey: "visits") { ($0 ?? 0) + 1 } ?? 1
                return Pages.html(
                    Pages.private(user: user, visits: visits, csrfField: try await req.cloakroom.csrfField())
                )
            }

            app.get("sessions") { req async throws -> Response in
                guard try await req.cloakroom.userID() != nil else { return req.redirect(to: "/") }
                let sessions = try await req.cloakroom.sessions().map { session in
                    Pages.SessionRow(
                        device: session.metadata.device,
                        lastSeen: session.metadata.lastSeenAt,
                        current: req.cloakroom.isCurrent(session)
                    )
                }
                return Pages.html(Pages.sessions(sessions, csrfField: try await req.cloakroom.csrfField()))
            }

            app.post("sessions", "end-others") { req async throws -> Response in
                try await req.cloakroom.endOthers()
                return req.redirect(to: "/sessions", redirectType: .normal)
            }

            app.post("logout") { req async throws -> Response in
                try await req.cloakroom.end()
                return req.redirect(to: "/", redirectType: .normal)
            }
        }
    }

    struct LoginForm: Content {
        var user: String
        var password: String
    }

    /// Stands in for your user database.
    enum Accounts {
        static func check(user: String, password: String) -> Bool {
            !user.isEmpty && password == "correct horse"
        }
    }
#else
    // Built inside the cloakroom package without its Vapor trait: nothing to run.
    @main
    struct App {
        static func main() {
            print("built without the Vapor trait; run the example with `swift run App` in Examples/vapor-app")
        }
    }
#endif
