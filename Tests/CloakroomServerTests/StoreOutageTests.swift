import APITestSupport
import Cloakroom
import CloakroomServer
import CloakroomTesting
import Foundation
import Hummingbird
import Testing

@Suite("HTTP API v1: store outages")
struct StoreOutageTests {
    @Test func aDownStoreAnswers503WithTheErrorShapeAndRecovers() async throws {
        let store = OutageSimulatingStore(MemorySessionStore())
        let harness = try await APITestHarness(store: store)
        try await harness.run { client in
            let (id, _) = try await client.create(["user_id": "u"])
            store.isDown = true
            for (method, uri, body) in [
                (HTTPRequest.Method.post, "/v1/sessions", [:] as [String: Any]),
                (.post, "/v1/sessions/resume", ["id": id]),
                (.post, "/v1/sessions/update", ["id": id, "set": ["a": 1]]),
                (.get, "/v1/users/u/sessions", [:]),
            ] {
                let reply = try await client.call(method, uri, json: method == .get ? nil : body)
                #expect(reply.status == .serviceUnavailable, "\(uri) answered \(reply.status)")
                #expect(reply.errorCode == "store_unavailable")
            }
            let health = try await client.call(.get, "/health")
            #expect(health.status == .serviceUnavailable)
            #expect(health.json["status"] as? String == "unavailable")
            #expect(health.headers[.init("Cloakroom-Degraded")!] == nil, "a plain store is never 'degraded'")

            store.isDown = false
            #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": id]).status == .ok)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    @Test func healthAndTheDegradedHeaderAreTruthfulThroughAFallbackSequence() async throws {
        let clock = ManualClock()
        let primary = OutageSimulatingStore(MemorySessionStore())
        let fallback = OutageSimulatingStore(MemorySessionStore())
        let store = FallbackSessionStore(
            primary: primary,
            fallbacks: [fallback],
            options: CompositionOptions(breaker: .init(failureThreshold: 1, coolDown: .seconds(5)), clock: clock)
        )
        let harness = try await APITestHarness(store: store, clock: clock)
        let degraded = HTTPFields.Element.Name("Cloakroom-Degraded")!
        try await harness.run { client in
            func expectHealth(_ status: String, _ statuses: [String], header: Bool, _ step: String) async throws {
                let health = try await client.call(.get, "/health")
                #expect(health.status == (status == "unavailable" ? .serviceUnavailable : .ok), "\(step)")
                #expect(health.json["status"] as? String == status, "\(step): \(health.json)")
                let stores = health.json["stores"] as? [[String: Any]] ?? []
                #expect(stores.map { $0["status"] as? String ?? "" } == statuses, "\(step): \(stores)")
                #expect(stores.map { $0["role"] as? String ?? "" } == ["primary", "fallback"], "\(step)")
                #expect((health.headers[degraded] == "1") == header, "\(step): header")
            }
            try await expectHealth("ok", ["ok", "ok"], header: false, "both up")
            let (before, _) = try await client.create(["user_id": "u"])

            primary.isDown = true
            // The first call to notice the outage fails over at once; its answer already says so.
            let during = try await client.call(.post, "/v1/sessions", json: ["user_id": "u"])
            #expect(during.status == .created)
            #expect(during.headers[degraded] == "1")
            try await expectHealth("degraded", ["down", "ok"], header: true, "primary down")
            let resumed = try await client.call(.post, "/v1/sessions/resume", json: ["id": during.json["id"]!])
            #expect(resumed.status == .ok && resumed.headers[degraded] == "1")

            primary.isDown = false
            try await expectHealth("degraded", ["recovering", "ok"], header: true, "primary back, cooling down")
            clock.advance(by: .seconds(5))
            await store.probe()
            try await expectHealth("ok", ["ok", "ok"], header: false, "primary taken back")
            #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": before]).status == .ok)
            #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": during.json["id"]!]).status == .ok)

            primary.isDown = true
            fallback.isDown = true
            _ = try await client.call(.post, "/v1/sessions", json: [:])
            try await expectHealth("unavailable", ["down", "down"], header: true, "both down")
        }
    }

    @Test func aReplicatedStoreIsDegradedNotDownWithoutItsFastStore() async throws {
        let clock = ManualClock()
        let fast = OutageSimulatingStore(MemorySessionStore())
        let durable = OutageSimulatingStore(MemorySessionStore())
        let store = ReplicatedSessionStore(
            fast: fast,
            durable: durable,
            options: CompositionOptions(breaker: .init(failureThreshold: 1, coolDown: .seconds(1)), clock: clock)
        )
        let harness = try await APITestHarness(store: store, clock: clock)
        try await harness.run { client in
            let (id, _) = try await client.create(["user_id": "u"])
            fast.isDown = true
            let update = try await client.call(.post, "/v1/sessions/update", json: ["id": id, "set": ["a": 1]])
            #expect(update.status == .ok)
            let health = try await client.call(.get, "/health")
            #expect(health.status == .ok && health.json["status"] as? String == "degraded")
            fast.isDown = false
            clock.advance(by: .seconds(1))
            await store.probe()
            let resumed = try await client.call(.post, "/v1/sessions/resume", json: ["id": id])
            #expect((resumed.session?["data"] as? [String: Any])?["a"] as? Int == 1)
            #expect(resumed.headers[.init("Cloakroom-Degraded")!] == nil)
            durable.isDown = true
            let down = try await client.call(.get, "/health")
            #expect(down.status == .serviceUnavailable && down.json["status"] as? String == "unavailable")
        }
    }
}
