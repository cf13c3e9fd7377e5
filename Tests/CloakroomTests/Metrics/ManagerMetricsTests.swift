import Cloakroom
import CloakroomTesting
import Foundation
import MetricsTestKit
import Testing

@Suite("Manager and store metrics")
struct ManagerMetricsTests {
    @Test("every operation and store call is counted and timed by outcome, with no secret in a label")
    func operationsAreCounted() async throws {
        let metrics = TestMetrics()
        let clock = ManualClock()
        let store = MemorySessionStore()
        let manager = try SessionManager(store: store, clock: clock, metricsFactory: metrics)
        let issued = try await manager.create(userID: "ada@example.com", data: ["n": 1])
        clock.advance(by: .seconds(120))
        _ = try await manager.resume(issued.id)
        _ = try await manager.update(issued.id, changes: SessionChanges(set: ["n": 2]))
        await #expect(throws: CloakroomError.self) {
            try await manager.update(SessionID.generate(), changes: SessionChanges(set: ["n": 3]))
        }
        _ = try await manager.sessions(ofUser: "ada@example.com")
        _ = try await manager.end(issued.id)

        func operations(_ operation: String, _ outcome: String) throws -> Int64 {
            try metrics.expectCounter(
                "cloakroom_session_operations_total",
                [("operation", operation), ("outcome", outcome)]
            ).totalValue
        }
        #expect(try operations("create", "ok") == 1)
        #expect(try operations("resume", "ok") == 1)
        #expect(try operations("update", "ok") == 1)
        #expect(try operations("update", "rejected") == 1)
        #expect(try operations("list", "ok") == 1)
        #expect(try operations("end", "ok") == 1)
        func storeCalls(_ operation: String) throws -> Int64 {
            try metrics.expectCounter(
                "cloakroom_store_calls_total",
                [("store", store.name), ("operation", operation), ("outcome", "ok")]
            ).totalValue
        }
        #expect(try storeCalls("insert") == 1)
        // resume, update, the update of an unknown session, and end (which names the user in its event)
        #expect(try storeCalls("load") == 4)
        #expect(try storeCalls("touch") == 1)
        #expect(try storeCalls("compare_and_set") == 1)
        #expect(try storeCalls("delete") == 1)
        let timer = try metrics.expectTimer(
            "cloakroom_session_operations_duration_seconds",
            [("operation", "create")]
        )
        #expect(timer.values.count == 1)

        let secret = issued.id.encoded
        for counter in metrics.counters {
            for (name, value) in counter.dimensions {
                #expect(!value.contains(secret) && !value.contains("ada"), "label \(name)=\(value)")
            }
        }
    }

    @Test("the gauge service samples live sessions and store health")
    func gauges() async throws {
        let metrics = TestMetrics()
        let clock = ManualClock()
        let store = MemorySessionStore()
        let manager = try SessionManager(store: store, clock: clock)
        for _ in 0..<3 { _ = try await manager.create() }
        let service = StoreGaugeService(store: store, clock: clock, metricsFactory: metrics)
        await service.sample()
        #expect(try metrics.expectGauge("cloakroom_live_sessions", [("store", store.name)]).lastValue == 3)
        #expect(try metrics.expectGauge("cloakroom_store_healthy", [("store", store.name)]).lastValue == 1)
    }
}
