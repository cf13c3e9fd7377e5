// The code of the "Using Cloakroom with Vapor" article (CloakroomVapor's catalogue), compiled by
// every build with the Vapor trait and shown in the article slice by slice.
// snippet.hide
#if Vapor
    import Cloakroom
    import CloakroomSQLite
    import CloakroomVapor
    import Vapor

    struct LoginForm: Content {
        var user: String
        var password: String
    }

    func passwordIsRight(_ form: LoginForm) -> Bool { form.password == "secret" }

    // snippet.show
    // snippet.oneLine
    func configureSessions(_ app: Application) throws {
        app.sessions.use(.cloakroom)
        app.sessions.configuration = try .cloakroom()
        app.middleware.use(app.sessions.cloakroomMiddleware)  // or Vapor's app.sessions.middleware
    }
    // snippet.end

    // snippet.anyStore
    func configureSessions(_ app: Application, database: String) throws {
        let store = try SQLiteSessionStore(path: database)
        // The app runs the store: it starts when the app boots and closes when it shuts down.
        try app.sessions.use(.cloakroom(store: store, policy: SessionPolicy(idleTimeout: .seconds(30 * 60))))
        app.sessions.configuration = try .cloakroom()
        app.middleware.use(app.sessions.cloakroomMiddleware)
    }
    // snippet.end

    // snippet.ownHandle
    func configureCloakroom(_ app: Application, manager: SessionManager, limiter: RateLimiter) throws {
        app.middleware.use(SecurityHeadersMiddleware(), at: .beginning)
        app.middleware.use(try CloakroomSessionMiddleware(manager: manager))
        app.middleware.use(CSRFMiddleware())
        let throttle = try LoginThrottle(limiter: limiter)

        app.post("login") { req async throws -> HTTPStatus in
            let form = try req.content.decode(LoginForm.self)
            try await throttle.attempt(account: form.user)  // 429 with Retry-After when locked out
            guard passwordIsRight(form) else { return .unauthorized }
            try await throttle.succeeded(account: form.user)
            try await req.cloakroom.login(user: form.user)  // a new ID; the old one is dead everywhere
            return .ok
        }
        app.post("visit") { req async throws -> String in
            let visits = try await req.cloakroom.modify(Int.self, forKey: "visits") { ($0 ?? 0) + 1 }
            return "\(visits ?? 0)"
        }
        app.post("sessions", "end-others") { req async throws -> String in
            "\(try await req.cloakroom.endOthers()) ended"
        }
        app.post("logout") { req async throws -> HTTPStatus in
            try await req.cloakroom.end()
            return .ok
        }
    }
// snippet.end
// snippet.hide
#endif
