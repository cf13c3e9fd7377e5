import Cloakroom
import CloakroomHummingbird
import CloakroomServer
import Foundation
import Hummingbird

// The benchmark app: Hummingbird with the Cloakroom middleware, implementing the contract
// session libraries are commonly compared with.
//
//   POST /login?user=U  a fresh, rotated session holding {"user_id": U, "n": 0}; 200 + Set-Cookie
//   GET  /me            200 with the user id, or 401
//   POST /incr          increments n in the session and answers the new value; 401 without one
//   GET  /hello         no middleware: the ceiling
//   GET  /json          no middleware, JSON the size of cloakroomd's resume answer: its ceiling
//
// CLOAKROOM_STORE picks the store (memory, sqlite:PATH, redis://…, postgres://…), LISTEN the
// address (127.0.0.1:8090); BENCH_SESSIONS=hummingbird-auth serves the same contract on
// hummingbird-auth's SessionMiddleware instead (HummingbirdAuthContract.swift). Run by scripts/bench.

let environment = ProcessInfo.processInfo.environment
let location = try StoreLocation(parsing: environment["CLOAKROOM_STORE"] ?? "memory", setting: "CLOAKROOM_STORE")
let store = try location.open()
let manager = try SessionManager(store: store)
let listen = (environment["LISTEN"] ?? "127.0.0.1:8090").split(separator: ":")

/// A resume answer of cloakroomd, as bytes: the `/json` ceiling sends the same size.
let resumeSizedJSON = ByteBuffer(string: environment["JSON_BODY"] ?? #"{"ok":true}"#)

let router = Router(context: BasicCloakroomRequestContext.self)
router.get("hello") { _, _ in "Hello, world!" }
router.get("json") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: resumeSizedJSON))
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

let configuration = ApplicationConfiguration(address: .hostname(String(listen[0]), port: Int(listen[1]) ?? 8090))
if environment["BENCH_SESSIONS"] == "hummingbird-auth" {
    let storage = MemoryPersistDriver()
    let app = Application(
        router: hummingbirdAuthRouter(storage: storage),
        configuration: configuration,
        services: [storage]
    )
    try await app.runService()
} else {
    // The store runs as a service (PostgreSQL connects there) and closes when the server stops.
    let app = Application(router: router, configuration: configuration, services: [store])
    try await app.runService()
}
