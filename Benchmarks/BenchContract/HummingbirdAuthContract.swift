import Hummingbird
import HummingbirdAuth

/// What a hummingbird-auth session holds for the load contract: the user and the counter.
public struct ContractSession: Codable, Sendable {
    /// The signed-in user.
    public var user: String
    /// The counter `POST /incr` raises.
    public var n: Int
}

/// The request context of the hummingbird-auth variant (session and identity types alike).
public typealias HummingbirdAuthContext = BasicSessionRequestContext<ContractSession, ContractSession>

/// The load contract on hummingbird-auth's `SessionMiddleware` with Hummingbird's
/// `MemoryPersistDriver`: the second implementation that Cloakroom's memory store is compared
/// with in the same run and the same build (`BENCH_SESSIONS=hummingbird-auth`). It does less than
/// Cloakroom: no hashing of IDs, no idle or absolute expiry of its own, no per-key changes.
public func hummingbirdAuthRouter(storage: MemoryPersistDriver<ContinuousClock>) -> Router<HummingbirdAuthContext> {
    let router = Router(context: HummingbirdAuthContext.self)
    router.get("hello") { _, _ in "Hello, world!" }
    let sessions = router.group().add(middleware: SessionMiddleware(storage: storage))
    sessions.post("login") { request, context in
        guard let user = request.uri.queryParameters["user"].map(String.init), !user.isEmpty else {
            throw HTTPError(.badRequest, message: "login needs ?user=")
        }
        // createSession gives the session a new ID, as Cloakroom's login does.
        context.sessions.createSession(ContractSession(user: user, n: 0))
        return "ok"
    }
    sessions.get("me") { _, context in
        guard let session = context.sessions.session else { throw HTTPError(.unauthorized) }
        return session.user
    }
    sessions.post("incr") { _, context in
        guard var session = context.sessions.session else { throw HTTPError(.unauthorized) }
        session.n += 1
        guard context.sessions.updateSession(session) else { throw HTTPError(.unauthorized) }
        return String(session.n)
    }
    return router
}
