#if Vapor
    import Cloakroom
    import CloakroomTesting
    import CloakroomVapor
    import Foundation
    import Synchronization
    import TestSupport
    import Testing
    import Vapor
    import VaporTesting

    /// Vapor's documented `req.session` behaviours with `app.sessions.use(.cloakroom(manager))`, on
    /// every kind of store, and what the driver does better than Vapor's own.
    @Suite(
        "Vapor sessions driver on every store",
        .needsServer("CLOAKROOM_TEST_POSTGRES"),
        .needsServer("CLOAKROOM_TEST_REDIS")
    )
    struct SessionDriverTests {
        @Test(
            "data set in one request is read in the next; req.session.id is the cookie",
            arguments: VaporTestStore.allCases
        )
        func setThenGet(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(manager) { app in
                    var visitor = Visitor()
                    try await visitor.send(app, .POST, "set/colour", body: "green ✓")
                    let cookie = try #require(visitor.cookie)
                    #expect(try await visitor.send(app, .GET, "get/colour").text == "green ✓")
                    #expect(try await visitor.send(app, .GET, "id").text == cookie)
                    // Stored as Cloakroom keeps it: the ID only as a hash, the value as JSON.
                    let session = try #require(try await manager.resume(encodedID: cookie))
                    #expect(session.data["colour"] == .string("green ✓"))
                    try await visitor.send(app, .POST, "remove/colour")
                    #expect(try await visitor.send(app, .GET, "get/colour").text == "-")
                }
            }
        }

        @Test("strings map losslessly, whatever they look like", arguments: [VaporTestStore.memory, .sqlite])
        func lossless(_ store: VaporTestStore) async throws {
            let values = ["", "123", "true", "null", #"{"a":1}"#, "[1,2]", "line\nbreak \"quoted\" \\", "日本語 🎉"]
            try await store.withManagers { manager, _ in
                try await withSessionApp(manager) { app in
                    var visitor = Visitor()
                    for (index, value) in values.enumerated() {
                        try await visitor.send(app, .POST, "set/k\(index)", body: value)
                    }
                    for (index, value) in values.enumerated() {
                        #expect(
                            try await visitor.send(app, .GET, "get/k\(index)").text == (value.isEmpty ? "-" : value)
                        )
                    }
                }
            }
        }

        @Test("a read-only request writes nothing and keeps the ID", arguments: VaporTestStore.allCases)
        func readOnlyWritesNothing(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(manager) { app in
                    var visitor = Visitor()
                    try await visitor.send(app, .POST, "set/a", body: "1")
                    let cookie = try #require(visitor.cookie)
                    let before = try await storedVersion(manager, cookie)
                    for _ in 0..<3 {
                        #expect(try await visitor.send(app, .GET, "get/a").text == "1")
                        try await visitor.send(app, .GET, "touch")
                    }
                    #expect(try await storedVersion(manager, cookie) == before)
                    // Vapor's middleware re-sends the cookie; it is the same ID.
                    #expect(visitor.cookie == cookie)
                }
            }
        }

        @Test("destroy ends the session everywhere and expires the cookie", arguments: VaporTestStore.allCases)
        func destroy(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(manager) { app in
                    var visitor = Visitor()
                    try await visitor.send(app, .POST, "set/a", body: "1")
                    let cookie = try #require(visitor.cookie)
                    let response = try await visitor.send(app, .POST, "destroy")
                    #expect(response.headers.setCookie?["vapor-session"]?.expires.map { $0 < Date() } == true)
                    #expect(visitor.cookie == nil)
                    #expect(try await manager.resume(encodedID: cookie) == nil)
                }
            }
        }

        @Test(
            "an unknown or malformed cookie, or a glance at req.session, stores nothing",
            arguments: VaporTestStore.allCases
        )
        func noSessionMinted(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(manager) { app in
                    let unknown = Cloakroom.SessionID.generate().encoded
                    for value in [
                        unknown, "", "not-an-id", String(repeating: "A", count: 43),
                        String(repeating: "x", count: 4000),
                    ] {
                        var visitor = Visitor(cookie: value)
                        let status = try await visitor.send(app, .GET, "get/a").status
                        let resumed = try await manager.resume(encodedID: visitor.cookie ?? "")
                        #expect(status == .ok && resumed == nil, "cookie \(value.prefix(12))")
                    }
                    var fresh = Visitor()
                    let status = try await fresh.send(app, .GET, "touch").status
                    let resumed = try await manager.resume(encodedID: fresh.cookie ?? "")
                    #expect(status == .ok && resumed == nil)
                    // Nothing was stored for any of them.
                    #expect(try await manager.store.count(now: Date()) == 0)
                }
            }
        }

        @Test(
            "req.auth.login rotates the ID, records the user, and logout rotates again",
            arguments: VaporTestStore.allCases
        )
        func loginRotates(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(manager) { app in
                    var visitor = Visitor()
                    try await visitor.send(app, .POST, "set/cart", body: "3 apples")
                    let anonymous = try #require(visitor.cookie)
                    try await visitor.send(app, .POST, "login/ada")
                    let signedIn = try #require(visitor.cookie)
                    #expect(signedIn != anonymous)
                    #expect(try await manager.resume(encodedID: anonymous) == nil)
                    #expect(try await visitor.send(app, .GET, "me").text == "ada")
                    #expect(try await visitor.send(app, .GET, "get/cart").text == "3 apples")
                    #expect(try await manager.sessions(ofUser: "ada").count == 1)
                    // The fixation attacker holding the old ID gets nothing.
                    var attacker = Visitor(cookie: anonymous)
                    #expect(try await attacker.send(app, .GET, "me").text == "nobody")

                    try await visitor.send(app, .POST, "logout")
                    let signedOut = try #require(visitor.cookie)
                    #expect(signedOut != signedIn)
                    #expect(try await manager.resume(encodedID: signedIn) == nil)
                    #expect(try await visitor.send(app, .GET, "me").text == "nobody")
                    #expect(try await visitor.send(app, .GET, "get/cart").text == "3 apples")
                    #expect(try await manager.sessions(ofUser: "ada").isEmpty)
                }
            }
        }

        @Test("a key that only looks like a sign-in changes no ID", arguments: [VaporTestStore.memory])
        func lookalikeKeys(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(manager) { app in
                    var visitor = Visitor()
                    try await visitor.send(app, .POST, "set/a", body: "1")
                    let cookie = try #require(visitor.cookie)
                    for key in ["_lastSession", "_Session", "userSession"] {
                        try await visitor.send(app, .POST, "set/\(key)", body: "x")
                        #expect(visitor.cookie == cookie, "\(key)")
                    }
                    #expect(try await manager.resume(encodedID: cookie)?.userID == nil)
                }
            }
        }

        @Test("the CSRF token of req.session does not survive a sign-in", arguments: [VaporTestStore.memory])
        func csrfTokenDroppedOnLogin(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(
                    manager,
                    configure: { app in
                        app.get("token") { req -> String in req.session.csrfToken() }
                    }
                ) { app in
                    var visitor = Visitor()
                    let before = try await visitor.send(app, .GET, "token").text
                    #expect(try await visitor.send(app, .GET, "token").text == before)
                    try await visitor.send(app, .POST, "login/ada")
                    #expect(try await visitor.send(app, .GET, "token").text != before)
                }
            }
        }

        @Test("custom cookie names and factories keep working", arguments: [VaporTestStore.memory])
        func customCookie(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(
                    manager,
                    configure: { app in
                        app.sessions.configuration = SessionsConfiguration(cookieName: "sid") { id in
                            HTTPCookies.Value(string: id.string, isSecure: true, isHTTPOnly: true)
                        }
                    }
                ) { app in
                    var visitor = Visitor(cookieName: "sid")
                    let response = try await visitor.send(app, .POST, "set/a", body: "1")
                    let cookie = try #require(response.headers.setCookie?["sid"])
                    #expect(cookie.isSecure && cookie.isHTTPOnly)
                    #expect(try await visitor.send(app, .GET, "get/a").text == "1")
                }
            }
        }

        @Test("SessionsConfiguration.cloakroom() is the safe cookie", arguments: [VaporTestStore.memory])
        func safeCookie(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(
                    manager,
                    configure: { app in
                        app.sessions.configuration = try .cloakroom()
                    }
                ) { app in
                    var visitor = Visitor(cookieName: "__Host-session")
                    let response = try await visitor.send(app, .POST, "set/a", body: "1")
                    let header = try #require(response.headers.first(name: .setCookie))
                    #expect(header.hasPrefix("__Host-session="))
                    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/", "Expires="] {
                        #expect(header.contains(attribute), "\(attribute) in \(header)")
                    }
                    #expect(try await visitor.send(app, .GET, "get/a").text == "1")
                }
            }
            #expect(throws: OptionsError.self) {
                try SessionsConfiguration.cloakroom(
                    cookie: SessionCookieOptions(sameSite: .none, allowsInsecureTransport: true)
                )
            }
        }

        @Test(
            "two app instances on one store: a sign-in or an end on one is seen by the other",
            arguments: VaporTestStore.allCases
        )
        func twoInstances(_ store: VaporTestStore) async throws {
            try await store.withManagers { first, second in
                try await withSessionApp(first) { one in
                    try await withSessionApp(second) { two in
                        var visitor = Visitor()
                        try await visitor.send(one, .POST, "set/a", body: "1")
                        let before = try #require(visitor.cookie)
                        #expect(try await visitor.send(two, .GET, "get/a").text == "1")
                        try await visitor.send(one, .POST, "login/ada")
                        var stale = Visitor(cookie: before)
                        #expect(try await stale.send(two, .GET, "get/a").text == "-")
                        #expect(try await visitor.send(two, .GET, "me").text == "ada")
                        try await visitor.send(two, .POST, "set/b", body: "2")
                        #expect(try await visitor.send(one, .GET, "get/b").text == "2")
                        let signedIn = try #require(visitor.cookie)
                        try await visitor.send(one, .POST, "destroy")
                        var kept = Visitor(cookie: signedIn)
                        #expect(try await kept.send(two, .GET, "me").text == "nobody")
                    }
                }
            }
        }

        @Test(
            "32 concurrent requests changing distinct keys of one session lose nothing",
            arguments: VaporTestStore.allCases
        )
        func concurrentDistinctKeys(_ store: VaporTestStore) async throws {
            try await store.withManagers { manager, _ in
                try await withSessionApp(manager) { app in
                    var visitor = Visitor()
                    try await visitor.send(app, .POST, "set/start", body: "1")
                    let started = visitor
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for index in 0..<32 {
                            group.addTask {
                                var client = started
                                let response = try await client.send(app, .POST, "set/k\(index)", body: "\(index)")
                                #expect(response.status == .ok)
                            }
                        }
                        try await group.waitForAll()
                    }
                    let keys = try await visitor.send(app, .GET, "all").text.split(separator: ",")
                    #expect(keys.count == 33)
                    let cookie = try #require(visitor.cookie)
                    let session = try #require(try await manager.resume(encodedID: cookie))
                    for index in 0..<32 { #expect(session.data["k\(index)"] == .string("\(index)")) }
                }
            }
        }
    }
#endif
