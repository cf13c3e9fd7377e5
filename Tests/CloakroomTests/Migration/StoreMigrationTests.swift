import Cloakroom
import CloakroomTesting
import Foundation
import Synchronization
import Testing

@Suite("Store migration")
struct StoreMigrationTests {
    let clock = ManualClock()

    func populate(_ store: any SessionStore, count: Int) async throws -> SessionManager {
        let manager = try SessionManager(store: store, clock: clock)
        for index in 0..<count {
            let issued = try await manager.create(userID: "user\(index % 7)", data: ["i": .number(Double(index))])
            if index % 3 == 0 { _ = try await manager.update(issued.id, changes: SessionChanges(set: ["u": true])) }
        }
        return manager
    }

    @Test(arguments: ["memory", "file"])
    func copiesEveryLiveSessionWithVersionsDeadlinesAndOwners(_ kind: String) async throws {
        let folder = try TemporaryFolder()
        let source: any SessionStoreExport =
            kind == "memory" ? MemorySessionStore() : try FileSessionStore(directory: folder.url)
        let target = MemorySessionStore()
        _ = try await populate(source, count: 250)
        // An expired session is not copied.
        let expired = try SessionManager(
            store: source,
            policy: SessionPolicy(idleTimeout: .seconds(1), absoluteTimeout: .seconds(10), touchInterval: .zero),
            clock: clock
        )
        _ = try await expired.create(userID: "gone")
        clock.advance(by: .seconds(2))

        let migration = StoreMigration(from: source, to: target, clock: clock, batchSize: 40, concurrency: 4)
        var batches = 0
        let result = try await migration.run { _ in batches += 1 }
        #expect(result.copied == 250 && result.alreadyCurrent == 0)
        #expect(batches == 7, "250 records in batches of 40")
        let now = clock.now
        let exported = try await source.exportRecords(after: nil, limit: 1000, now: now).records
        for record in exported {
            #expect(try await target.load(record.key, now: now) == record)
        }
        #expect(try await target.sessions(ofUser: "user3", now: now).count == 36)
        #expect(try await target.sessions(ofUser: "gone", now: now).isEmpty)
        #expect(try await migration.verify().missing == 0)
    }

    @Test func runningTwiceCopiesNothingTwiceAndResumesFromACursor() async throws {
        let source = MemorySessionStore()
        let target = MemorySessionStore()
        let manager = try await populate(source, count: 100)
        let migration = StoreMigration(from: source, to: target, clock: clock, batchSize: 30)
        // Interrupted after the second batch.
        var cursor: String?
        var seen = 0
        do {
            _ = try await migration.run { progress in
                seen += 1
                cursor = progress.cursor
                if seen == 2 { throw CancellationError() }
            }
        } catch is CancellationError {}
        #expect(try await target.count(now: clock.now) == 60)
        let resumed = try await migration.run(resumingAfter: cursor)
        #expect(resumed.copied == 40)
        let again = try await migration.run()
        #expect(again.copied == 0 && again.alreadyCurrent == 100)
        // A session changed in the source since is brought up to date; the target never goes back.
        let sessions = try await manager.sessions(ofUser: "user1")
        let key = try #require(sessions.first).handle
        let record = try #require(
            try await source.exportRecords(after: nil, limit: 1000, now: clock.now).records.first {
                $0.key.handle == key
            }
        )
        var newer = record
        newer.version += 5
        #expect(try await source.compareAndSet(newer, expectedVersion: record.version, now: clock.now))
        #expect(try await migration.verify().missing == 1)
        #expect(try await migration.run().copied == 1)
        #expect(try await target.load(record.key, now: clock.now)?.version == newer.version)
        #expect(try await migration.verify().missing == 0)
    }

    @Test func aSessionEndedInTheSourceDuringTheCopyIsNotLeftInTheTarget() async throws {
        let source = EndingAfterExport()
        let target = MemorySessionStore()
        let manager = try SessionManager(store: source, clock: clock)
        let issued = try await manager.create(userID: "alice")
        let kept = try await manager.create(userID: "alice")
        source.ending = issued.id.key
        let result = try await StoreMigration(from: source, to: target, clock: clock).run()
        #expect(result.ended == 1 && result.copied == 1)
        #expect(try await target.load(issued.id.key, now: clock.now) == nil)
        #expect(try await target.load(kept.id.key, now: clock.now) != nil)
    }
}

/// A memory store that ends one session right after exporting it, as a logout racing a
/// migration would.
final class EndingAfterExport: SessionStoreExport {
    let base = MemorySessionStore()
    private let endingKey = Mutex<SessionKey?>(nil)
    var ending: SessionKey? {
        get { endingKey.withLock { $0 } }
        set { endingKey.withLock { $0 = newValue } }
    }
    var name: String { base.name }

    func exportRecords(after cursor: String?, limit: Int, now: Date) async throws -> ExportBatch {
        let batch = try await base.exportRecords(after: cursor, limit: limit, now: now)
        if let ending { try await base.delete(ending, now: now) }
        return batch
    }
    func load(_ key: SessionKey, now: Date) async throws -> StoredSession? { try await base.load(key, now: now) }
    func insert(_ session: StoredSession, now: Date) async throws { try await base.insert(session, now: now) }
    func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        try await base.compareAndSet(session, expectedVersion: expectedVersion, now: now)
    }
    func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        try await base.touch(key, lastSeenAt: lastSeenAt, idleDeadline: idleDeadline, now: now)
    }
    func delete(_ key: SessionKey, now: Date) async throws -> Bool { try await base.delete(key, now: now) }
    func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        try await base.sessions(ofUser: userID, now: now)
    }
    func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        try await base.deleteAll(ofUser: userID, except: except, now: now)
    }
    func pruneExpired(now: Date, limit: Int) async throws -> Int { try await base.pruneExpired(now: now, limit: limit) }
    func count(now: Date) async throws -> Int { try await base.count(now: now) }
    func health() async -> StoreHealth { await base.health() }
    func close() async {}
}
