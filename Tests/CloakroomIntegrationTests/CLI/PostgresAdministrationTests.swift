import Cloakroom
import CloakroomServer
import CloakroomTesting
import Foundation
import TestSupport
import Testing

@Suite("cloakroom CLI operations on PostgreSQL", .needsServer("CLOAKROOM_TEST_POSTGRES"))
struct PostgresAdministrationTests {
    @Test func statsPruneAndEndUser() async throws {
        guard let url = try TestServers.postgres() else { return }
        let location = try StoreLocation(
            parsing: url + "?sslmode=disable&timeout=20s&schema=cli_\(UInt32.random(in: 0...UInt32.max))"
        )
        let clock = ManualClock(start: Date())
        let administration = try StoreAdministration(location: location, clock: clock)
        try await administration.store.withRunning { try await Self.check(administration, clock: clock) }
    }

    static func check(_ administration: StoreAdministration, clock: ManualClock) async throws {
        let manager = try SessionManager(
            store: administration.store,
            policy: SessionPolicy(idleTimeout: .seconds(60), touchInterval: .seconds(10)),
            clock: clock
        )
        for _ in 0..<3 { _ = try await manager.create(userID: "gone") }
        clock.advance(by: .seconds(61))
        let kept = try await manager.create(userID: "bob")
        for _ in 0..<2 { _ = try await manager.create(userID: "bob") }
        _ = try await manager.create(userID: "carol")

        let statistics = try await administration.statistics(top: 5)
        #expect(statistics.liveSessions == 4)
        #expect(statistics.expiredAwaitingPrune == 3)
        #expect(statistics.topUsers == [.init(userID: "bob", sessions: 3), .init(userID: "carol", sessions: 1)])
        #expect(try await administration.prune(batchSize: 2) { _ in } == 3)
        #expect(try await administration.endUser("bob", exceptHandle: kept.session.handle) == 2)
        #expect(try await manager.sessions(ofUser: "bob").map(\.handle) == [kept.session.handle])
    }
}
