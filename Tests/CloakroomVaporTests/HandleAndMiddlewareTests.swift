#if Vapor
    import Cloakroom
    import CloakroomTesting
    import CloakroomVapor
    import Foundation
    import Testing
    import Vapor
    import VaporTesting

    /// `req.cloakroom` with ``CloakroomSessionMiddleware``, and the CSRF, security-header and
    /// rate-limit middlewares, in a Vapor app.
    @Suite("Vapor: req.cloakroom and the middlewares")
    struct HandleAndMiddlewareTests {
        let manager: SessionManager
        let limiter: RateLimiter

        init() throws {
            manager = try SessionManager(store: MemorySessionStore())
            limiter = try RateLimiter(
                store: MemoryLimitStore(),
                buckets: [
                    "login": RateLimit(limit: 3, period: .seconds(60)),
                    "api": RateLimit(limit: 2, period: .seconds(60)),
                ]
            )
        }

        struct Cart: Codable, Equatable {
            var items: [String]
        }

        /// The app: security headers first, the session middleware, CSRF, and routes that use the handle.
        private func withApp<T>(_ body: (Application) async throws -> T) async throws -> T {
            let manager = manager
            let throttle = try LoginThrottle(limiter: limiter)
            let api = try RateLimitMiddleware(limiter: limiter, bucket: "api") { $0.headers.first(name: "X-Client") }
            return try await VaporTesting.withApp(
                configure: { app in
                    app.middleware.use(SecurityHeadersMiddleware(), at: .beginning)
                    app.middleware.use(try CloakroomSessionMiddleware(manager: manager))
                    app.middleware.use(CSRFMiddleware())
                    app.post("login", ":name") { req -> String in
                        let name = req.parameters.get("name")!
                        try await throttle.attempt(account: name)
                        try await req.cloakroom.login(user: name)
                        return "ok"
                    }
                    app.get("me") { req -> String in try await req.cloakroom.userID() ?? "nobody" }
                    app.post("cart", ":item") { req -> String in
                        var cart = try await req.cloakroom.get(Cart.self, forKey: "cart") ?? Cart(items: [])
                        cart.items.append(req.parameters.get("item")!)
                        try req.cloakroom.set(cart, forKey: "cart")
                        return "ok"
                    }
                    app.get("cart") { req -> String in
                        (try await req.cloakroom.get(Cart.self, forKey: "cart")?.items ?? []).joined(separator: ",")
                    }
                    app.post("count") { req -> String in
                        String(try await req.cloakroom.modify(Int.self, forKey: "n") { ($0 ?? 0) + 1 } ?? 0)
                    }
                    app.get("token") { req -> String in try await req.cloakroom.csrfToken() }
                    app.get("sessions") { req -> String in
                        let sessions = try await req.cloakroom.sessions()
                        return "\(sessions.count) \(sessions.filter { req.cloakroom.isCurrent($0) }.count)"
                    }
                    app.post("end-others") { req -> String in String(try await req.cloakroom.endOthers()) }
                    app.post("logout") { req -> String in
                        try await req.cloakroom.end()
                        return "ok"
                    }
                    app.post("sensitive") { req -> String in
                        try await req.cloakroom.requireRecentAuthentication(within: .seconds(300))
                        return "ok"
                    }
                    app.grouped(api).get("api") { _ in "ok" }
                },
                body
            )
        }

        private func version(of cookie: String) async throws -> UInt64? {
            try await manager.store.load(try Cloakroom.SessionID(parsing: cookie).key, now: Date())?.version
        }

        @Test("login rotates; typed values; a read-only request writes nothing and sets no cookie")
        func handle() async throws {
            try await withApp { app in
                var visitor = Visitor(cookieName: "__Host-session", sameOrigin: true)
                let cart = try await visitor.send(app, .POST, "cart/apple")
                #expect(cart.status == .ok)
                let anonymous = try #require(visitor.cookie)
                try await visitor.send(app, .POST, "login/ada")
                let signedIn = try #require(visitor.cookie)
                #expect(signedIn != anonymous)
                #expect(try await manager.resume(encodedID: anonymous) == nil)
                try await visitor.send(app, .POST, "cart/pear")
                #expect(try await visitor.send(app, .GET, "cart").text == "apple,pear")
                #expect(try await visitor.send(app, .GET, "me").text == "ada")

                let before = try await version(of: signedIn)
                let read = try await visitor.send(app, .GET, "cart")
                #expect(read.headers.first(name: .setCookie) == nil)
                #expect(try await version(of: signedIn) == before)
                #expect(try await visitor.send(app, .POST, "count").text == "1")
                #expect(try await visitor.send(app, .POST, "count").text == "2")
            }
        }

        @Test("sessions lists the user's; endOthers ends the rest; end forgets the cookie")
        func sessionsAndEnd() async throws {
            try await withApp { app in
                var laptop = Visitor(cookieName: "__Host-session", sameOrigin: true)
                var phone = Visitor(cookieName: "__Host-session", sameOrigin: true)
                try await laptop.send(app, .POST, "login/ada")
                try await phone.send(app, .POST, "login/ada")
                #expect(try await laptop.send(app, .GET, "sessions").text == "2 1")
                #expect(try await laptop.send(app, .POST, "end-others").text == "1")
                #expect(try await phone.send(app, .GET, "me").text == "nobody")
                let response = try await laptop.send(app, .POST, "logout")
                #expect(response.headers.first(name: .setCookie)?.contains("Max-Age=0") == true)
                #expect(laptop.cookie == nil)
                #expect(try await manager.sessions(ofUser: "ada").isEmpty)
            }
        }

        @Test("an unknown or malformed cookie creates nothing and gets no cookie")
        func malformedCookies() async throws {
            try await withApp { app in
                for value in [Cloakroom.SessionID.generate().encoded, "", "x", String(repeating: "ü", count: 300)] {
                    var visitor = Visitor(cookieName: "__Host-session", cookie: value)
                    let response = try await visitor.send(app, .GET, "me")
                    #expect(response.text == "nobody")
                    #expect(response.headers.first(name: .setCookie).map { $0.contains("Max-Age=0") } ?? true)
                }
                #expect(try await manager.store.count(now: Date()) == 0)
            }
        }

        @Test("CSRF: a session's post needs its token; cross-site posts are refused")
        func csrf() async throws {
            try await withApp { app in
                var visitor = Visitor(cookieName: "__Host-session")
                // No session yet: judged by origin alone, so the sign-in form works.
                #expect(try await visitor.send(app, .POST, "login/ada").status == .ok)
                let token = try await visitor.send(app, .GET, "token").text
                #expect(try await visitor.send(app, .POST, "cart/apple").status == .forbidden)
                var headers = visitor.headers
                headers.add(name: "X-CSRF-Token", value: token)
                #expect(try await app.testing().sendRequest(.POST, "cart/apple", headers: headers).status == .ok)
                var form = visitor.headers
                form.contentType = .urlEncodedForm
                let posted = try await app.testing().sendRequest(
                    .POST,
                    "cart/pear",
                    headers: form,
                    body: ByteBuffer(string: "_csrf=\(token)")
                )
                #expect(posted.status == .ok)
                var crossSite = headers
                crossSite.add(name: "Sec-Fetch-Site", value: "cross-site")
                #expect(try await app.testing().sendRequest(.POST, "cart/fig", headers: crossSite).status == .forbidden)
                #expect(try await visitor.send(app, .GET, "cart").text == "apple,pear")
            }
        }

        @Test("security headers on every answer, errors included")
        func securityHeaders() async throws {
            try await withApp { app in
                for path in ["me", "no-such-page"] {
                    let response = try await app.testing().sendRequest(.GET, path)
                    #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                    #expect(response.headers.first(name: "Content-Security-Policy") != nil, "\(path)")
                }
            }
        }

        @Test("rate limits and login lockout answer 429 with Retry-After")
        func limits() async throws {
            try await withApp { app in
                for _ in 0..<2 {
                    #expect(try await app.testing().sendRequest(.GET, "api", headers: ["X-Client": "a"]).status == .ok)
                }
                let limited = try await app.testing().sendRequest(.GET, "api", headers: ["X-Client": "a"])
                #expect(limited.status == .tooManyRequests)
                #expect(Int(limited.headers.first(name: .retryAfter) ?? "") ?? 0 >= 1)
                #expect(try await app.testing().sendRequest(.GET, "api", headers: ["X-Client": "b"]).status == .ok)

                for _ in 0..<3 { #expect(try await app.testing().sendRequest(.POST, "login/bob").status == .ok) }
                let locked = try await app.testing().sendRequest(.POST, "login/bob")
                #expect(locked.status == .tooManyRequests)
                #expect(locked.headers.first(name: .retryAfter) != nil)
            }
        }

        @Test("a sensitive route without a sign-in answers 401 with the code in WWW-Authenticate")
        func reauthentication() async throws {
            try await withApp { app in
                let response = try await app.testing().sendRequest(.POST, "sensitive")
                #expect(response.status == .unauthorized)
                #expect(response.headers.first(name: .wwwAuthenticate) == #"Session error="authentication_required""#)
                var visitor = Visitor(cookieName: "__Host-session")
                try await visitor.send(app, .POST, "login/ada")
                let token = try await visitor.send(app, .GET, "token").text
                var headers = visitor.headers
                headers.add(name: "X-CSRF-Token", value: token)
                #expect(try await app.testing().sendRequest(.POST, "sensitive", headers: headers).status == .ok)
            }
        }

        @Test("without the middleware, req.cloakroom says what to add")
        func withoutMiddleware() async throws {
            try await VaporTesting.withApp(configure: { app in
                app.get("me") { req -> String in try await req.cloakroom.userID() ?? "nobody" }
            }) { app in
                let response = try await app.testing().sendRequest(.GET, "me")
                #expect(response.status == .internalServerError)
            }
            await #expect(throws: CloakroomError.self) { try await SessionHandle().userID() }
        }
    }
#endif
