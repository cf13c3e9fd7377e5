import Cloakroom
import CloakroomTesting
import Foundation
import Testing

@Suite("Fallback store")
struct FallbackStoreTests {
    let clock = ManualClock()
    let primary = OutageSimulatingStore(MemorySessionStore())
    let fallback = OutageSimulatingStore(MemorySessionStore())
    let events = RecordingEventSink()
    let store: FallbackSessionStore
    let manager: SessionManager

    init() throws {
        store = FallbackSessionStore(
            primary: primary,
            fallbacks: [fallback],
            options: CompositionOptions(
                breaker: .init(failureThreshold: 1, coolDown: .seconds(2)),
                clock: clock,
                events: events
            )
        )
        manager = try SessionManager(store: store, clock: clock, events: events)
    }

    @Test func servesFromThePrimaryWhileItIsUp() async throws {
        let issued = try await manager.create(userID: "alice")
        #expect(try await primary.base.load(issued.id.key, now: clock.now) != nil)
        #expect(try await fallback.base.count(now: clock.now) == 0)
        #expect(store.bypassedStores.isEmpty)
    }

    @Test func aFaultSequenceIsReportedTruthfullyAtEveryStep() async throws {
        let early = try await manager.create(userID: "alice", data: ["step": "before"])
        // 1. The primary dies: the first failing call opens its breaker; new sessions go to the
        //    fallback, the primary's sessions answer "no session".
        primary.isDown = true
        #expect(try await manager.resume(early.id) == nil)
        #expect(store.bypassedStores == [primary.name])
        #expect(events.events.last?.kind == .storeBypassed)
        let during = try await manager.create(userID: "alice", data: ["step": "during"])
        #expect(try await fallback.base.load(during.id.key, now: clock.now) != nil)
        #expect(try await manager.resume(during.id)?.data["step"] == "during")
        _ = try await manager.update(during.id, changes: SessionChanges(set: ["n": 1]))
        #expect(await store.health().isHealthy, "the chain is healthy while any store serves")
        let components = await store.componentHealth()
        #expect(components.map(\.inUse) == [false, true])
        #expect(components.map(\.health.isHealthy) == [false, true])
        // 2. The primary comes back; until the cool-down passes it stays bypassed.
        primary.isDown = false
        await store.probe()
        #expect(store.bypassedStores == [primary.name])
        // 3. The probe takes it back: traffic returns by itself, sessions from the outage live on.
        clock.advance(by: .seconds(2))
        await store.probe()
        #expect(store.bypassedStores.isEmpty)
        #expect(events.events.last?.kind == .storeRestored)
        #expect(try await manager.resume(early.id)?.data["step"] == "before")
        #expect(try await manager.resume(during.id)?.data["n"] == 1)
        let after = try await manager.create(userID: "alice")
        #expect(try await primary.base.load(after.id.key, now: clock.now) != nil)
        #expect(Set(try await manager.sessions(ofUser: "alice").map(\.handle)).count == 3)
        // Changes and ends reach the session wherever it lives.
        _ = try await manager.update(during.id, changes: SessionChanges(set: ["n": 2]))
        #expect(try await manager.resume(during.id)?.data["n"] == 2)
        #expect(try await manager.end(during.id))
        #expect(try await manager.resume(during.id) == nil)
    }

    @Test("the cool-down runs on monotonic time: setting the wall clock cannot shorten or stretch it")
    func coolDownIgnoresWallClockJumps() async throws {
        let early = try await manager.create(userID: "alice")
        primary.isDown = true
        #expect(try await manager.resume(early.id) == nil)
        primary.isDown = false
        // The wall clock jumps a day ahead: the cool-down has not passed.
        clock.set(clock.now.addingTimeInterval(86_400))
        await store.probe()
        #expect(store.bypassedStores == [primary.name])
        // It jumps two days back; two real seconds still end the cool-down.
        clock.set(clock.now.addingTimeInterval(-2 * 86_400))
        clock.advance(by: .seconds(2))
        await store.probe()
        #expect(store.bypassedStores.isEmpty)
    }

    @Test func endsDuringTheOutageReachThePrimaryWhenItReturns() async throws {
        let ended = try await manager.create(userID: "alice")
        let everywhere = try await manager.create(userID: "bob")
        primary.isDown = true
        _ = try await manager.resume(ended.id)  // opens the breaker
        #expect(try await manager.end(ended.id) == false, "the primary's copy is out of reach")
        _ = try await manager.endAll(ofUser: "bob")
        primary.isDown = false
        clock.advance(by: .seconds(2))
        // A request is the half-open probe here: the primary answers, but its copies of the
        // ended sessions are not trusted before the repair has run.
        #expect(try await manager.resume(ended.id) == nil)
        #expect(try await manager.resume(everywhere.id) == nil)
        #expect(try await manager.sessions(ofUser: "bob").isEmpty)
        await store.probe()
        #expect(try await primary.base.load(ended.id.key, now: clock.now) == nil)
        #expect(try await primary.base.load(everywhere.id.key, now: clock.now) == nil)
        let fresh = try await manager.create(userID: "bob")
        #expect(try await manager.resume(fresh.id) != nil, "the user signs in again normally")
    }

    @Test func withEveryStoreDownCallsFailWithStoreUnavailable() async throws {
        let issued = try await manager.create()
        primary.isDown = true
        fallback.isDown = true
        await #expect(throws: CloakroomError.self) { try await manager.resume(issued.id) }
        await #expect(throws: CloakroomError.self) { try await manager.create() }
        await #expect(throws: CloakroomError.self) { try await manager.end(issued.id) }
        #expect(await store.health().isHealthy == false)
    }
}
