import Cloakroom
import CloakroomTesting
import Foundation
import MetricsTestKit
import Testing

@Suite("Store conformance: compositions")
struct CompositionConformanceTests {
    @Test(arguments: StoreConformance.Check.allCases)
    func replicated(_ check: StoreConformance.Check) async throws {
        try await StoreConformance.run(check) {
            ReplicatedSessionStore(fast: MemorySessionStore(), durable: MemorySessionStore())
        }
    }

    @Test(arguments: StoreConformance.Check.allCases)
    func fallback(_ check: StoreConformance.Check) async throws {
        try await StoreConformance.run(check) {
            FallbackSessionStore(primary: MemorySessionStore(), fallbacks: [MemorySessionStore()])
        }
    }
}

@Suite("Replicated store")
struct ReplicatedStoreTests {
    let clock = ManualClock()
    let fast = OutageSimulatingStore(MemorySessionStore())
    let durable = OutageSimulatingStore(MemorySessionStore())
    let events = RecordingEventSink()
    let store: ReplicatedSessionStore
    let manager: SessionManager

    init() throws {
        store = ReplicatedSessionStore(
            fast: fast,
            durable: durable,
            options: CompositionOptions(
                breaker: .init(failureThreshold: 2, coolDown: .seconds(1)),
                clock: clock,
                events: events
            )
        )
        manager = try SessionManager(store: store, clock: clock, events: events)
    }

    func count(_ key: [String: JSONValue], in session: Session?) -> Double? {
        guard case .number(let value)? = session?.data[key.keys.first!] else { return nil }
        return value
    }

    @Test func writesReachBothAndReadsComeFromTheFastStore() async throws {
        let issued = try await manager.create(userID: "alice", data: ["n": 1])
        #expect(try await fast.base.load(issued.id.key, now: clock.now) != nil)
        #expect(try await durable.base.load(issued.id.key, now: clock.now) != nil)
        let before = durable.callCount
        #expect(try await manager.resume(issued.id) != nil)
        #expect(durable.callCount == before, "a resume on a warm fast store does not touch the durable one")
    }

    @Test func aMissInTheFastStoreIsReadFromTheDurableOneAndRefilled() async throws {
        let issued = try await manager.create(data: ["n": 1])
        try await fast.base.delete(issued.id.key, now: clock.now)
        #expect(try await manager.resume(issued.id) != nil)
        #expect(try await fast.base.load(issued.id.key, now: clock.now) != nil, "the fast store was refilled")
    }

    @Test func nothingAcknowledgedIsLostWhenTheFastStoreDies() async throws {
        let before = try await manager.create(userID: "alice", data: ["n": 1])
        fast.isDown = true
        let during = try await manager.create(userID: "alice", data: ["n": 1])
        _ = try await manager.update(before.id, changes: SessionChanges(set: ["n": 2]))
        _ = try await manager.update(during.id, changes: SessionChanges(set: ["n": 2]))
        #expect(store.bypassedStores == [fast.name])
        #expect(events.events.contains { $0.kind == .storeBypassed && $0.store == "fast memory" })
        // The fast store comes back with the records it held before it died: one is stale.
        fast.isDown = false
        #expect(try await fast.base.load(before.id.key, now: clock.now)?.version == 1)
        #expect(count(["n": 0], in: try await manager.resume(before.id)) == 2, "the stale copy is not used")
        #expect(count(["n": 0], in: try await manager.resume(during.id)) == 2)
        clock.advance(by: .seconds(1))
        await store.probe()
        #expect(store.bypassedStores.isEmpty)
        #expect(events.events.contains { $0.kind == .storeRestored })
        #expect(count(["n": 0], in: try await manager.resume(before.id)) == 2)
        #expect(try await fast.base.load(before.id.key, now: clock.now)?.version == 2, "repaired and refilled")
    }

