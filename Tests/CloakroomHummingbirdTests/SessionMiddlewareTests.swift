import Cloakroom
import CloakroomHummingbird
import CloakroomTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Session middleware")
struct SessionMiddlewareTests {
    @Test("a route that never looks costs no store call and sends no cookie")
    func untouchedRequest() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let id = try await harness.signIn(client)
            let callsBefore = harness.store.callCount
            let response = try await client.execute(uri: "/static", method: .get, headers: harness.cookieHeader(id))
            #expect(response.status == .ok)
            #expect(response.headers[values: .setCookie].isEmpty)
            #expect(harness.store.callCount == callsBefore)
        }
    }

    @Test("a read costs one load, no write and no Set-Cookie within the touch interval")
    func readOnlyRequest() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let id = try await harness.signIn(client)
            let before = try #require(try await harness.store.load(SessionID(parsing: id).key, now: harness.clock.now))
            harness.clock.advance(by: .seconds(10))
            let callsBefore = harness.store.callCount
            let response = try await client.execute(uri: "/me", method: .get, headers: harness.cookieHeader(id))
            #expect(String(buffer: response.body) == "ada")
            #expect(response.headers[values: .setCookie].isEmpty)
            #expect(harness.store.callCount == callsBefore + 1)
            let after = try #require(try await harness.store.load(SessionID(parsing: id).key, now: harness.clock.now))
            #expect(after.version == before.version)
        }
    }

    @Test("a write costs one read and one compare-and-set")
    func writeCostsOneReadAndOneSave() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let id = try await harness.signIn(client)
            let callsBefore = harness.store.callCount
            let response = try await client.execute(uri: "/incr", method: .post, headers: harness.cookieHeader(id))
            #expect(String(buffer: response.body) == "1")
            #expect(harness.store.callCount == callsBefore + 2, "the save starts from the session the request read")
            let stored = try #require(try await harness.manager.resume(SessionID(parsing: id)))
            #expect(stored.data["n"] == 1)
        }
    }

    @Test("Expires is re-sent only when the idle deadline moves")
    func expiresFollowsTheIdleDeadline() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let login = try await client.execute(uri: "/login?password=right", method: .post)
            let id = try #require(harness.sessionID(in: login))
            let first = try #require(harness.sessionCookie(in: login))
            harness.clock.advance(by: .seconds(61))
            let touched = try await client.execute(uri: "/me", method: .get, headers: harness.cookieHeader(id))
            let second = try #require(harness.sessionCookie(in: touched))
            #expect(first != second)
            #expect(harness.sessionID(in: touched) == id)
            let expected = harness.clock.now.addingTimeInterval(1800)
            #expect(second.contains("Expires=\(httpDate(expected))"))
        }
    }

    @Test("a write re-sends the cookie only when its Expires second changes")
    func writesResendOnlyChangedExpiry() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let id = try await harness.signIn(client)
            let sameSecond = try await client.execute(uri: "/incr", method: .post, headers: harness.cookieHeader(id))
            #expect(String(buffer: sameSecond.body) == "1")
            #expect(harness.sessionCookie(in: sameSecond) == nil)
            harness.clock.advance(by: .seconds(5))
            let later = try await client.execute(uri: "/incr", method: .post, headers: harness.cookieHeader(id))
            #expect(String(buffer: later.body) == "2")
            let cookie = try #require(harness.sessionCookie(in: later))
            #expect(cookie.contains("Expires=\(httpDate(harness.clock.now.addingTimeInterval(1800)))"))
        }
    }

    @Test("the cookie has the safe defaults")
    func cookieDefaults() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let login = try await client.execute(uri: "/login?password=right", method: .post)
            let cookie = try #require(harness.sessionCookie(in: login))
            let attributes = Set(
                cookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
            )
            #expect(attributes.contains("Path=/"))
            #expect(attributes.contains("Secure"))
            #expect(attributes.contains("HttpOnly"))
            #expect(attributes.contains("SameSite=Lax"))
            #expect(!cookie.contains("Domain="))
            #expect(login.headers[.cacheControl] == "no-store")
        }
    }

    @Test("login rotates the ID: the old one is dead")
    func loginRotates() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/incr", method: .post)
            let oldID = try #require(harness.sessionID(in: anonymous))
            let login = try await client.execute(
                uri: "/login?password=right&user=grace",
                method: .post,
                headers: harness.cookieHeader(oldID)
            )
            let newID = try #require(harness.sessionID(in: login))
            #expect(newID != oldID)
            #expect(try await harness.manager.resume(SessionID(parsing: oldID)) == nil)
            let me = try await client.execute(uri: "/me", method: .get, headers: harness.cookieHeader(newID))
            #expect(String(buffer: me.body) == "grace")
            let counter = try await client.execute(uri: "/incr", method: .post, headers: harness.cookieHeader(newID))
            #expect(String(buffer: counter.body) == "2")
            let stale = try await client.execute(uri: "/me", method: .get, headers: harness.cookieHeader(oldID))
            #expect(stale.status == .unauthorized)
        }
    }

    @Test("a cookie replayed from another browser ends the session when the policy says so")
    func replayedCookieFromAnotherBrowser() async throws {
        let harness = try MiddlewareHarness(clientChange: ClientChangePolicy(userAgentChange: .end))
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            var headers = HTTPFields()
            headers[.userAgent] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"
            let login = try await client.execute(
                uri: "/login?password=right&user=grace",
                method: .post,
                headers: headers
            )
            let id = try #require(harness.sessionID(in: login))
            var own = harness.cookieHeader(id)
            own[.userAgent] = headers[.userAgent]
            #expect(try await client.execute(uri: "/me", method: .get, headers: own).status == .ok)
            var stolen = harness.cookieHeader(id)
            stolen[.userAgent] = "curl/8.5.0"
            #expect(try await client.execute(uri: "/me", method: .get, headers: stolen).status == .unauthorized)
            #expect(try await client.execute(uri: "/me", method: .get, headers: own).status == .unauthorized)
        }
    }

    @Test(
        "malformed and unknown cookies mean no session and create nothing",
        arguments: [
            "short", String(repeating: "A", count: 44), "%00%01", String(repeating: "A", count: 43),
        ]
    )
    func badCookies(value: String) async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/me", method: .get, headers: harness.cookieHeader(value))
            #expect(response.status == .unauthorized)
            #expect(harness.sessionID(in: response) == nil)
            #expect(try await harness.store.count(now: harness.clock.now) == 0)
        }
    }

    @Test("a stored record that cannot be read is no session, not an error")
    func unreadableRecord() async throws {
        let store = MemorySessionStore()
        let writer = try SessionManager(
            store: store,
            cipher: SessionCipher(keys: [EncryptionKey(id: "old", bytes: Array(repeating: 1, count: 32))])
        )
        let issued = try await writer.create(userID: "ada", data: ["n": 1])
        let reader = try SessionManager(
            store: store,
            cipher: SessionCipher(keys: [EncryptionKey(id: "new", bytes: Array(repeating: 2, count: 32))])
        )
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: try CloakroomSessionMiddleware(manager: reader))
        router.get("me") { _, context in try await context.session.userID() ?? "nobody" }
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(
                uri: "/me",
                method: .get,
                headers: [.cookie: "__Host-session=\(issued.id.encoded)"]
            )
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "nobody")
            #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
        }
    }

    @Test("the session cookie is found among others, in any of several Cookie headers")
    func cookieAmongOthers() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let id = try await harness.signIn(client)
            for header in [
                "theme=dark; __Host-session=\(id); lang=en", "  __Host-session=\"\(id)\"", "a=1;__Host-session=\(id)",
                "x__Host-session=nope; __Host-session=\(id)",
            ] {
                let response = try await client.execute(uri: "/me", method: .get, headers: [.cookie: header])
                #expect(String(buffer: response.body) == "ada", "\(header)")
            }
            var two = HTTPFields()
            two.append(HTTPFields.Element(name: .cookie, value: "theme=dark"))
            two.append(HTTPFields.Element(name: .cookie, value: "__Host-session=\(id)"))
            let split = try await client.execute(uri: "/me", method: .get, headers: two)
            #expect(String(buffer: split.body) == "ada")
        }
    }

    @Test("changes are saved once and seen by the next request")
    func changesPersist() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/incr", method: .post)
            #expect(String(buffer: first.body) == "1")
            let id = try #require(harness.sessionID(in: first))
            for expected in 2...5 {
                let next = try await client.execute(uri: "/incr", method: .post, headers: harness.cookieHeader(id))
                #expect(String(buffer: next.body) == String(expected))
            }
            #expect(try await harness.store.count(now: harness.clock.now) == 1)
        }
    }

    @Test("logout ends the session and clears the cookie; end-others keeps only this one")
    func endingSessions() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            var ids: [String] = []
            for _ in 0..<3 {
                let login = try await client.execute(uri: "/login?password=right", method: .post)
                ids.append(try #require(harness.sessionID(in: login)))
            }
            let ended = try await client.execute(
                uri: "/end-others",
                method: .post,
                headers: harness.cookieHeader(ids[2])
            )
            #expect(String(buffer: ended.body) == "2")
            #expect(try await harness.manager.sessions(ofUser: "ada").count == 1)
            let logout = try await client.execute(uri: "/logout", method: .post, headers: harness.cookieHeader(ids[2]))
            let clearing = try #require(harness.sessionCookie(in: logout))
            #expect(clearing.contains("Max-Age=0"))
            #expect(try await harness.manager.sessions(ofUser: "ada").isEmpty)
        }
    }

    @Test("cookie options that do not fit together are refused")
    func badOptions() throws {
        let manager = try SessionManager(store: MemorySessionStore())
        let insecure = #expect(throws: OptionsError.self) {
            try CloakroomSessionMiddleware<BasicCloakroomRequestContext>(
                manager: manager,
                cookie: SessionCookieOptions(sameSite: .none, allowsInsecureTransport: true)
            )
        }
        #expect(insecure?.code == .insecureCombination)
        let badName = #expect(throws: OptionsError.self) {
            try CloakroomSessionMiddleware<BasicCloakroomRequestContext>(
                manager: manager,
                cookie: SessionCookieOptions(baseName: "a b")
            )
        }
        #expect(badName?.code == .invalidCookieName)
        #expect(
            (#expect(throws: OptionsError.self) { try SessionCookieOptions(domain: "a;b").validate() })?.code
                == .invalidDomain
        )
        #expect(SessionCookieOptions(allowsInsecureTransport: true).name == "session")
        // Name and value beyond 4096 bytes would be dropped by browsers.
        #expect(throws: OptionsError.self) {
            try SessionCookieOptions(baseName: String(repeating: "n", count: 4096 - 43)).validate()
        }
        #expect(throws: Never.self) {
            try SessionCookieOptions(baseName: String(repeating: "n", count: 4096 - 44 - 7)).validate()
        }
        // Shared with subdomains, a Secure cookie still keeps the prefix plain HTTP cannot set.
        let shared = SessionCookieOptions(domain: "example.com")
        #expect(shared.name == "__Secure-session")
        #expect(
            shared.setCookie(value: "v", expires: nil).hasPrefix(
                "__Secure-session=v; Path=/; Domain=example.com; Secure"
            )
        )
        #expect(SessionCookieOptions(domain: "example.com", allowsInsecureTransport: true).name == "session")
    }

    private func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
