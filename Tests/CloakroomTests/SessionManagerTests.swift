import Cloakroom
import CloakroomTesting
import Foundation
import MetricsTestKit
import Testing

@Suite("Session manager policy")
struct SessionManagerTests {
    let clock = ManualClock()
    let store = MemorySessionStore()
    let events = RecordingEventSink()

    func manager(_ policy: SessionPolicy) throws -> SessionManager {
        try SessionManager(store: store, policy: policy, clock: clock, events: events)
    }

    @Test func idleTimeoutSlidesOnlyOncePerTouchInterval() async throws {
        let manager = try manager(
            SessionPolicy(idleTimeout: .seconds(2), absoluteTimeout: .seconds(5), touchInterval: .seconds(1))
        )
        let issued = try await manager.create()
        clock.advance(by: .milliseconds(900))
        // Within the touch interval a resume is a pure read.
        #expect(try await manager.resume(issued.id)?.idleDeadline == issued.session.idleDeadline)
        clock.advance(by: .milliseconds(200))
        let touched = try #require(try await manager.resume(issued.id))
        #expect(touched.idleDeadline == clock.now.addingTimeInterval(2))
        clock.advance(by: .milliseconds(1999))
        #expect(try await manager.resume(issued.id) != nil)
        clock.advance(by: .seconds(2))
        #expect(try await manager.resume(issued.id) == nil)
    }

