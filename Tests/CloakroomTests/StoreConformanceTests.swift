import Cloakroom
import CloakroomTesting
import Foundation
import MetricsTestKit
import Testing

@Suite("Store conformance: memory and file")
struct StoreConformanceTests {
    @Test(arguments: StoreConformance.Check.allCases)
    func memory(_ check: StoreConformance.Check) async throws {
        try await StoreConformance.run(check) { MemorySessionStore() }
    }

    @Test(arguments: RepairJournalConformance.Check.allCases)
    func memoryRepairJournal(_ check: RepairJournalConformance.Check) async throws {
        try await RepairJournalConformance.run(check) { MemorySessionStore() }
    }

    @Test(arguments: StoreConformance.Check.allCases)
    func file(_ check: StoreConformance.Check) async throws {
        let folder = try TemporaryFolder()
        try await StoreConformance.run(check, corrupt: FileStoreCorrupter.corrupt) {
            try FileSessionStore(directory: folder.url)
        }
    }
}

@Suite("Limit store conformance: memory and file")
struct MemoryLimitStoreTests {
    @Test(arguments: LimitStoreConformance.Check.allCases)
    func memory(_ check: LimitStoreConformance.Check) async throws {
        try await LimitStoreConformance.run(check) { MemoryLimitStore() }
    }

    @Test(arguments: LimitStoreConformance.Check.allCases)
    func file(_ check: LimitStoreConformance.Check) async throws {
        let folder = try TemporaryFolder()
        try await LimitStoreConformance.run(check) { try FileSessionStore(directory: folder.url) }
    }

    @Test func refusalsAreCountedAndRecordedByBucketOnly() async throws {
        let metrics = TestMetrics()
        let events = RecordingEventSink()
        let limiter = try RateLimiter(
            store: MemoryLimitStore(),
            buckets: ["login": RateLimit(parsing: "1/1m")],
            clock: ManualClock(),
            events: events,
            metricsFactory: metrics
        )
        #expect(try await limiter.check("login", key: "alice@example.com").allowed)
        #expect(!(try await limiter.check("login", key: "alice@example.com").allowed))
        #expect(try metrics.expectCounter("cloakroom_rate_limited_total", [("bucket", "login")]).totalValue == 1)
        #expect(events.events.map(\.kind) == [.rateLimited])
        #expect(events.events.first?.bucket == "login")
        let recorded = String(decoding: try JSONEncoder().encode(events.events), as: UTF8.self)
        #expect(!recorded.contains("alice"))
    }

    @Test func aFullMemoryStoreRefusesRatherThanGrows() async throws {
        let store = MemoryLimitStore(capacity: 3)
        let limiter = try RateLimiter(store: store, buckets: ["b": RateLimit(parsing: "5/1m")], clock: ManualClock())
        for key in ["a", "b", "c"] { #expect(try await limiter.check("b", key: key).allowed) }
        #expect(!(try await limiter.check("b", key: "d").allowed))
        #expect(try await limiter.check("b", key: "a").allowed)
    }
}

enum FileStoreCorrupter {
    @Sendable static func corrupt(_ store: any SessionStore, _ key: SessionKey) async throws {
        let store = try #require(store as? FileSessionStore)
        let path = store.directory.appendingPathComponent("sessions/\(key.hex).json")
        try Data("{\"key\": 12, trailing garbage".utf8).write(to: path)
    }
}

@Suite("Store conformance catches a per-user limit applied in separate steps")
struct UserLimitConformanceTests {
    /// A store that keeps the protocol's default list-delete-insert: racing sign-ins all count the
    /// same few sessions, so the conformance suite must reject it.
    final class ThreeStepStore: SessionStore {
        let base = MemorySessionStore()
        var name: String { "three-step" }

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
            // The answer takes a round trip to arrive, as from any networked store; meanwhile
            // other inserts go ahead.
            let listed = try await base.sessions(ofUser: userID, now: now)
            try await Task.sleep(for: .milliseconds(5))
            return listed
        }
        func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
            try await base.deleteAll(ofUser: userID, except: except, now: now)
        }
        func pruneExpired(now: Date, limit: Int) async throws -> Int {
            try await base.pruneExpired(now: now, limit: limit)
        }
        func count(now: Date) async throws -> Int { try await base.count(now: now) }
        func health() async -> StoreHealth { await base.health() }
        func close() async { await base.close() }
        func run() async throws { try await base.run() }
    }

    @Test func theDefaultThreeStepInsertFailsTheCheck() async throws {
        await #expect(throws: ConformanceFailure.self) {
            try await StoreConformance.run(.userLimitInTheSameStep) { ThreeStepStore() }
        }
    }

    @Test func theSameStoreOtherwiseConforms() async throws {
        try await StoreConformance.run(.deleteAllOfUser) { ThreeStepStore() }
    }
}
