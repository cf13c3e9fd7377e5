import BenchContract
import Cloakroom
import CloakroomServer
import Foundation
import Hummingbird

// The benchmark app: the load contract (BenchContract/CloakroomContract.swift) over TCP, with
// the Cloakroom middleware or hummingbird-auth's.
//
// CLOAKROOM_STORE picks the store (memory, sqlite:PATH, redis://…, postgres://…), LISTEN the
// address (127.0.0.1:8090), JSON_BODY the `/json` ceiling's body; BENCH_SESSIONS=hummingbird-auth
// serves the same contract on hummingbird-auth's SessionMiddleware instead
// (BenchContract/HummingbirdAuthContract.swift). Run by scripts/bench.

let environment = ProcessInfo.processInfo.environment
let location = try StoreLocation(parsing: environment["CLOAKROOM_STORE"] ?? "memory", setting: "CLOAKROOM_STORE")
let store = try location.open()
let manager = try SessionManager(store: store)
let listen = (environment["LISTEN"] ?? "127.0.0.1:8090").split(separator: ":")

/// A resume answer of cloakroomd, as bytes: the `/json` ceiling sends the same size.
let resumeSizedJSON = ByteBuffer(string: environment["JSON_BODY"] ?? #"{"ok":true}"#)

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
    let app = Application(
        router: try cloakroomRouter(manager: manager, json: resumeSizedJSON),
        configuration: configuration,
        services: [store]
    )
    try await app.runService()
}