    @Test func absoluteLifetimeEndsABusySession() async throws {
        let manager = try manager(
            SessionPolicy(idleTimeout: .seconds(2), absoluteTimeout: .seconds(5), touchInterval: .seconds(1))
        )
        let issued = try await manager.create()
        for _ in 0..<4 {
            clock.advance(by: .seconds(1))
            #expect(try await manager.resume(issued.id) != nil)
        }
        clock.advance(by: .milliseconds(999))
        let last = try #require(try await manager.resume(issued.id))
        #expect(last.idleDeadline <= last.absoluteDeadline)
        clock.advance(by: .milliseconds(1))
        #expect(try await manager.resume(issued.id) == nil)
        await #expect(throws: CloakroomError.self) {
            try await manager.update(issued.id, changes: SessionChanges(set: ["a": 1]))
        }
    }

    @Test func perUserLimitEndsTheLeastRecentlyUsed() async throws {
        let manager = try manager(SessionPolicy(maximumSessionsPerUser: 2))
        let first = try await manager.create(userID: "u")
        clock.advance(by: .seconds(120))
        let second = try await manager.create(userID: "u")
        clock.advance(by: .seconds(120))
        _ = try await manager.resume(first.id)  // first is now more recent than second
        let third = try await manager.create(userID: "u")
        #expect(try await manager.resume(second.id) == nil)
        #expect(try await manager.resume(first.id) != nil)
        #expect(try await manager.resume(third.id) != nil)
        #expect(events.events.contains { $0.kind == .ended && $0.reason == .evicted })
    }

    @Test func perUserLimitCanRefuse() async throws {
        let manager = try manager(SessionPolicy(maximumSessionsPerUser: 1, overflowBehavior: .refuse))
        _ = try await manager.create(userID: "u")
        let error = await #expect(throws: CloakroomError.self) { try await manager.create(userID: "u") }
        #expect(error?.code == .tooManySessions)
        _ = try await manager.create(userID: "other")
    }

    @Test func dataLargerThanThePolicyIsRefusedAndNothingIsWritten() async throws {
        let manager = try manager(SessionPolicy(maximumDataSize: 100))
        let issued = try await manager.create(data: ["a": 1])
        let error = await #expect(throws: CloakroomError.self) {
            try await manager.update(
                issued.id,
                changes: SessionChanges(set: ["big": .string(String(repeating: "x", count: 200))])
            )
        }
        #expect(error?.code == .dataTooLarge)
        #expect(try await manager.resume(issued.id)?.data.values == ["a": 1])
        #expect(try await manager.resume(issued.id)?.version == 1)
    }

    @Test func staleIfVersionIsAConflict() async throws {
        let manager = try manager(SessionPolicy())
        let issued = try await manager.create()
        _ = try await manager.update(issued.id, changes: SessionChanges(set: ["a": 1]), ifVersion: 1)
        let error = await #expect(throws: CloakroomError.self) {
            try await manager.update(issued.id, changes: SessionChanges(set: ["a": 2]), ifVersion: 1)
        }
        #expect(error?.code == .versionConflict)
    }

    @Test(arguments: ["", String(repeating: "x", count: 257), "tab\there", "nul\u{0}"])
    func badUserIDsAreRefused(_ userID: String) async throws {
        let manager = try manager(SessionPolicy())
        let error = await #expect(throws: CloakroomError.self) { try await manager.create(userID: userID) }
        #expect(error?.code == .invalidUserID)
    }

    @Test func rotationSigningInSetsTheUser() async throws {
        let manager = try manager(SessionPolicy())
        let anonymous = try await manager.create(data: ["cart": [1]])
        let signedIn = try await manager.rotate(anonymous.id, signingIn: "zoe")
        #expect(signedIn.session.userID == "zoe")
        #expect(signedIn.session.metadata.authenticatedAt == clock.now)
        #expect(try await manager.sessions(ofUser: "zoe").map(\.key) == [signedIn.id.key])
        #expect(try await manager.resume(anonymous.id) == nil)
    }

    @Test func endByHandleOnlyForTheOwner() async throws {
        let manager = try manager(SessionPolicy())
        let issued = try await manager.create(userID: "owner")
        #expect(try await !manager.end(handle: issued.session.handle, ofUser: "someone-else"))
        #expect(try await !manager.end(handle: "not-a-handle", ofUser: "owner"))
        #expect(try await manager.end(handle: issued.session.handle, ofUser: "owner"))
        #expect(try await manager.resume(issued.id) == nil)
    }

    @Test func eventsNeverCarryTheID() async throws {
        let manager = try manager(SessionPolicy(touchInterval: .zero))
        let issued = try await manager.create(userID: "u", client: ClientInfo(ip: "198.51.100.7"))
        _ = try await manager.resume(issued.id)
        _ = try await manager.update(issued.id, changes: SessionChanges(set: ["a": 1]))
        let rotated = try await manager.rotate(issued.id)
        try await manager.end(rotated.id)
        let kinds = events.events.map(\.kind)
        #expect(kinds == [.created, .resumed, .updated, .ended, .rotated, .ended])
        let encoded = String(decoding: try JSONEncoder().encode(events.events), as: UTF8.self)
        #expect(!encoded.contains(issued.id.encoded))
        #expect(!encoded.contains(rotated.id.encoded))
        #expect(!encoded.contains(issued.id.key.hex))
    }

    @Test("every end event names the user; ending all of a user's sessions reports each one")
    func endEventsNameUserAndSession() async throws {
        let manager = try manager(SessionPolicy())
        let first = try await manager.create(userID: "ada")
        try await manager.end(first.id)
        let last = try #require(events.events.last)
        #expect(last.kind == .ended && last.reason == .logout && last.userID == "ada")
        #expect(last.handle == first.session.handle)

        let kept = try await manager.create(userID: "ada")
        var ended: Set<String> = []
        for _ in 0..<3 { ended.insert(try await manager.create(userID: "ada").session.handle) }
        let before = events.events.count
        #expect(try await manager.endAll(ofUser: "ada", except: kept.id) == 3)
        let reported = events.events.dropFirst(before)
        #expect(reported.count == 3)
        #expect(reported.allSatisfy { $0.kind == .ended && $0.reason == .revoked && $0.userID == "ada" })
        #expect(Set(reported.compactMap(\.handle)) == ended)
        #expect(!reported.contains { $0.handle == kept.session.handle })
    }

    @Test("by default one user holds at most 100 sessions; the 101st ends the least recently used")
    func defaultPerUserCap() async throws {
        let manager = try manager(SessionPolicy())
        let first = try await manager.create(userID: "looper")
        for _ in 1..<SessionPolicy.defaultMaximumSessionsPerUser {
            clock.advance(by: .seconds(1))
            _ = try await manager.create(userID: "looper")
        }
        #expect(try await manager.sessions(ofUser: "looper").count == 100)
        clock.advance(by: .seconds(1))
        _ = try await manager.create(userID: "looper")
        #expect(try await manager.sessions(ofUser: "looper").count == 100)
        #expect(try await manager.resume(first.id) == nil)
        // Raised by the app: a policy with a larger limit (or nil for none) lets more in.
        let raised = try SessionManager(store: store, policy: SessionPolicy(maximumSessionsPerUser: nil), clock: clock)
        _ = try await raised.create(userID: "looper")
        #expect(try await manager.sessions(ofUser: "looper").count == 101)
    }

    @Test func jsonLinesSinkWritesOneEventPerLine() throws {
        let folder = try TemporaryFolder()
        let path = folder.url.appendingPathComponent("events.jsonl").path
        let sink = try JSONLinesEventSink(path: path)
        sink.record(SessionEvent(kind: .created, time: clock.now, handle: "0123456789abcdef", userID: "u"))
        sink.record(SessionEvent(kind: .ended, time: clock.now, handle: "0123456789abcdef", reason: .logout))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1].contains(#""reason":"logout""#))
    }

    @Test func inconsistentPoliciesAreRejected() {
        #expect(throws: CloakroomError.self) {
            try SessionManager(
                store: store,
                policy: SessionPolicy(idleTimeout: .seconds(10), touchInterval: .seconds(10))
            )
        }
        #expect(throws: CloakroomError.self) {
            try SessionManager(store: store, policy: SessionPolicy(maximumSessionsPerUser: 0))
        }
    }
}

