// The store set-ups of the store articles (CloakroomSQLite, CloakroomPostgres, CloakroomRedis,
// RESP), compiled by every build and shown in the articles slice by slice. Compiled, not run:
// the servers they name are examples.
// snippet.hide
import Cloakroom
import CloakroomPostgres
import CloakroomRedis
import CloakroomSQLite
import Foundation
import Hummingbird
import Logging
import RESP
import ServiceLifecycle

let logger = Logger(label: "app")
let server = Application(router: Router())

func sqlite() throws {
    // snippet.show
    // snippet.sqlite
    let manager = try SessionManager(store: try SQLiteSessionStore(path: "./data/sessions.sqlite"))
    // snippet.end
    // snippet.hide
    _ = manager
}

func postgres() async throws {
    // snippet.show
    // snippet.postgres
    let store = try PostgresSessionStore(
        configuration: try PostgresStoreConfiguration(
            url: "postgres://cloakroom:secret@db.internal:5432/sessions?sslmode=verify-full&pool_size=20",
            setting: "CLOAKROOM_STORE"
        ),
        logger: logger
    )
    let manager = try SessionManager(store: store, logger: logger)
    // The store runs in your ServiceGroup, listed before the services that use it.
    let services = ServiceGroup(services: [store, server], logger: logger)
    // snippet.end
    // snippet.hide
    _ = (manager, services)
}

func redis() throws {
    // snippet.show
    // snippet.redis
    let store = RedisSessionStore(configuration: try RedisStoreConfiguration(url: "redis://127.0.0.1:6379"))
    let manager = try SessionManager(store: store)
    // snippet.end
    // snippet.hide
    _ = manager
}

func resp() async throws {
    // snippet.show
    // snippet.resp
    let pool = RESPConnectionPool(configuration: RESPConnectionConfiguration(host: "127.0.0.1", port: 6379))
    let reply = try await pool.send(RESPCommand("GET", "greeting"), key: nil)
    // snippet.end
    // snippet.hide
    _ = reply
}
