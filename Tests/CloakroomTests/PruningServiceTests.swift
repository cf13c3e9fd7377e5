import Cloakroom
import CloakroomTesting
import Foundation
import Testing

@Suite("Pruning service")
struct PruningServiceTests {
    /// A memory store holding `expired` expired records and one live one.
    func storeWithExpiredRecords(_ expired: Int, clock: ManualClock) async throws -> SessionManager {
        let manager = try SessionManager(
            store: MemorySessionStore(),
            policy: SessionPolicy(idleTimeout: .seconds(60), touchInterval: .seconds(10)),
            clock: clock
        )
        for _ in 0..<expired { _ = try await manager.create() }
        clock.advance(by: .seconds(61))
        _ = try await manager.create()
        return manager
    }

    @Test func prunesEveryExpiredRecordInBatchesAndKeepsLiveOnes() async throws {
        let clock = ManualClock()
        let manager = try await storeWithExpiredRecords(25, clock: clock)
        let pruning = PruningService(store: manager.store, clock: clock, batchSize: 10)
        #expect(try await pruning.pruneOnce() == 25)
        #expect(try await pruning.pruneOnce() == 0)
        #expect(try await manager.store.count(now: clock.now) == 1)
    }

    @Test("each pruned batch is reported as ended(expired) with its count")
    func reportsExpiredSessions() async throws {
        let clock = ManualClock()
        let manager = try await storeWithExpiredRecords(25, clock: clock)
        let events = RecordingEventSink()
        let pruning = PruningService(store: manager.store, clock: clock, events: events, batchSize: 10)
        #expect(try await pruning.pruneOnce() == 25)
        let ended = events.events.filter { $0.kind == .ended }
        #expect(ended.map(\.count) == [10, 10, 5])
        #expect(ended.allSatisfy { $0.reason == .expired && $0.handle == nil })
        #expect(try await pruning.pruneOnce() == 0)
        #expect(events.events.count == 3, "an empty batch reports nothing")
    }

    @Test func restsBetweenBatchesButNotAfterTheLast() async throws {
        let clock = ManualClock()
        let manager = try await storeWithExpiredRecords(25, clock: clock)
        let pruning = PruningService(store: manager.store, clock: clock, batchSize: 10, batchPause: .milliseconds(40))
        let start = ContinuousClock.now
        #expect(try await pruning.pruneOnce() == 25)
        // Three batches (10, 10, 5): two rests of 40 ms.
        #expect(ContinuousClock.now - start >= .milliseconds(80))
    }

    @Test func defaultsComeFromTheStore() {
        let store = MemorySessionStore()
        let pruning = PruningService(store: store)
        #expect(pruning.batchSize == store.pruneBatchSize)
        #expect(pruning.batchPause == store.pruneBatchPause)
        #expect(PruningService(store: store, batchSize: 0, batchPause: .seconds(-1)).batchSize == 1)
        #expect(PruningService(store: store, batchPause: .seconds(-1)).batchPause == .zero)
    }
}
