import Cloakroom
import CloakroomRedis
import CloakroomTesting
import Foundation
import RESP
import TestSupport
import Testing

/// A store on a test server under a key prefix of its own, so every check starts empty.
func makeRedisStore(_ url: String, prefix: String = "t\(UInt64.random(in: 0...UInt64.max)):") throws
    -> RedisSessionStore
{
    RedisSessionStore(configuration: try RedisStoreConfiguration(url: url + "?timeout=5s&prefix=\(prefix)"))
}

/// Overwrites a session's creation time with bytes that are not a number.
@Sendable func corruptRedisRecord(_ store: any SessionStore, _ key: SessionKey) async throws {
    let store = try #require(store as? RedisSessionStore)
    let redisKey = Array((store.keyPrefix + "s:" + key.hex).utf8)
    _ = try await store.client.send(
        RESPCommand("HSET", RESPArgument(bytes: redisKey), "c", "not a time"),
        key: redisKey
    )
}

@Suite("Redis store", .needsServer("CLOAKROOM_TEST_REDIS"))
struct RedisStoreTests {
    @Test(arguments: StoreConformance.Check.allCases)
    func conformance(_ check: StoreConformance.Check) async throws {
        guard let url = try TestServers.redis() else { return }
        try await StoreConformance.run(check, corrupt: corruptRedisRecord) { try makeRedisStore(url) }
    }

    @Test(arguments: LimitStoreConformance.Check.allCases)
    func limits(_ check: LimitStoreConformance.Check) async throws {
        guard let url = try TestServers.redis() else { return }
        try await LimitStoreConformance.run(check) { try makeRedisStore(url) }
    }

    @Test func twoInstancesLoseNoUpdates() async throws {
        guard let url = try TestServers.redis() else { return }
        let prefix = "shared\(UInt64.random(in: 0...UInt64.max)):"
        try await StoreConformance.runSharedInstances { try makeRedisStore(url, prefix: prefix) }
    }

    @Test func everyKeyCarriesAnExpiryAndNoValueHoldsTheIDOrPlaintext() async throws {
        guard let url = try TestServers.redis() else { return }
        let prefix = "ttl\(UInt64.random(in: 0...UInt64.max)):"
        let store = try makeRedisStore(url, prefix: prefix)
        defer { Task { await store.close() } }
        let manager = try SessionManager(
            store: store,
            cipher: SessionCipher(keys: [EncryptionKey.generate(id: "k1")])
        )
        var ids: [SessionID] = []
        for index in 0..<5 {
            let created = try await manager.create(userID: "user-\(index % 2)", data: ["secret": "plaintext-marker"])
            ids.append(created.id)
        }
        _ = try await manager.update(ids[0], changes: SessionChanges(set: ["n": 1]))
        let client = store.client
        let keys = try await client.send(RESPCommand("KEYS", RESPArgument(prefix + "*")), key: nil).elements ?? []
        #expect(keys.count == 7, "5 sessions and 2 user indexes")
        for key in keys.compactMap(\.bytes) {
            let ttl = try await client.send(RESPCommand("PTTL", RESPArgument(bytes: key)), key: key).int ?? -1
            #expect(ttl > 0, "key \(String(decoding: key, as: UTF8.self)) has no expiry")
            let dump = try await client.send(RESPCommand("DUMP", RESPArgument(bytes: key)), key: key).bytes ?? []
            let text = String(decoding: dump, as: UTF8.self)
            #expect(!text.contains("plaintext-marker"))
            for id in ids {
                #expect(!text.contains(id.encoded) && !String(decoding: key, as: UTF8.self).contains(id.encoded))
            }
        }
    }

    @Test func anIndexEntryWithoutItsSessionListsNothing() async throws {
        guard let url = try TestServers.redis() else { return }
        let prefix = "crash\(UInt64.random(in: 0...UInt64.max)):"
        let store = try makeRedisStore(url, prefix: prefix)
        defer { Task { await store.close() } }
        let manager = try SessionManager(store: store)
        let kept = try await manager.create(userID: "olga")
        let lost = try await manager.create(userID: "olga")
        // A crash between the two writes of an insert leaves the index entry without the session.
        let sessionKey = Array((prefix + "s:" + lost.session.key.hex).utf8)
        _ = try await store.client.send(RESPCommand("DEL", RESPArgument(bytes: sessionKey)), key: sessionKey)
        let listed = try await manager.sessions(ofUser: "olga")
        #expect(listed.map(\.handle) == [kept.session.handle])
        let indexKey = Array((prefix + "u:olga").utf8)
        let members = try await store.client.send(RESPCommand("ZCARD", RESPArgument(bytes: indexKey)), key: indexKey)
        #expect(members.int == 1, "listing removed the stale entry")
        #expect(try await manager.endAll(ofUser: "olga") == 1)
    }
}

@Suite("Redis Cluster store", .needsServer("CLOAKROOM_TEST_REDIS_CLUSTER"))
struct RedisClusterStoreTests {
    @Test(arguments: StoreConformance.Check.allCases)
    func conformance(_ check: StoreConformance.Check) async throws {
        guard let url = try TestServers.redisCluster() else { return }
        try await StoreConformance.run(check, corrupt: corruptRedisRecord) { try makeRedisStore(url) }
    }

    @Test(arguments: LimitStoreConformance.Check.allCases)
    func limits(_ check: LimitStoreConformance.Check) async throws {
        guard let url = try TestServers.redisCluster() else { return }
        try await LimitStoreConformance.run(check) { try makeRedisStore(url) }
    }

    @Test func keysSpreadOverEveryPrimary() async throws {
        guard let url = try TestServers.redisCluster() else { return }
        let prefix = "spread\(UInt64.random(in: 0...UInt64.max)):"
        let store = try makeRedisStore(url, prefix: prefix)
        defer { Task { await store.close() } }
        let manager = try SessionManager(store: store)
        for index in 0..<60 { _ = try await manager.create(userID: "user-\(index % 7)") }
        let primaries = try await store.client.primaries()
        #expect(primaries.count == 3)
        for primary in primaries {
            let keys = try await primary.send(RESPCommand("KEYS", RESPArgument(prefix + "*")), key: nil).elements ?? []
            #expect(keys.count > 5, "a primary holds only \(keys.count) of the 67 keys")
        }
        #expect(try await store.count(now: Date()) == 60)
    }
}
