#if Vapor
    import Cloakroom
    import CloakroomTesting
    import CloakroomVapor
    import Foundation
    import TestSupport
    import Testing
    import Vapor
    import VaporTesting

    /// A user Vapor keeps in `req.session` through `SessionAuthenticatable`.
    struct User: SessionAuthenticatable {
        let name: String
        var sessionID: String { name }
    }

    /// Vapor's session authenticator for ``User``: the session's user ID is the name.
    struct UserSessionAuthenticator: AsyncSessionAuthenticator {
        typealias User = CloakroomVaporTests.User

        func authenticate(sessionID: String, for request: Request) async throws {
            request.auth.login(User(name: sessionID))
        }
    }

    /// An app using Vapor's `req.session` as Vapor's documentation shows it; only the driver is
    /// Cloakroom's, and with `cloakroomMiddleware` also the middleware in front of it.
    func configureVaporSessionRoutes(_ app: Application, cloakroomMiddleware: Bool = false) {
        app.middleware.use(cloakroomMiddleware ? app.sessions.cloakroomMiddleware : app.sessions.middleware)
        let authenticated = app.grouped(UserSessionAuthenticator())
        app.get("get", ":key") { req -> String in
            req.session.data[req.parameters.get("key")!] ?? "-"
        }
        app.get("all") { req -> String in
            req.session.data.snapshot.keys.sorted().joined(separator: ",")
        }
        app.post("set", ":key") { req -> String in
            req.session.data[req.parameters.get("key")!] = try req.content.decode(String.self, as: .plainText)
            return "ok"
        }
        app.post("remove", ":key") { req -> String in
            req.session.data[req.parameters.get("key")!] = nil
            return "ok"
        }
        app.get("id") { req -> String in req.session.id?.string ?? "-" }
        app.get("touch") { req -> String in
            _ = req.session.data["nothing"]
            return "ok"
        }
        app.post("destroy") { req -> String in
            req.session.destroy()
            return "ok"
        }
        authenticated.post("login", ":name") { req -> String in
            req.auth.login(User(name: req.parameters.get("name")!))
            return "ok"
        }
        authenticated.get("me") { req -> String in req.auth.get(User.self)?.name ?? "nobody" }
        authenticated.post("logout") { req -> String in
            req.auth.logout(User.self)
            return "ok"
        }
    }

    /// An app on `manager` with the routes of ``configureVaporSessionRoutes(_:cloakroomMiddleware:)``.
    func withSessionApp<T>(
        _ manager: SessionManager,
        cloakroomMiddleware: Bool = false,
        configure: @escaping @Sendable (Application) throws -> Void = { _ in },
        _ body: (Application) async throws -> T
    ) async throws -> T {
        try await VaporTesting.withApp(
            configure: { app in
                app.sessions.use(.cloakroom(manager))
                try configure(app)
                configureVaporSessionRoutes(app, cloakroomMiddleware: cloakroomMiddleware)
            },
            body
        )
    }

    /// The stored version of the session behind `id`: it moves on every write.
    func storedVersion(_ manager: SessionManager, _ id: String) async throws -> UInt64? {
        let id = try Cloakroom.SessionID(parsing: id)
        return try await manager.store.load(id.key, now: Date())?.version
    }

    /// A cookie jar of one: the named cookie of a response, sent back on the next request.
    struct Visitor {
        var cookieName = "vapor-session"
        var cookie: String?
        /// Whether requests say they come from the site's own pages (`Sec-Fetch-Site: same-origin`),
        /// as a browser's do; the CSRF checks then ask only for the session's token, when it has one.
        var sameOrigin = false

        /// The headers of the next request.
        var headers: HTTPHeaders {
            var headers: HTTPHeaders = [:]
            if let cookie { headers.add(name: .cookie, value: "\(cookieName)=\(cookie)") }
            if sameOrigin { headers.add(name: "Sec-Fetch-Site", value: "same-origin") }
            return headers
        }

        /// Sends a request and keeps the cookie the response sets (an expired one forgets it).
        @discardableResult
        mutating func send(
            _ app: Application,
            _ method: HTTPMethod,
            _ path: String,
            body: String? = nil
        ) async throws -> TestingHTTPResponse {
            var headers = headers
            if body != nil { headers.contentType = .plainText }
            let response = try await app.testing().sendRequest(
                method,
                path,
                headers: headers,
                body: body.map { ByteBuffer(string: $0) }
            )
            if let set = response.headers.setCookie?[cookieName] {
                let expired = set.expires.map { $0 < Date() } ?? false
                cookie = expired || set.string.isEmpty ? nil : set.string
            }
            return response
        }
    }

    extension TestingHTTPResponse {
        /// The body as text.
        var text: String { body.string }
    }

    /// The stores every driver test runs on.
    enum VaporTestStore: String, CaseIterable, Sendable {
        case memory, sqlite, postgres, redis

        var kind: IntegrationStore {
            switch self {
            case .memory: .memory
            case .sqlite: .sqlite
            case .postgres: .postgres
            case .redis: .redis
            }
        }

        /// Runs `body` with a manager over a fresh store of this kind and a second manager over
        /// another instance of the same backend (as a second host would have), both running.
        func withManagers<T: Sendable>(
            policy: SessionPolicy = SessionPolicy(),
            _ body: (SessionManager, SessionManager) async throws -> T
        ) async throws -> T {
            let folder = try TemporaryFolder()
            let name = "vapor_\(UInt32.random(in: 0...UInt32.max))"
            let store = try kind.make(name: name, in: folder)
            // One process's memory is not shared: the second "host" of the memory store is the same store.
            let second = self == .memory ? store : try kind.make(name: name, in: folder)
            let first = try SessionManager(store: store, policy: policy)
            let other = try SessionManager(store: second, policy: policy)
            return try await store.withRunning {
                if self == .memory { return try await body(first, other) }
                return try await second.withRunning { try await body(first, other) }
            }
        }
    }
#endif
