import Cloakroom
import CloakroomHummingbird
import Hummingbird

/// The load contract session libraries are commonly compared with, on Cloakroom's middleware:
///
///     POST /login?user=U  a fresh, rotated session holding {"user_id": U, "n": 0}; 200 + Set-Cookie
///     GET  /me            200 with the user id, or 401
///     POST /incr          increments n in the session and answers the new value; 401 without one
///     GET  /hello         no middleware: the ceiling
///     GET  /json          no middleware, `json` as the body: the ceiling of cloakroomd's resume
///
/// Served over TCP by `BenchApp` (scripts/bench) and in process by `InstructionCounts`
/// (scripts/bench-instructions).
public func cloakroomRouter(manager: SessionManager, json: ByteBuffer) throws -> Router<BasicCloakroomRequestContext> {
    let router = Router(context: BasicCloakroomRequestContext.self)
    router.get("hello") { _, _ in "Hello, world!" }
    router.get("json") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: json))
    }
    let sessions = router.group().add(middleware: try CloakroomSessionMiddleware(manager: manager))
    sessions.post("login") { request, context in
        guard let user = request.uri.queryParameters["user"].map(String.init), !user.isEmpty else {
            throw HTTPError(.badRequest, message: "login needs ?user=")
        }
        try await context.session.login(user: user)
        try context.session.set(user, forKey: "user_id")
        try context.session.set(0, forKey: "n")
        return "ok"
    }
    sessions.get("me") { _, context in
        guard let user = try await context.session.get(String.self, forKey: "user_id") else {
            throw HTTPError(.unauthorized)
        }
        return user
    }
    sessions.post("incr") { _, context in
        guard let n = try await context.session.get(Int.self, forKey: "n") else { throw HTTPError(.unauthorized) }
        try context.session.set(n + 1, forKey: "n")
        return String(n + 1)
    }
    return router
}
