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
