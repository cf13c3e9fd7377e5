import Cloakroom
import CloakroomServer
import CloakroomTesting
import Foundation
import Hummingbird
import Synchronization
import Testing

/// A memory store that can be switched off, to see how the API answers when its store is down.
final class SwitchableStore: SessionStore {
    let inner = MemorySessionStore()
    let isDown = Mutex(false)
    let name = "switchable"

    func check() throws {
        if isDown.withLock({ $0 }) { throw CloakroomError(.storeUnavailable, "switchable store is switched off") }
    }

    func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        try check()
        return try await inner.load(key, now: now)
    }
    func insert(_ session: StoredSession, now: Date) async throws {
        try check()
        try await inner.insert(session, now: now)
    }
    func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        try check()
        return try await inner.compareAndSet(session, expectedVersion: expectedVersion, now: now)
    }
    func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        try check()
        return try await inner.touch(key, lastSeenAt: lastSeenAt, idleDeadline: idleDeadline, now: now)
    }
    func delete(_ key: SessionKey, now: Date) async throws -> Bool {
        try check()
        return try await inner.delete(key, now: now)
    }
    func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        try check()
        return try await inner.sessions(ofUser: userID, now: now)
    }
    func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        try check()
        return try await inner.deleteAll(ofUser: userID, except: except, now: now)
    }
    func pruneExpired(now: Date, limit: Int) async throws -> Int {
        try check()
        return try await inner.pruneExpired(now: now, limit: limit)
    }
    func count(now: Date) async throws -> Int {
        try check()
        return try await inner.count(now: now)
    }
    func health() async -> StoreHealth {
        isDown.withLock { $0 }
            ? StoreHealth(store: name, isHealthy: false, detail: "switched off")
            : StoreHealth(store: name, isHealthy: true)
    }
    func close() async {}
}

@Suite("HTTP API v1: store outages")
struct StoreOutageTests {
    @Test func aDownStoreAnswers503WithTheErrorShapeAndRecovers() async throws {
        let store = SwitchableStore()
        let harness = try APITestHarness(store: store)
        try await harness.run { client in
            let (id, _) = try await client.create(["user_id": "u"])
            store.isDown.withLock { $0 = true }
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

            store.isDown.withLock { $0 = false }
            #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": id]).status == .ok)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }
}