    @Test func aSessionEndedWhileTheFastStoreWasDownNeverComesBack() async throws {
        let ended = try await manager.create(userID: "alice")
        let others = try await manager.create(userID: "bob")
        let kept = try await manager.create(userID: "bob")
        fast.isDown = true
        #expect(try await manager.end(ended.id))
        #expect(try await manager.endAll(ofUser: "bob", except: kept.id) == 1)
        fast.isDown = false
        // Before the repair, and after it.
        #expect(try await manager.resume(ended.id) == nil)
        #expect(try await manager.resume(others.id) == nil)
        #expect(try await manager.resume(kept.id) != nil)
        clock.advance(by: .seconds(1))
        await store.probe()
        #expect(try await fast.base.load(ended.id.key, now: clock.now) == nil)
        #expect(try await fast.base.load(others.id.key, now: clock.now) == nil)
        #expect(try await manager.resume(ended.id) == nil)
        #expect(try await manager.resume(kept.id) != nil)
    }

    @Test func theBreakerSkipsADeadFastStoreAndTheProbeTakesItBack() async throws {
        let issued = try await manager.create()
        fast.isDown = true
        _ = try await manager.resume(issued.id)
        _ = try await manager.resume(issued.id)
        let refused = fast.callCount
        #expect(try await manager.resume(issued.id) != nil)
        #expect(fast.callCount == refused)
        fast.isDown = false
        await store.probe()
        #expect(!store.bypassedStores.isEmpty, "still cooling down")
        clock.advance(by: .seconds(1))
        await store.probe()
        #expect(store.bypassedStores.isEmpty)
        let before = durable.callCount
        #expect(try await manager.resume(issued.id) != nil)
        #expect(durable.callCount == before, "reads come from the fast store again")
    }

    @Test func aFastStoreThatMissedOneWriteIsTakenBackWithoutFurtherTraffic() async throws {
        // Down from the start (as when cloakroomd starts before Redis): one create, fewer failures
        // than open the breaker, then no traffic at all. The probe alone must bring it back.
        fast.isDown = true
        let issued = try await manager.create(data: ["n": 1])
        #expect(store.bypassedStores == [fast.name])
        fast.isDown = false
        await store.probe()
        #expect(store.bypassedStores.isEmpty)
        #expect(try await fast.base.load(issued.id.key, now: clock.now) == nil, "no copy made while it was down")
        #expect(try await manager.resume(issued.id) != nil)
        #expect(try await fast.base.load(issued.id.key, now: clock.now) != nil, "refilled on the next read")
    }

    @Test func withTheDurableStoreDownWritesFailAndCachedReadsGoOn() async throws {
        let issued = try await manager.create(data: ["n": 1])
        durable.isDown = true
        #expect(try await manager.resume(issued.id) != nil)
        await #expect(throws: CloakroomError.self) { try await manager.create() }
        await #expect(throws: CloakroomError.self) {
            try await manager.update(issued.id, changes: SessionChanges(set: ["n": 2]))
        }
        await #expect(throws: CloakroomError.self) { try await manager.end(issued.id) }
        #expect(await store.health().isHealthy == false)
        durable.isDown = false
        #expect(count(["n": 0], in: try await manager.resume(issued.id)) == 1, "the failed update left no trace")
        #expect(try await fast.base.count(now: clock.now) == 1, "the failed create reached neither store")
    }

    @Test func theBypassedGaugeFollowsTheBreaker() async throws {
        let metrics = TestMetrics()
        let store = ReplicatedSessionStore(
            fast: fast,
            durable: durable,
            options: CompositionOptions(
                breaker: .init(failureThreshold: 1, coolDown: .seconds(1)),
                clock: clock,
                metricsFactory: metrics
            )
        )
        let gauge = try metrics.expectGauge("cloakroom_store_bypassed", [("store", "memory"), ("role", "fast")])
        #expect(gauge.lastValue == 0)
        fast.isDown = true
        _ = try await store.load(SessionID.generate().key, now: clock.now)
        #expect(gauge.lastValue == 1)
        fast.isDown = false
        clock.advance(by: .seconds(1))
        await store.probe()
        #expect(gauge.lastValue == 0)
    }
}
