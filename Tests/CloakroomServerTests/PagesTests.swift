import APITestSupport
import Cloakroom
import CloakroomServer
import CloakroomTesting
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Web pages")
struct PagesTests {
    static let demo = PageOptions(demoSignIn: true)

    /// The `name=value` of the page cookie a response sets.
    private func cookie(_ headers: HTTPFields) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix("__Host-cloakroom=") }.map {
            String($0.prefix { $0 != ";" })
        }
    }

    private func csrfToken(_ html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    private func signIn(_ client: APITestHarness.Client, _ name: String) async throws -> String {
        let reply = try await client.page(.post, "/signin", form: "user=\(name)&password=demo")
        #expect(reply.status == .seeOther)
        #expect(reply.headers[.location] == "/account")
        return try #require(cookie(reply.headers))
    }

    @Test("pages carry a strict policy without scripts, and the stylesheet is served from this origin")
    func headers() async throws {
        let harness = try await APITestHarness()
        try await harness.run(pages: Self.demo) { client in
            let home = try await client.page(.get, "/")
            #expect(home.status == .ok)
            let policy = try #require(home.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && !policy.contains("script-src"))
            #expect(home.headers[.strictTransportSecurity] != nil)
            #expect(home.headers[.xContentTypeOptions] == "nosniff")
            #expect(home.headers[HTTPFields.Element.Name("Cross-Origin-Resource-Policy")!] == "same-origin")
            #expect(home.html.contains("/assets/cloakroom.css") && !home.html.contains("<script"))
            #expect(home.headers[values: .setCookie].isEmpty)
            let css = try await client.page(.get, "/assets/cloakroom.css")
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
        }
    }

    @Test("without the demo setting there is no demo sign-in")
    func demoOff() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let page = try await client.page(.get, "/signin")
            #expect(page.status == .notFound)
            let post = try await client.page(.post, "/signin", form: "user=ada&password=demo")
            // The path has a page (saying the demo is off), so the form's method is not allowed.
            #expect(post.status == .methodNotAllowed)
            #expect(try await harness.manager.sessions(ofUser: "demo:ada").isEmpty)
        }
    }

    @Test("two devices: the account page marks the current one; end all others leaves only it")
    func yourSessions() async throws {
        let harness = try await APITestHarness()
        try await harness.run(pages: Self.demo) { client in
            let laptop = try await signIn(client, "ada")
            let phone = try await signIn(client, "ada")
            let page = try await client.page(.get, "/account", cookie: laptop)
            #expect(page.status == .ok)
            #expect(page.html.components(separatedBy: "class=\"session").count - 1 == 2)
            #expect(page.html.components(separatedBy: "id=\"current\"").count - 1 == 1)
            let token = try #require(csrfToken(page.html))
            let refused = try await client.page(.post, "/account/end-others", cookie: laptop, form: "a=b")
            #expect(refused.status == .forbidden)
            let ended = try await client.page(.post, "/account/end-others", cookie: laptop, form: "_csrf=\(token)")
            #expect(ended.status == .seeOther)
            #expect(ended.headers[.location] == "/account?ended=1")
            let phoneAfter = try await client.page(.get, "/account", cookie: phone)
            #expect(phoneAfter.status == .seeOther && phoneAfter.headers[.location] == "/signin")
            #expect(try await harness.manager.sessions(ofUser: "demo:ada").count == 1)
        }
    }

    @Test("End on one row ends that device only, and only among the user's own sessions")
    func endOne() async throws {
        let harness = try await APITestHarness()
        try await harness.run(pages: Self.demo) { client in
            let laptop = try await signIn(client, "erin")
            let phone = try await signIn(client, "erin")
            let stranger = try await signIn(client, "frank")
            let strangerHandle = try #require(try await harness.manager.sessions(ofUser: "demo:frank").first?.handle)
            let page = try await client.page(.get, "/account", cookie: laptop)
            let token = try #require(csrfToken(page.html))
            let phoneHandle = try #require(
                try await harness.manager.sessions(ofUser: "demo:erin").first {
                    !page.html.contains("session current\" data-handle=\"\($0.handle)")
                }?.handle
            )
            let foreign = try await client.page(
                .post,
                "/account/end",
                cookie: laptop,
                form: "handle=\(strangerHandle)&_csrf=\(token)"
            )
            #expect(foreign.headers[.location] == "/account?ended=0")
            #expect(try await client.page(.get, "/account", cookie: stranger).status == .ok)
            let ended = try await client.page(
                .post,
                "/account/end",
                cookie: laptop,
                form: "handle=\(phoneHandle)&_csrf=\(token)"
            )
            #expect(ended.headers[.location] == "/account?ended=1")
            #expect(try await client.page(.get, "/account", cookie: phone).status == .seeOther)
            #expect(try await client.page(.get, "/account", cookie: laptop).status == .ok)
        }
    }

    @Test("a cross-site sign-in post is refused and creates nothing")
    func crossSiteSignIn() async throws {
        let harness = try await APITestHarness()
        try await harness.run(pages: Self.demo) { client in
            let reply = try await client.page(
                .post,
                "/signin",
                form: "user=ada&password=demo",
                headers: [.origin: "https://evil.example"]
            )
            #expect(reply.status == .forbidden)
            #expect(reply.html.contains("Request refused"))
            #expect(try await harness.manager.sessions(ofUser: "demo:ada").isEmpty)
        }
    }

    @Test("the sixth wrong password within a minute gets 429 with Retry-After")
    func lockout() async throws {
        let harness = try await APITestHarness()
        try await harness.run(pages: Self.demo) { client in
            for _ in 0..<5 {
                let wrong = try await client.page(.post, "/signin", form: "user=bob&password=nope")
                #expect(wrong.status == .unauthorized)
            }
            let sixth = try await client.page(.post, "/signin", form: "user=bob&password=demo")
            #expect(sixth.status == .tooManyRequests)
            #expect(sixth.headers[.retryAfter].flatMap(Int.init) != nil)
            #expect(sixth.html.contains("Too many sign-in attempts"))
        }
    }

    @Test("the dashboard needs an admin key; a session forged through the API does not pass")
    func adminSignIn() async throws {
        let harness = try await APITestHarness()
        try await harness.run(pages: Self.demo) { client in
            let anonymous = try await client.page(.get, "/admin")
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/admin/signin")
            let wrongScope = try await client.page(.post, "/admin/signin", form: "key=\(harness.sessionsOnlySecret)")
            #expect(wrongScope.status == .unauthorized)
            // Anyone with a sessions key can write any data; that must not make an admin.
            let forged = try await client.create([
                "user_id": "admin:admin", "data": ["admin_key": "admin", "admin_proof": "AAAA"],
            ])
            let forgedPage = try await client.page(.get, "/admin", cookie: "__Host-cloakroom=\(forged.id)")
            #expect(forgedPage.status == .seeOther)

            let adminReply = try await client.page(.post, "/admin/signin", form: "key=\(harness.secret)")
            #expect(adminReply.status == .seeOther && adminReply.headers[.location] == "/admin")
            let admin = try #require(cookie(adminReply.headers))
            _ = try await signIn(client, "carol")
            let dashboard = try await client.page(.get, "/admin?user=demo:carol", cookie: admin)
            #expect(dashboard.status == .ok)
            #expect(dashboard.html.contains("id=\"live\""))
            #expect(dashboard.html.contains("id=\"user-sessions\""))
            for chart in ["chart-create", "chart-resume", "chart-errors", "chart-p99"] {
                #expect(dashboard.html.contains("<svg id=\"\(chart)\" class=\"chart\""), "the \(chart) chart")
            }
            let token = try #require(csrfToken(dashboard.html))
            let ended = try await client.page(
                .post,
                "/admin/users/end",
                cookie: admin,
                form: "user=demo%3Acarol&_csrf=\(token)"
            )
            #expect(ended.status == .seeOther)
            #expect(try await harness.manager.sessions(ofUser: "demo:carol").isEmpty)
        }
    }

    @Test("a leaked keys file and a sessions key cannot forge the admin sign-in through the API")
    func adminProofNeedsTheSignInPage() async throws {
        let harness = try await APITestHarness()
        try await harness.run(pages: Self.demo) { client in
            let apps = APITestHarness.Client(client: client.client, secret: harness.sessionsOnlySecret)
            // What the keys file tells anyone who reads it: the admin key's name and SHA-256.
            let admin = try #require(harness.apiKeys.keys.first { $0.allows(.admin) })
            func proof(for id: String) throws -> String {
                let sessionKey = try SessionID(parsing: id).key
                let mac = HMAC<SHA256>.authenticationCode(
                    for: Array("cloakroom-admin:".utf8) + sessionKey.bytes,
                    using: SymmetricKey(data: Array(admin.sha256.utf8))
                )
                return Base64URL.encode(Array(mac))
            }
            for prefix in ["", SessionData.reservedKeyPrefix] {
                let (id, _) = try await apps.create(["user_id": "admin:admin"])
                let forged = try await apps.call(
                    .post,
                    "/v1/sessions/update",
                    json: [
                        "id": id, "set": [prefix + "admin_key": "admin", prefix + "admin_proof": try proof(for: id)],
                    ]
                )
                if !prefix.isEmpty {
                    #expect(forged.status == .badRequest && forged.errorCode == "reserved_key")
                }
                let page = try await client.page(.get, "/admin", cookie: "__Host-cloakroom=\(id)")
                #expect(page.status == .seeOther && page.headers[.location] == "/admin/signin")
            }
            let created = try await apps.call(
                .post,
                "/v1/sessions",
                json: ["data": [SessionData.reservedKeyPrefix + "admin_key": "admin"]]
            )
            #expect(created.status == .badRequest && created.errorCode == "reserved_key")
            // Nor can a caller take the grant off a real admin session, or write beside it.
            let signedIn = try await client.page(.post, "/admin/signin", form: "key=\(harness.secret)")
            let adminCookie = try #require(cookie(signedIn.headers))
            let id = String(adminCookie.dropFirst("__Host-cloakroom=".count))
            let unset = try await apps.call(
                .post,
                "/v1/sessions/update",
                json: ["id": id, "unset": [SessionData.reservedKeyPrefix + "admin_proof"]]
            )
            #expect(unset.status == .badRequest && unset.errorCode == "reserved_key")
            #expect(try await client.page(.get, "/admin", cookie: adminCookie).status == .ok)
        }
    }

    @Test("/metrics serves Prometheus text naming no session")
    func metrics() async throws {
        let harness = try await APITestHarness()
        try await harness.run(pages: Self.demo) { client in
            let session = try await signIn(client, "dora")
            let reply = try await client.page(.get, "/metrics")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(reply.html.contains("cloakroom_csrf_refusals_total") || reply.html.contains("# TYPE"))
            let id = String(session.split(separator: "=")[1])
            #expect(!reply.html.contains(id) && !reply.html.contains("dora"))
        }
    }
}
