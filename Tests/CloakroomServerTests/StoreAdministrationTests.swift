import Cloakroom
import CloakroomServer
import CloakroomTesting
import Foundation
import TestSupport
import Testing

@Suite("cloakroom CLI operations")
struct StoreAdministrationTests {
    @Test func statsPruneAndEndUserOnSQLite() async throws {
        let folder = try TemporaryFolder()
        let clock = ManualClock()
        let location = StoreLocation.sqlite(path: folder.path("sessions.sqlite"))
        let administration = try StoreAdministration(location: location, clock: clock)
        let manager = try SessionManager(
            store: administration.store,
            policy: SessionPolicy(idleTimeout: .seconds(60), touchInterval: .seconds(10)),
            clock: clock
        )
        for _ in 0..<5 { _ = try await manager.create() }
        clock.advance(by: .seconds(61))
        let kept = try await manager.create(userID: "alice")
        _ = try await manager.create(userID: "alice")
        _ = try await manager.create(userID: "bob")

        #expect(try await administration.statistics().liveSessions == 3)
        #expect(try await administration.statistics().expiredAwaitingPrune == 5)
        var reported: [Int] = []
        #expect(try await administration.prune(batchSize: 2) { reported.append($0) } == 5)
        #expect(reported == [2, 4, 5])
        #expect(try await administration.statistics().expiredAwaitingPrune == 0)
        #expect(try await administration.statistics().topUsers?.first == .init(userID: "alice", sessions: 2))

        await #expect(throws: CloakroomError.self) {
            try await administration.endUser("alice", exceptHandle: "0000000000000000")
        }
        #expect(try await administration.endUser("alice", exceptHandle: kept.session.handle) == 1)
        #expect(try await manager.sessions(ofUser: "alice").map(\.handle) == [kept.session.handle])
        #expect(try await administration.endUser("alice", exceptHandle: nil) == 1)
        await administration.store.close()
    }
}

@Suite("Progress bar")
struct ProgressBarTests {
    @Test func showsCountThroughputAndTimeLeft() {
        #expect(
            ProgressBar.render(done: 25_000, of: 100_000, elapsed: .seconds(5), width: 10)
                == "[##........] 25000 / 100000  5000/s  15s left"
        )
        #expect(
            ProgressBar.render(done: 60_000, of: 100_000, resumedAt: 50_000, elapsed: .seconds(2), width: 4)
                == "[##..] 60000 / 100000  5000/s  8s left",
            "a resumed run's throughput counts only its own work"
        )
        #expect(ProgressBar.render(done: 0, of: 10, elapsed: .zero).hasSuffix("time left unknown"))
        #expect(ProgressBar.render(done: 1, of: 1_000_000, elapsed: .seconds(1)).hasSuffix("277h46m left"))
    }
}
