import Cloakroom
import CloakroomHummingbird
import CloakroomSQLite
import CloakroomTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The app of the "Using Cloakroom with Hummingbird" article driven as a browser would. The
/// article shows `Snippets/UsingCloakroomWithHummingbird.swift`, which every build compiles; this
/// test runs the same handlers (a snippet cannot be imported, and HummingbirdTesting cannot be
/// linked into one), so a change of behaviour the article describes fails here.
@Suite("Using Cloakroom with Hummingbird (article)")
struct ArticleSnippetTests {
    struct LoginForm: Decodable {
        var user: String
        var password: String
    }

    struct Item: Decodable {
        var name: String
    }

    struct Users {
        func check(_ user: String, _ password: String) async throws -> Bool { password == "secret" }
    }

    struct AppContext: CloakroomRequestContext {
        var coreContext: CoreRequestContextStorage
        var session = SessionHandle()
        init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
    }

    func articleRouter(store: SQLiteSessionStore) throws -> Router<BasicCloakroomRequestContext> {
        let users = Users()
        let manager = try SessionManager(store: store)
        let router = Router(context: BasicCloakroomRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: try CloakroomSessionMiddleware(manager: manager))
        router.add(middleware: CSRFMiddleware())

        let limiter = try RateLimiter(store: store, buckets: ["login": RateLimit(parsing: "5/1m")])
        let throttle = try LoginThrottle(limiter: limiter)

        router.post("login") { request, context in
            let form = try await request.decode(as: LoginForm.self, context: context)
            try await throttle.attempt(account: form.user)
            guard try await users.check(form.user, form.password) else {
                throw HTTPError(.unauthorized)
            }
            try await throttle.succeeded(account: form.user)
            try await context.session.login(user: form.user)
            return Response(status: .seeOther, headers: [.location: "/"])
        }

        router.get("cart") { _, context in
            try await context.session.get([String].self, forKey: "cart") ?? []
        }

        router.post("cart") { request, context in
            var cart = try await context.session.get([String].self, forKey: "cart") ?? []
            cart.append(try await request.decode(as: Item.self, context: context).name)
            try context.session.set(cart, forKey: "cart")
            return cart
        }

        router.post("logout") { _, context in
            try await context.session.end()
            return Response(status: .seeOther, headers: [.location: "/"])
        }
        return router
    }

    @Test("the article's app signs in by form, keeps a cart sent as JSON or form, and signs out")
    func articleApp() async throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteSessionStore(path: folder.path("sessions.sqlite"))
        let app = Application(router: try articleRouter(store: store))
        try await app.test(.router) { client in
            // What a browser sends with a same-origin post.
            let form: HTTPFields = [
                .contentType: "application/x-www-form-urlencoded",
                HTTPFields.Element.Name("Sec-Fetch-Site")!: "same-origin",
            ]
            let login = try await client.execute(
                uri: "/login",
                method: .post,
                headers: form,
                body: ByteBuffer(string: "user=ada&password=secret")
            )
            #expect(login.status == .seeOther)
            let cookie = try #require(login.headers[.setCookie]).split(separator: ";")[0]
            var json: HTTPFields = [
                .contentType: "application/json", .cookie: String(cookie),
                HTTPFields.Element.Name("Sec-Fetch-Site")!: "same-origin",
            ]
            _ = try await client.execute(
                uri: "/cart",
                method: .post,
                headers: json,
                body: ByteBuffer(string: #"{"name":"tea"}"#)
            )
            var formWithCookie = form
            formWithCookie[.cookie] = String(cookie)
            let second = try await client.execute(
                uri: "/cart",
                method: .post,
                headers: formWithCookie,
                body: ByteBuffer(string: "name=cake")
            )
            #expect(String(buffer: second.body) == #"["tea","cake"]"#)
            json[.contentType] = nil
            let logout = try await client.execute(uri: "/logout", method: .post, headers: json)
            #expect(logout.status == .seeOther)
            let after = try await client.execute(uri: "/cart", method: .get, headers: json)
            #expect(String(buffer: after.body) == "[]")
        }
        await store.close()
        _ = AppContext.self
    }
}
