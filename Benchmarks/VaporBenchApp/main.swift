import Cloakroom
import CloakroomServer
import CloakroomVapor
import Fluent
import FluentSQLiteDriver
import Foundation
import Vapor

// The Vapor benchmark app: the contract BenchApp serves for Hummingbird, on Vapor, with the
// session layer picked by DRIVER:
//
//   cloakroom  Vapor's req.session on app.sessions.use(.cloakroom(manager)) and
//              app.sessions.cloakroomMiddleware, store CLOAKROOM_STORE
//   handle     req.cloakroom with CloakroomSessionMiddleware, store CLOAKROOM_STORE
//   memory     Vapor's req.session on its own .memory driver
//   fluent     Vapor's req.session on its own .fluent driver, SQLite file FLUENT_DATABASE
//
//   POST /login?user=U  a new session holding user_id U and n 0; 200 + Set-Cookie
//   GET  /me            200 with the user id, or 401
//   POST /incr          increments n in the session and answers the new value; 401 without one
//   GET  /hello         no session middleware: the ceiling
//   POST /mark?key=K    sets key K to "1" (32 at once, distinct keys: how many changes survive)
//   GET  /keys          how many keys the session holds
//
// LISTEN is the address (127.0.0.1:8091). Run by scripts/bench-vapor.

let environment = ProcessInfo.processInfo.environment
let listen = (environment["LISTEN"] ?? "127.0.0.1:8091").split(separator: ":")
let driver = environment["DRIVER"] ?? "cloakroom"

let app = try await Application.make(Environment(name: "production", arguments: ["vapor"]))
app.http.server.configuration.hostname = String(listen[0])
app.http.server.configuration.port = Int(listen[1]) ?? 8091
// No per-request log line: the same for every driver, and not what is measured.
app.middleware = Middlewares()
app.middleware.use(ErrorMiddleware.default(environment: app.environment))

var manager: SessionManager?
switch driver {
case "cloakroom", "handle":
    let location = try StoreLocation(parsing: environment["CLOAKROOM_STORE"] ?? "memory", setting: "CLOAKROOM_STORE")
    let store = try location.open()
    manager = try SessionManager(store: store)
    app.cloakroom.run(store)
    if driver == "cloakroom", let manager { app.sessions.use(.cloakroom(manager)) }
case "memory":
    app.sessions.use(.memory)
case "fluent":
    app.databases.use(.sqlite(.file(environment["FLUENT_DATABASE"] ?? "sessions.sqlite")), as: .sqlite)
    app.sessions.use(.fluent)
    app.migrations.add(SessionRecord.migration)
    try await app.autoMigrate()
default:
    fatalError("DRIVER is cloakroom, handle, memory or fluent, not \(driver)")
}

app.get("hello") { _ in "Hello, world!" }

if driver == "handle", let manager {
    let sessions = app.grouped(try CloakroomSessionMiddleware(manager: manager))
    sessions.post("login") { req async throws -> String in
        guard let user = req.query[String.self, at: "user"], !user.isEmpty else { throw Abort(.badRequest) }
        try await req.cloakroom.login(user: user)
        try req.cloakroom.set(user, forKey: "user_id")
        try req.cloakroom.set(0, forKey: "n")
        return "ok"
    }
    sessions.get("me") { req async throws -> String in
        guard let user = try await req.cloakroom.get(String.self, forKey: "user_id") else { throw Abort(.unauthorized) }
        return user
    }
    sessions.post("incr") { req async throws -> String in
        guard let n = try await req.cloakroom.get(Int.self, forKey: "n") else { throw Abort(.unauthorized) }
        try req.cloakroom.set(n + 1, forKey: "n")
        return String(n + 1)
    }
    sessions.post("mark") { req async throws -> String in
        try req.cloakroom.set("1", forKey: req.query[String.self, at: "key"] ?? "k")
        return "ok"
    }
    sessions.get("keys") { req async throws -> String in
        String(try await req.cloakroom.current()?.data.values.count ?? 0)
    }
} else {
    // The Cloakroom driver comes with its middleware (no cookie re-sent on reads); Vapor's drivers
    // with Vapor's.
    let sessions = app.grouped(driver == "cloakroom" ? app.sessions.cloakroomMiddleware : app.sessions.middleware)
    sessions.post("login") { req async throws -> String in
        guard let user = req.query[String.self, at: "user"], !user.isEmpty else { throw Abort(.badRequest) }
        req.session.data["user_id"] = user
        req.session.data["n"] = "0"
        return "ok"
    }
    sessions.get("me") { req async throws -> String in
        guard let user = req.session.data["user_id"] else { throw Abort(.unauthorized) }
        return user
    }
    sessions.post("incr") { req async throws -> String in
        guard let n = req.session.data["n"].flatMap(Int.init) else { throw Abort(.unauthorized) }
        req.session.data["n"] = String(n + 1)
        return String(n + 1)
    }
    sessions.post("mark") { req async throws -> String in
        req.session.data[req.query[String.self, at: "key"] ?? "k"] = "1"
        return "ok"
    }
    sessions.get("keys") { req async throws -> String in String(req.session.data.snapshot.count) }
}

try await app.execute()
try await app.asyncShutdown()
