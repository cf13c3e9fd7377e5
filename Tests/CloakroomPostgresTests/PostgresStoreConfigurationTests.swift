import Cloakroom
import CloakroomPostgres
import CloakroomTesting
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@Suite("PostgreSQL store configuration")
struct PostgresConfigurationTests {
    @Test func parsesEveryParameter() throws {
        let configuration = try PostgresStoreConfiguration(
            url:
                "postgres://app:s%40cret@db.internal:6432/sessions?sslmode=verify-full&pool_size=25&timeout=750ms&schema=cloak",
            setting: "CLOAKROOM_STORE"
        )
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6432)
        #expect(configuration.username == "app")
        #expect(configuration.password == "s@cret")
        #expect(configuration.database == "sessions")
        #expect(configuration.tlsMode == .verifyFull)
        #expect(configuration.poolSize == 25)
        #expect(configuration.timeout == .milliseconds(750))
        #expect(configuration.schema == "cloak")
        #expect(!configuration.description.contains("s@cret"))
    }

    @Test(arguments: [
        "postgres://", "postgres://host/db", "postgres://u@/db", "postgres://u@h", "mysql://u@h/db",
        "postgres://u@h/db?sslmode=sometimes", "postgres://u@h/db?pool_size=0", "postgres://u@h/db?timeout=5",
        "postgres://u@h/db?schema=Bad-Name", "postgres://u@h/db?color=blue",
    ])
    func rejectsBadURLsWithoutEchoingThem(_ url: String) {
        let withPassword = url.replacingOccurrences(of: "://u@", with: "://u:topsecret@")
        let error = #expect(throws: CloakroomError.self) {
            try PostgresStoreConfiguration(url: withPassword, setting: "CLOAKROOM_STORE")
        }
        #expect(error?.message.contains("CLOAKROOM_STORE") == true)
        #expect(error?.message.contains("topsecret") == false)
    }
}

@Suite("PostgreSQL outages")
struct PostgresOutageTests {
    /// A store pointed at a port where nothing listens answers "unavailable" within its timeout,
    /// naming the last failed attempt to get ready.
    @Test func anUnreachableServerFailsFastAsUnavailable() async throws {
        let store = try PostgresSessionStore(configuration: Self.unreachable)
        let (error, waited) = try await store.withRunning {
            let started = ContinuousClock.now
            let error = await #expect(throws: CloakroomError.self) {
                _ = try await store.load(SessionID.generate().key, now: Date())
            }
            return (error, ContinuousClock.now - started)
        }
        #expect(error?.code == .storeUnavailable)
        #expect(error?.message.contains("127.0.0.1:1") == true)
        // Without the timeout the driver retries forever; with it the call ends. The bound is
        // loose because the full suite saturates both cores (a 500 ms timeout took 3.9 s there once).
        #expect(waited < .seconds(10))
    }

    /// Creating a store does no I/O; a call on a store nobody runs says what to do.
    @Test func aStoreNobodyRunsSaysSo() async throws {
        let store = try PostgresSessionStore(configuration: Self.unreachable)
        let error = await #expect(throws: CloakroomError.self) { try await store.ready() }
        #expect(error?.code == .storeUnavailable)
        #expect(error?.message.contains("run()") == true)
        await store.close()
        let closed = await #expect(throws: CloakroomError.self) { try await store.ready() }
        #expect(closed?.message.contains("closed") == true)
    }

    /// A store runs once: a second run() is refused instead of starting a second pool.
    @Test func aStoreRunsOnce() async throws {
        let store = try PostgresSessionStore(configuration: Self.unreachable)
        try await store.withRunning {}
        let error = await #expect(throws: CloakroomError.self) { try await store.run() }
        #expect(error?.code == .invalidConfiguration)
    }

    static var unreachable: PostgresStoreConfiguration {
        get throws {
            try PostgresStoreConfiguration(
                url: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&timeout=500ms",
                setting: "test"
            )
        }
    }
}
