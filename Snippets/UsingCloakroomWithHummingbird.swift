// The code of the "Using Cloakroom with Hummingbird" article (CloakroomHummingbird's catalogue),
// compiled by every build and shown in the article slice by slice. With PORT set it serves the
// article's app, which scripts/example_check.py --article drives over HTTP.
// snippet.hide
import Cloakroom
import CloakroomHummingbird
import CloakroomSQLite
import Foundation
import Hummingbird

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

/// A page of HTML.
struct HTML: ResponseGenerator {
    var text: String
    init(_ text: String) { self.text = text }
    func response(from request: Request, context: some RequestContext) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

let users = Users()

// snippet.show
// snippet.store
let store = try SQLiteSessionStore(path: "sessions.sqlite")
let manager = try SessionManager(store: store)  // idle 30 min, absolute 24 h, safe defaults
// snippet.end

// snippet.context
struct AppContext: CloakroomRequestContext {
    var coreContext: CoreRequestContextStorage
    var session = SessionHandle()
    init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
}
// snippet.end

// snippet.middleware
let router = Router(context: BasicCloakroomRequestContext.self)
router.add(middleware: SecurityHeadersMiddleware())
router.add(middleware: try CloakroomSessionMiddleware(manager: manager))
router.add(middleware: CSRFMiddleware())
// snippet.end

// snippet.signIn
let limiter = try RateLimiter(
    store: store,
    buckets: ["login": RateLimit(parsing: "5/1m"), "api": RateLimit(parsing: "100/1m")]
)
let throttle = try LoginThrottle(limiter: limiter)

router.post("login") { request, context in
    let form = try await request.decode(as: LoginForm.self, context: context)
    try await throttle.attempt(account: form.user)  // the 6th within a minute: 429
    guard try await users.check(form.user, form.password) else {
        throw HTTPError(.unauthorized)
    }
    try await throttle.succeeded(account: form.user)
    try await context.session.login(user: form.user)  // new ID; the old one is dead
    return Response(status: .seeOther, headers: [.location: "/"])
}

router.get("cart") { _, context in
    try await context.session.get([String].self, forKey: "cart") ?? []
}

router.post("cart") { request, context in
    var cart = try await context.session.get([String].self, forKey: "cart") ?? []
    cart.append(try await request.decode(as: Item.self, context: context).name)
    try context.session.set(cart, forKey: "cart")  // saved once, after the handler
    return cart
}

router.post("logout") { _, context in
    try await context.session.end()  // ended everywhere; cookie cleared
    return Response(status: .seeOther, headers: [.location: "/"])
}
// snippet.end

// snippet.modify
router.post("basket") { request, context in
    let item = try await request.decode(as: Item.self, context: context).name
    return try await context.session.modify([String].self, forKey: "basket") { basket in
        (basket ?? []) + [item]
    } ?? []
}
// snippet.end

// snippet.hide
let strictRouter = Router(context: BasicCloakroomRequestContext.self)
// snippet.show
// snippet.strict
strictRouter.add(middleware: try CloakroomSessionMiddleware(manager: manager, conflicts: .refuseStaleReads))
// snippet.end

// snippet.recentSignIn
router.post("account/email") { request, context in
    // 401 with {"error": {"code": "reauthentication_required", …}} when the sign-in is older.
    try await context.session.requireRecentAuthentication(within: .seconds(300))
    // snippet.hide
    return Response(status: .ok)
    // snippet.show
}
router.post("account/confirm-password") { request, context in
    // snippet.hide
    let form = try await request.decode(as: LoginForm.self, context: context)
    let (user, password) = (form.user, form.password)
    // snippet.show
    guard try await users.check(user, password) else { throw HTTPError(.unauthorized) }
    try await context.session.reauthenticate()  // a new ID and a new authentication time
    return Response(status: .seeOther, headers: [.location: "/account/email"])
}
// snippet.end

// snippet.clientChange
let policy = SessionPolicy(clientChange: ClientChangePolicy(ipChange: .notify, userAgentChange: .reauthenticate))
// snippet.end

// snippet.csrf
router.get("settings") { _, context in
    let field = try await context.session.csrfField()  // <input type="hidden" name="_csrf" …>
    return HTML("<form method=post action=/settings>\(field)…</form>")
}
// snippet.end

// snippet.rateLimit
let api = router.group("api")
    .add(middleware: try RateLimitMiddleware(limiter: limiter, bucket: "api"))
// snippet.end
// snippet.hide
api.get("ping") { _, _ in "pong" }
// snippet.show

// snippet.persist
let storage = CloakroomPersistDriver(store: store)
// router.add(middleware: SessionMiddleware(storage: storage))  // hummingbird-auth's middleware
// snippet.end
// snippet.hide
_ = (policy, storage, AppContext.self)
if let port = ProcessInfo.processInfo.environment["PORT"].flatMap(Int.init) {
    try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        .runService()
}