@Suite("Races between rotation and updates")
struct RotationRaceTests {
    @Test(arguments: ["memory", "file"])
    func anUpdateRacingARotationIsCarriedOrRefusedNeverLost(_ kind: String) async throws {
        let folder = try TemporaryFolder()
        let store: any SessionStore =
            kind == "memory" ? MemorySessionStore() : try FileSessionStore(directory: folder.url)
        let manager = try SessionManager(store: store)
        for round in 0..<40 {
            let issued = try await manager.create(data: ["round": .number(Double(round))])
            async let rotation = manager.rotate(issued.id)
            async let update: Session? = try? manager.update(issued.id, changes: SessionChanges(set: ["raced": true]))
            let (rotated, updated) = try await (rotation, update)
            let final = try #require(try await manager.resume(rotated.id))
            if updated != nil {
                #expect(final.data["raced"] == true, "round \(round): an acknowledged update was lost by rotation")
            }
            #expect(try await manager.resume(issued.id) == nil)
        }
    }
}

@Suite("Several instances on one store")
struct SharedStoreTests {
    /// Two store objects on one folder take separate `flock`s, exactly like two processes.
    @Test func twoFileStoreInstancesLoseNoUpdates() async throws {
        let folder = try TemporaryFolder()
        try await StoreConformance.runSharedInstances { try FileSessionStore(directory: folder.url) }
    }
}

@Suite("Updates starting from the session the caller holds")
struct UpdateBasedOnTests {
    private func loads(_ metrics: TestMetrics, _ store: any SessionStore) throws -> Int64 {
        try metrics.expectCounter(
            "cloakroom_store_calls_total",
            [("store", store.name), ("operation", "load"), ("outcome", "ok")]
        ).totalValue
    }

    @Test("an update based on the session just resumed reads nothing more")
    func freshCopySavesTheRead() async throws {
        let metrics = TestMetrics()
        let store = MemorySessionStore()
        let manager = try SessionManager(store: store, metricsFactory: metrics)
        let issued = try await manager.create(data: ["n": 1])
        let resumed = try #require(try await manager.resume(issued.id))
        let updated = try await manager.update(issued.id, changes: SessionChanges(set: ["n": 2]), basedOn: resumed)
        #expect(try loads(metrics, store) == 1, "only the resume reads the store")
        #expect(updated.version == resumed.version + 1)
        #expect(try await manager.resume(issued.id)?.data["n"] == 2)
    }

    @Test("a stale copy costs a read, never another writer's change")
    func staleCopyKeepsTheOtherWrite() async throws {
        let manager = try SessionManager(store: MemorySessionStore())
        let issued = try await manager.create(data: ["n": 1])
        let stale = try #require(try await manager.resume(issued.id))
        _ = try await manager.update(issued.id, changes: SessionChanges(set: ["other": true]))
        let updated = try await manager.update(issued.id, changes: SessionChanges(set: ["n": 2]), basedOn: stale)
        #expect(updated.data["other"] == true)
        #expect(updated.data["n"] == 2)
        #expect(updated.version == stale.version + 2)
        let final = try #require(try await manager.resume(issued.id))
        #expect(final.data == updated.data)
    }

    @Test("with ifVersion, a stale copy is still judged by the store")
    func staleCopyWithIfVersion() async throws {
        let manager = try SessionManager(store: MemorySessionStore())
        let issued = try await manager.create(data: ["n": 1])
        let stale = try #require(try await manager.resume(issued.id))
        _ = try await manager.update(issued.id, changes: SessionChanges(set: ["n": 5]))
        await #expect(throws: CloakroomError.self) {
            try await manager.update(
                issued.id,
                changes: SessionChanges(set: ["n": 2]),
                ifVersion: stale.version,
                basedOn: stale
            )
        }
        #expect(try await manager.resume(issued.id)?.data["n"] == 5)
        _ = try await manager.end(issued.id)
        let error = await #expect(throws: CloakroomError.self) {
            try await manager.update(issued.id, changes: SessionChanges(set: ["n": 2]), basedOn: stale)
        }
        #expect(error?.code == .sessionNotFound, "an ended session is not brought back by a copy")
    }
}
