import Cloakroom
import CloakroomTesting
import Foundation
import Testing

/// Two instances sharing one fast and one durable store, the first one cut off from the fast
/// store (a network partition, or its connection pool failing): what it could not change there,
/// the second learns through the durable store and drops, though the first never repairs.
@Suite("Shared repair journal")
struct SharedRepairJournalTests {
    let clock = ManualClock()
    let fast = MemorySessionStore()
    let durable = MemorySessionStore()
    /// The first instance's way to the fast store, cut on demand.
    let firstLink: OutageSimulatingStore
    /// The second instance's way to the fast store.
    let secondLink: OutageSimulatingStore
    let first: ReplicatedSessionStore
    let second: ReplicatedSessionStore
    let firstManager: SessionManager
    let secondManager: SessionManager

    init() throws {
        firstLink = OutageSimulatingStore(fast)
        secondLink = OutageSimulatingStore(fast)
        let options = CompositionOptions(breaker: .init(failureThreshold: 2, coolDown: .seconds(1)), clock: clock)
        first = ReplicatedSessionStore(fast: firstLink, durable: durable, options: options)
        second = ReplicatedSessionStore(fast: secondLink, durable: durable, options: options)
        firstManager = try SessionManager(store: first, clock: clock)
        secondManager = try SessionManager(store: second, clock: clock)
    }

    func number(in session: Session?) -> Double? {
        guard case .number(let value)? = session?.data["n"] else { return nil }
        return value
    }

    @Test func theJournalIsSharedOnlyThroughAStoreThatKeepsIt() {
        #expect(first.sharesRepairJournal)
        let unshared = ReplicatedSessionStore(fast: fast, durable: OutageSimulatingStore(durable))
        #expect(!unshared.sharesRepairJournal)
    }

    @Test func aSessionEndedByAnInstanceCutOffFromTheFastStoreIsNotServedByAnother() async throws {
        let issued = try await firstManager.create(userID: "alice")
        #expect(try await secondManager.resume(issued.id) != nil)
        firstLink.isDown = true
        #expect(try await firstManager.end(issued.id))
        // The fast store still holds the copy the first instance could not delete.
        #expect(try await fast.load(issued.id.key, now: clock.now) != nil)
        #expect(try await durable.pendingRepairs(limit: 10).map(\.target) == [.session(issued.id.key)])
        // The first instance never repairs (it stopped, say); the second one's probe does.
        await second.probe()
        #expect(try await secondManager.resume(issued.id) == nil)
        #expect(try await fast.load(issued.id.key, now: clock.now) == nil, "the stale copy was deleted")
        #expect(try await durable.pendingRepairs(limit: 10).isEmpty, "the applied entry was removed")
        #expect(second.bypassedStores.isEmpty, "the second instance is in sync again")
    }

    @Test func anUpdateMissedByOneInstanceIsReadRightByAnother() async throws {
        let issued = try await firstManager.create(data: ["n": 1])
        #expect(number(in: try await secondManager.resume(issued.id)) == 1)
        firstLink.isDown = true
        _ = try await firstManager.update(issued.id, changes: SessionChanges(set: ["n": 2]))
        #expect(try await fast.load(issued.id.key, now: clock.now)?.version == 1, "the fast copy is stale")
        await second.probe()
        #expect(number(in: try await secondManager.resume(issued.id)) == 2)
        #expect(try await fast.load(issued.id.key, now: clock.now)?.version == 2, "refilled from the durable store")
    }

    @Test func anEndAllMissedByOneInstanceReachesAnotherAndSparesLaterSessions() async throws {
        let ended = try await firstManager.create(userID: "alice")
        let kept = try await firstManager.create(userID: "alice")
        for session in [ended, kept] { #expect(try await secondManager.resume(session.id) != nil) }
        firstLink.isDown = true
        #expect(try await firstManager.endAll(ofUser: "alice", except: kept.id) == 1)
        clock.advance(by: .seconds(1))
        let later = try await secondManager.create(userID: "alice")
        await second.probe()
        #expect(try await secondManager.resume(ended.id) == nil)
        #expect(try await fast.load(ended.id.key, now: clock.now) == nil)
        #expect(try await secondManager.resume(kept.id) != nil, "the session that asked is kept")
        #expect(try await fast.load(later.id.key, now: clock.now) != nil, "a session created since is kept")
        #expect(try await durable.pendingRepairs(limit: 10).isEmpty)
    }

    @Test func entriesWaitUntilSomeInstanceReachesTheFastStore() async throws {
        let issued = try await firstManager.create()
        #expect(try await secondManager.resume(issued.id) != nil)
        firstLink.isDown = true
        secondLink.isDown = true
        #expect(try await firstManager.end(issued.id))
        await second.probe()
        #expect(try await durable.pendingRepairs(limit: 10).count == 1, "kept while no instance could apply it")
        secondLink.isDown = false
        clock.advance(by: .seconds(1))
        await second.probe()
        #expect(try await durable.pendingRepairs(limit: 10).isEmpty)
        #expect(try await fast.load(issued.id.key, now: clock.now) == nil)
        #expect(try await secondManager.resume(issued.id) == nil)
    }

    @Test func theInstanceThatMissedAChangeDistrustsItsCopyBeforeAnyProbe() async throws {
        let issued = try await firstManager.create(data: ["n": 1])
        firstLink.isDown = true
        _ = try await firstManager.update(issued.id, changes: SessionChanges(set: ["n": 2]))
        firstLink.isDown = false
        #expect(number(in: try await firstManager.resume(issued.id)) == 2)
    }
}
