#if Vapor
    import Cloakroom
    import CloakroomTesting
    import CloakroomVapor
    import Foundation
    import TestSupport
    import Testing
    import Vapor
    import VaporTesting

    /// `app.sessions.cloakroomMiddleware`: Vapor's `SessionsMiddleware` that sends the session
    /// cookie only when it tells the client something new.
    @Suite("Vapor sessions middleware without redundant cookies", .needsServer("CLOAKROOM_TEST_REDIS"))
    struct SessionsMiddlewareTests {
        private static let stores: [VaporTestStore] = [.memory, .sqlite, .redis]

        @Test("a read-only request sends no Set-Cookie (Vapor's middleware re-sends it)", arguments: stores)
        func readOnlySendsNoCookie(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                for cloakroomMiddleware in [false, true] {
                    try await withSessionApp(manager, cloakroomMiddleware: cloakroomMiddleware) { app in
                        var visitor = Visitor()
                        let created = try await visitor.send(app, .POST, "set/a", body: "1")
                        #expect(created.headers.setCookie?["vapor-session"] != nil)
                        let cookie = try #require(visitor.cookie)
                        let version = try await storedVersion(manager, cookie)
                        for path in ["get/a", "touch", "id"] {
                            let response = try await visitor.send(app, .GET, path)
                            let resent = response.headers.first(name: .setCookie) != nil
                            #expect(
                                resent == !cloakroomMiddleware,
                                "\(path), cloakroomMiddleware: \(cloakroomMiddleware)"
                            )
                        }
                        #expect(try await storedVersion(manager, cookie) == version)
                        #expect(visitor.cookie == cookie)
                    }
                }
            }
        }

        @Test("a new ID is sent uncacheable; a write re-sends only a cookie with an expiry", arguments: stores)
        func newIDAndWrites(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                // Vapor's default cookie expires (in a week), so a write, which moves the idle
                // deadline, sends it again; a browser-session cookie has no expiry to move.
                for sessionCookie in [false, true] {
                    try await withSessionApp(
                        manager,
                        cloakroomMiddleware: true,
                        configure: { app in
                            guard sessionCookie else { return }
                            app.sessions.configuration = SessionsConfiguration(cookieName: "vapor-session") { id in
                                HTTPCookies.Value(string: id.string, isHTTPOnly: true)
                            }
                        }
                    ) { app in
                        var visitor = Visitor()
                        let created = try await visitor.send(app, .POST, "set/a", body: "1")
                        #expect(created.headers.first(name: .cacheControl) == "no-store")
                        let cookie = try #require(visitor.cookie)
                        let written = try await visitor.send(app, .POST, "set/b", body: "2")
                        #expect((written.headers.first(name: .setCookie) == nil) == sessionCookie)
                        #expect(visitor.cookie == cookie)
                        #expect(try await visitor.send(app, .GET, "get/b").text == "2")
                        let login = try await visitor.send(app, .POST, "login/ada")
                        #expect(login.headers.setCookie?["vapor-session"] != nil)
                        #expect(visitor.cookie != cookie)
                        #expect(try await visitor.send(app, .GET, "me").text == "ada")
                    }
                }
            }
        }

        @Test("a glance at req.session or an unknown cookie gets no cookie", arguments: stores)
        func nothingStoredNothingSent(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(manager, cloakroomMiddleware: true) { app in
                    for cookie in [nil, Cloakroom.SessionID.generate().encoded, "not-an-id"] {
                        var visitor = Visitor(cookie: cookie)
                        let response = try await visitor.send(app, .GET, "touch")
                        #expect(response.status == .ok)
                        #expect(response.headers.first(name: .setCookie) == nil, "cookie \(cookie ?? "none")")
                    }
                    #expect(try await manager.store.count(now: Date()) == 0)
                }
            }
        }

        @Test("a cookie with an expiry is re-sent when the idle deadline moves", arguments: [VaporTestStore.memory])
        func persistentCookieFollowsTouches(_ store: VaporTestStore) async throws {
            // Every resume is a touch, so every read moves the idle deadline.
            try await store.withManagers(policy: SessionPolicy(touchInterval: .zero)) { manager, _ in
                try await withSessionApp(
                    manager,
                    cloakroomMiddleware: true,
                    configure: { app in app.sessions.configuration = try .cloakroom() }
                ) { app in
                    var visitor = Visitor(cookieName: "__Host-session")
                    try await visitor.send(app, .POST, "set/a", body: "1")
                    let read = try await visitor.send(app, .GET, "get/a")
                    let header = try #require(read.headers.first(name: .setCookie))
                    #expect(header.hasPrefix("__Host-session=") && header.contains("Expires="))
                }
            }
            // Without touches, the same read sends nothing.
            try await store.withManagers { manager, _ in
                try await withSessionApp(
                    manager,
                    cloakroomMiddleware: true,
                    configure: { app in app.sessions.configuration = try .cloakroom() }
                ) { app in
                    var visitor = Visitor(cookieName: "__Host-session")
                    try await visitor.send(app, .POST, "set/a", body: "1")
                    #expect(try await visitor.send(app, .GET, "get/a").headers.first(name: .setCookie) == nil)
                }
            }
        }

        @Test("an ended session's cookie is cleared with its own attributes", arguments: [VaporTestStore.memory])
        func clearingKeepsAttributes(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(
                    manager,
                    cloakroomMiddleware: true,
                    configure: { app in app.sessions.configuration = try .cloakroom() }
                ) { app in
                    for path in ["destroy", "logout"] {
                        var visitor = Visitor(cookieName: "__Host-session")
                        try await visitor.send(app, .POST, "login/ada")
                        let cookie = try #require(visitor.cookie)
                        let response = try await visitor.send(app, .POST, path)
                        let header = try #require(response.headers.first(name: .setCookie), "\(path)")
                        // A browser drops a `__Host-` cookie only when the clearing one is Secure
                        // with Path=/ too.
                        for attribute in ["__Host-session=;", "Max-Age=0", "Secure", "Path=/", "HttpOnly"] {
                            #expect(header.contains(attribute), "\(attribute) in \(header) (\(path))")
                        }
                        #expect(visitor.cookie == nil)
                        #expect(try await manager.resume(encodedID: cookie) == nil)
                    }
                }
            }
        }
    }
#endif
