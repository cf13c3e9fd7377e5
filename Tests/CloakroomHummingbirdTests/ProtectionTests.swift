import Cloakroom
import CloakroomHummingbird
import CloakroomTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("CSRF, security headers and login lockout")
struct ProtectionTests {
    /// Signs in and fetches the form, returning the session ID and the form's token.
    private func signedInWithToken(
        _ client: some TestClientProtocol,
        _ harness: MiddlewareHarness
    ) async throws -> (id: String, token: String) {
        let id = try await harness.signIn(client)
        let form = try await client.execute(uri: "/form", method: .get, headers: harness.cookieHeader(id))
        let html = String(buffer: form.body)
        let token = try #require(html.split(separator: "\"").dropFirst(5).first.map(String.init))
        #expect(token.count == 43)
        return (id, token)
    }

    @Test("a form post without the session's token is refused; with it, it passes")
    func synchronizerToken() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let (id, token) = try await signedInWithToken(client, harness)
            var headers = harness.cookieHeader(id)
            headers[.contentType] = "application/x-www-form-urlencoded"
            let missing = try await client.execute(
                uri: "/incr",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: "a=1")
            )
            #expect(missing.status == .forbidden)
            let wrong = try await client.execute(
                uri: "/incr",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: "_csrf=" + String(repeating: "x", count: 43))
            )
            #expect(wrong.status == .forbidden)
            let right = try await client.execute(
                uri: "/incr",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: "a=1&_csrf=\(token)")
            )
            #expect(right.status == .ok)
            #expect(String(buffer: right.body) == "1")
            var scripted = harness.cookieHeader(id)
            scripted[HTTPFields.Element.Name("X-CSRF-Token")!] = token
            let header = try await client.execute(uri: "/incr", method: .post, headers: scripted)
            #expect(String(buffer: header.body) == "2")
        }
    }

    @Test("cross-site posts are refused even without a session")
    func crossSite() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let crossSite = try await client.execute(
                uri: "/login?password=right",
                method: .post,
                headers: [HTTPFields.Element.Name("Sec-Fetch-Site")!: "cross-site"]
            )
            #expect(crossSite.status == .forbidden)
            let foreign = try await client.execute(
                uri: "/login?password=right",
                method: .post,
                headers: [.origin: "https://evil.example"]
            )
            #expect(foreign.status == .forbidden)
            let nullOrigin = try await client.execute(
                uri: "/login?password=right",
                method: .post,
                headers: [.origin: "null"]
            )
            #expect(nullOrigin.status == .forbidden)
            let sameOrigin = try await client.execute(
                uri: "/login?password=right",
                method: .post,
                headers: [HTTPFields.Element.Name("Sec-Fetch-Site")!: "same-origin"]
            )
            #expect(sameOrigin.status == .ok)
            #expect(try await harness.store.count(now: harness.clock.now) == 1)
        }
    }

    @Test("an https site takes no plain-http Origin for its own unless told to")
    func insecureOrigin() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let plain = try await client.execute(
                uri: "/login?password=right",
                method: .post,
                headers: [.origin: "http://localhost"]
            )
            #expect(plain.status == .forbidden)
            let secure = try await client.execute(
                uri: "/login?password=right",
                method: .post,
                headers: [.origin: "https://localhost"]
            )
            #expect(secure.status == .ok)
        }
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: try CloakroomSessionMiddleware(manager: harness.manager))
        router.add(middleware: CSRFMiddleware(allowsInsecureTransport: true))
        router.post("x") { _, _ in "ok" }
        try await Application(router: router).test(.router) { client in
            let plain = try await client.execute(uri: "/x", method: .post, headers: [.origin: "http://localhost"])
            #expect(plain.status == .ok)
        }
    }

    @Test("a post with a session but no Sec-Fetch-Site, Origin or token is refused")
    func noEvidenceOfOrigin() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let login = try await client.execute(uri: "/login?password=right", method: .post)
            let id = try #require(harness.sessionID(in: login))
            // The session has no CSRF token yet: only the headers could vouch for the request.
            let bare = try await client.execute(
                uri: "/incr",
                method: .post,
                headers: [.cookie: "\(harness.cookieName)=\(id)"]
            )
            #expect(bare.status == .forbidden)
            #expect(try await harness.manager.resume(encodedID: id)?.data["n"] == nil)
            let sameOrigin = try await client.execute(uri: "/incr", method: .post, headers: harness.cookieHeader(id))
            #expect(sameOrigin.status == .ok)
            // Without a session there is nothing to ride on: judged by the headers alone.
            let anonymous = try await client.execute(uri: "/login?password=right", method: .post)
            #expect(anonymous.status == .ok)
        }
    }

    @Test("signing in and rotating start a new CSRF token; the old one is refused")
    func tokenRenewedOnLogin() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let (id, token) = try await signedInWithToken(client, harness)
            var headers = harness.cookieHeader(id)
            headers[HTTPFields.Element.Name("X-CSRF-Token")!] = token
            let relogin = try await client.execute(uri: "/login?password=right", method: .post, headers: headers)
            #expect(relogin.status == .ok)
            let newID = try #require(harness.sessionID(in: relogin))
            #expect(newID != id)
            let stored = try #require(try await harness.manager.resume(encodedID: newID))
            #expect(stored.data[SessionHandle.csrfTokenKey] == nil)
            var stale = harness.cookieHeader(newID)
            stale[HTTPFields.Element.Name("X-CSRF-Token")!] = token
            // The form now hands out a new token; the one from before sign-in no longer passes.
            let form = try await client.execute(uri: "/form", method: .get, headers: harness.cookieHeader(newID))
            let fresh = try #require(String(buffer: form.body).split(separator: "\"").dropFirst(5).first)
            #expect(fresh != token)
            #expect(try await client.execute(uri: "/incr", method: .post, headers: stale).status == .forbidden)
        }
    }

    @Test("a form field for a visitor without a session creates no session unless asked")
    func csrfFieldCreatesNothing() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            let form = try await client.execute(uri: "/form", method: .get)
            #expect(String(buffer: form.body).isEmpty)
            #expect(form.headers[.setCookie] == nil)
            #expect(try await harness.store.count(now: harness.clock.now) == 0)
        }
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: try CloakroomSessionMiddleware(manager: harness.manager))
        router.get("form") { _, context in try await context.session.csrfField(creatingSession: true) }
        try await Application(router: router).test(.router) { client in
            let form = try await client.execute(uri: "/form", method: .get)
            #expect(String(buffer: form.body).contains("name=\"_csrf\""))
            #expect(try await harness.store.count(now: harness.clock.now) == 1)
        }
    }

    @Test("a sensitive route needs a recent sign-in; re-authenticating rotates the ID and renews the time")
    func recentAuthentication() async throws {
        let harness = try MiddlewareHarness()
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: try CloakroomSessionMiddleware(manager: harness.manager))
        router.post("login") { _, context in
            try await context.session.login(user: "ada")
            return "ok"
        }
        router.post("password") { _, context in
            try await context.session.requireRecentAuthentication(within: .seconds(300))
            return "changed"
        }
        router.post("confirm-password") { _, context in
            try await context.session.reauthenticate()
            return "ok"
        }
        try await Application(router: router).test(.router) { client in
            let anonymous = try await client.execute(uri: "/password", method: .post)
            #expect(anonymous.status == .unauthorized)
            #expect(String(buffer: anonymous.body).contains(#""code":"authentication_required""#))
            let login = try await client.execute(uri: "/login", method: .post)
            let id = try #require(harness.sessionID(in: login))
            #expect(
                try await client.execute(uri: "/password", method: .post, headers: harness.cookieHeader(id)).status
                    == .ok
            )
            harness.clock.advance(by: .seconds(301))
            let stale = try await client.execute(uri: "/password", method: .post, headers: harness.cookieHeader(id))
            #expect(stale.status == .unauthorized)
            #expect(String(buffer: stale.body).contains(#""code":"reauthentication_required""#))
            #expect(stale.headers[.wwwAuthenticate] == #"Session error="reauthentication_required""#)
            let confirmed = try await client.execute(
                uri: "/confirm-password",
                method: .post,
                headers: harness.cookieHeader(id)
            )
            let renewed = try #require(harness.sessionID(in: confirmed))
            #expect(renewed != id)
            #expect(try await harness.manager.resume(encodedID: id) == nil)
            let session = try #require(try await harness.manager.resume(encodedID: renewed))
            #expect(session.metadata.authenticatedAt == harness.clock.now)
            #expect(
                try await client.execute(uri: "/password", method: .post, headers: harness.cookieHeader(renewed)).status
                    == .ok
            )
        }
    }

    @Test("every response carries the security headers, errors included")
    func securityHeaders() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            for uri in ["/static", "/me"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.headers[.strictTransportSecurity]?.hasPrefix("max-age=") == true)
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPFields.Element.Name("X-Frame-Options")!] == "DENY")
                #expect(
                    response.headers[HTTPFields.Element.Name("Referrer-Policy")!] == "strict-origin-when-cross-origin"
                )
                #expect(response.headers[HTTPFields.Element.Name("Cross-Origin-Resource-Policy")!] == "same-origin")
            }
        }
    }

    @Test("the sixth wrong password in a minute gets 429 with Retry-After; a minute later it is allowed again")
    func loginLockout() async throws {
        let harness = try MiddlewareHarness()
        let app = Application(router: try harness.router())
        try await app.test(.router) { client in
            for _ in 0..<5 {
                let wrong = try await client.execute(uri: "/login?user=ada&password=wrong", method: .post)
                #expect(wrong.status == .unauthorized)
            }
            let sixth = try await client.execute(uri: "/login?user=ADA&password=right", method: .post)
            #expect(sixth.status == .tooManyRequests)
            let retryAfter = try #require(sixth.headers[.retryAfter].flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            let otherAccount = try await client.execute(uri: "/login?user=grace&password=right", method: .post)
            #expect(otherAccount.status == .ok)
            harness.clock.advance(by: .seconds(Int64(retryAfter)))
            let later = try await client.execute(uri: "/login?user=ada&password=right", method: .post)
            #expect(later.status == .ok)
        }
    }

    @Test(
        "HTTP dates match the IMF-fixdate format",
        arguments: [
            (0.0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784_111_777.0, "Sun, 06 Nov 1994 08:49:37 GMT"),
            (951_782_400.0, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (4_102_444_799.9, "Thu, 31 Dec 2099 23:59:59 GMT"),
        ]
    )
    func httpDates(seconds: Double, expected: String) {
        let cookie = SessionCookieOptions().setCookie(value: "x", expires: Date(timeIntervalSince1970: seconds))
        #expect(cookie.contains("Expires=\(expected);"))
    }
}
