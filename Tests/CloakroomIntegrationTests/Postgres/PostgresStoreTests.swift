import Cloakroom
import CloakroomPostgres
import CloakroomTesting
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

/// A store on the test server in a schema of its own, so every check starts empty.
func makePostgresStore(schema: String = "t_\(UInt64.random(in: 0...UInt64.max))", timeout: String = "20s") async throws
    -> PostgresSessionStore?
{
    guard let url = try TestServers.postgres() else { return nil }
    let configuration = try PostgresStoreConfiguration(
        url: url + "?sslmode=disable&schema=\(schema)&timeout=\(timeout)",
        setting: "CLOAKROOM_TEST_POSTGRES"
    )
    return try PostgresSessionStore(configuration: configuration)
}

/// Runs a store from ``makePostgresStore(schema:timeout:)`` while `body` uses it, once its schema is ready.
func withRunningStore<T: Sendable>(
    schema: String = "t_\(UInt64.random(in: 0...UInt64.max))",
    _ body: (PostgresSessionStore) async throws -> T
) async throws -> T? {
    guard let store = try await makePostgresStore(schema: schema) else { return nil }
    return try await store.withRunning {
        try await store.ready()
        return try await body(store)
    }
}

@Suite("PostgreSQL store", .needsServer("CLOAKROOM_TEST_POSTGRES"))
struct PostgresStoreTests {
    @Test(arguments: StoreConformance.Check.allCases)
    func conformance(_ check: StoreConformance.Check) async throws {
        guard try TestServers.postgres() != nil else { return }
        try await StoreConformance.run(check, corrupt: Self.corrupt) {
            try #require(try await makePostgresStore())
        }
    }

    @Test(arguments: LimitStoreConformance.Check.allCases)
    func limits(_ check: LimitStoreConformance.Check) async throws {
        guard try TestServers.postgres() != nil else { return }
        try await LimitStoreConformance.run(check) { try #require(try await makePostgresStore()) }
    }

    @Test(arguments: RepairJournalConformance.Check.allCases)
    func repairJournal(_ check: RepairJournalConformance.Check) async throws {
        guard try TestServers.postgres() != nil else { return }
        try await RepairJournalConformance.run(check) { try #require(try await makePostgresStore()) }
    }

    @Sendable static func corrupt(_ store: any SessionStore, _ key: SessionKey) async throws {
        let store = try #require(store as? PostgresSessionStore)
        try await store.client.query(
            #"UPDATE cloakroom_sessions SET metadata = '{"c": "not a date"}'::jsonb WHERE key = \#(ByteBuffer(bytes: key.bytes))"#
        )
    }

    @Test func twoInstancesLoseNoUpdates() async throws {
        guard try TestServers.postgres() != nil else { return }
        let schema = "shared_\(UInt64.random(in: 0...UInt64.max))"
        try await StoreConformance.runSharedInstances { try #require(try await makePostgresStore(schema: schema)) }
    }

    @Test func migrationsRunOnceEvenWhenInstancesStartTogether() async throws {
        guard try TestServers.postgres() != nil else { return }
        let schema = "migrate_\(UInt64.random(in: 0...UInt64.max))"
        // Four instances start at once, each migrating in its run().
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await withRunningStore(schema: schema) { _ in } } }
            try await group.waitForAll()
        }
        _ = try await withRunningStore(schema: schema) { store in
            try await Self.expectEveryMigrationApplied(store, schema: schema)
        }
    }

    static func expectEveryMigrationApplied(_ store: PostgresSessionStore, schema: String) async throws {
        let versions = try await store.client.query("SELECT version FROM cloakroom_schema_migrations ORDER BY version")
            .collect().map { try $0.decode(Int.self) }
        #expect(versions == PostgresSchema.migrations.map(\.version))
        let pending = try await PostgresSchema.pending(
            client: store.client,
            schema: schema,
            logger: Logger(label: "test")
        )
        #expect(pending.isEmpty)
        // Re-running is a no-op.
        let again = try await PostgresSchema.migrate(
            client: store.client,
            schema: schema,
            logger: Logger(label: "test")
        )
        #expect(again.isEmpty)
    }

    @Test func aFreshDatabaseHasEveryMigrationPending() async throws {
        guard try TestServers.postgres() != nil else { return }
        _ = try await withRunningStore { store in
            let pending = try await PostgresSchema.pending(
                client: store.client,
                schema: "never_created_\(UInt64.random(in: 0...UInt64.max))",
                logger: Logger(label: "test")
            )
            #expect(pending.map(\.version) == PostgresSchema.migrations.map(\.version))
        }
    }

    @Test func rowsHoldNoRawIDAndNoPlaintextWithEncryption() async throws {
        guard try TestServers.postgres() != nil else { return }
        _ = try await withRunningStore { store in try await Self.expectNoRawIDOrPlaintext(store) }
    }

    static func expectNoRawIDOrPlaintext(_ store: PostgresSessionStore) async throws {
        let cipher = try SessionCipher(keys: [EncryptionKey.generate(id: "k1")])
        let manager = try SessionManager(store: store, cipher: cipher)
        let issued = try await manager.create(userID: "u", data: ["marker": "PLAINTEXT-MARKER"])
        let dump = try await store.client.query(
            "SELECT encode(key, 'hex') || encode(payload, 'escape') || metadata::text || user_id FROM cloakroom_sessions"
        ).collect().map { try $0.decode(String.self) }.joined()
        #expect(!dump.contains("PLAINTEXT-MARKER"))
        #expect(!dump.contains(issued.id.encoded))
        #expect(!dump.contains(issued.id.bytes.map { String(format: "%02x", $0) }.joined()))
        #expect(dump.contains(issued.id.key.hex))
    }
}

@Suite("PostgreSQL audit events", .needsServer("CLOAKROOM_TEST_POSTGRES"))
struct PostgresAuditSinkTests {
    @Test func eventsLandInTheTableWithoutIDsAndAgeOut() async throws {
        _ = try await withRunningStore { store in try await Self.auditEvents(store) }
    }

    static func auditEvents(_ store: PostgresSessionStore) async throws {
        let audit = PostgresAuditSink(store: store, retention: .seconds(3600), logger: Logger(label: "test"))
        let clock = ManualClock(start: Date())
        let manager = try SessionManager(store: store, clock: clock, events: audit)
        let issued = try await manager.create(userID: "audited", client: ClientInfo(ip: "198.51.100.4"))
        let rotated = try await manager.rotate(issued.id)
        try await manager.end(rotated.id)
        audit.record(
            SessionEvent(kind: .created, time: clock.now.addingTimeInterval(-7200), handle: "0000000000000000")
        )
        await audit.flush()

        let rows = try await store.client.query(
            "SELECT kind, coalesce(handle, ''), coalesce(user_id, ''), coalesce(ip, ''), coalesce(reason, '') FROM cloakroom_events ORDER BY id"
        ).collect().map { try $0.decode((String, String, String, String, String).self) }
        #expect(rows.map(\.0) == ["created", "ended", "rotated", "ended", "created"])
        #expect(rows[0].1 == issued.session.handle)
        #expect(rows[0].2 == "audited" && rows[0].3 == "198.51.100.4")
        #expect(rows[3].4 == "logout")
        let text = rows.map { "\($0)" }.joined()
        #expect(!text.contains(issued.id.encoded) && !text.contains(rotated.id.encoded))

        #expect(try await audit.pruneOnce(now: clock.now) == 1)
        #expect(try await audit.pruneOnce(now: clock.now) == 0)
    }
}
