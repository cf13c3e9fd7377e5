import Cloakroom
import CloakroomTesting
import Foundation
import Testing

@Suite("With encryption keys, the IP address, user agent and device are sealed at rest too")
struct ClientFactsSealingTests {
    let clock = ManualClock()
    let store = MemorySessionStore()
    let events = RecordingEventSink()
    let client = ClientInfo(ip: "198.51.100.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")

    func manager(_ cipher: SessionCipher) throws -> SessionManager {
        try SessionManager(store: store, cipher: cipher, clock: clock, events: events)
    }

    /// The record exactly as the store holds it.
    func raw(_ id: SessionID) async throws -> StoredSession {
        try #require(try await store.load(id.key, now: clock.now))
    }

    func expectSealed(_ metadata: SessionMetadata) {
        for field in [metadata.ip, metadata.userAgent, metadata.device] {
            #expect(field?.hasPrefix("~") == true)
        }
        let stored = [metadata.ip, metadata.userAgent, metadata.device].compactMap { $0 }.joined(separator: " ")
        #expect(!stored.contains("198.51.100.7") && !stored.contains("Firefox"))
    }

    @Test("the store holds them sealed; the manager, lists and client comparisons see them in clear")
    func sealedAtRestClearToTheApp() async throws {
        let manager = try manager(SessionCipher(keys: [try EncryptionKey.generate(id: "k1")]))
        let issued = try await manager.create(userID: "ada", client: client)
        expectSealed(try await raw(issued.id).metadata)
        let resumed = try #require(try await manager.resume(issued.id, client: client))
        #expect(resumed.metadata.ip == client.ip && resumed.metadata.userAgent == client.userAgent)
        #expect(resumed.metadata.device == "Firefox on Linux")
        #expect(!events.events.contains { $0.kind == .clientChanged })
        #expect(try await manager.sessions(ofUser: "ada").first?.metadata.ip == client.ip)

        // Every write keeps them sealed: an update, a change of client, a rotation.
        _ = try await manager.update(issued.id, changes: SessionChanges(set: ["a": 1]))
        expectSealed(try await raw(issued.id).metadata)
        let moved = ClientInfo(ip: "203.0.113.99", userAgent: client.userAgent)
        #expect(try await manager.resume(issued.id, client: moved)?.metadata.ip == moved.ip)
        #expect(try await raw(issued.id).metadata.ip?.contains("203.0.113.99") == false)
        let rotated = try await manager.rotate(issued.id)
        #expect(try await raw(rotated.id).metadata.ip?.hasPrefix("~") == true)
        #expect(try await manager.resume(rotated.id)?.metadata.ip == moved.ip)
    }

    @Test("a sealed field moved to another record or altered reads as unknown, not as another's")
    func movedOrAlteredFieldsAreUnknown() async throws {
        let manager = try manager(SessionCipher(keys: [try EncryptionKey.generate(id: "k1")]))
        let victim = try await manager.create(userID: "ada", client: client)
        let other = try await manager.create(userID: "bob", client: ClientInfo(ip: "192.0.2.1"))
        var planted = try await raw(other.id)
        planted.metadata.ip = try await raw(victim.id).metadata.ip
        planted.metadata.userAgent =
            String(try #require(try await raw(victim.id).metadata.userAgent).dropLast(2)) + "AA"
        planted.version += 1
        #expect(try await store.compareAndSet(planted, expectedVersion: planted.version - 1, now: clock.now))
        let read = try #require(try await manager.resume(other.id))
        #expect(read.metadata.ip == nil && read.metadata.userAgent == nil)
    }

    @Test("without keys nothing changes: the fields are stored as given")
    func clearWithoutKeys() async throws {
        let manager = try manager(.plaintext)
        let issued = try await manager.create(client: client)
        #expect(try await raw(issued.id).metadata.ip == client.ip)
        #expect(try await raw(issued.id).metadata.userAgent == client.userAgent)
    }

    @Test("reseal seals fields stored in clear, and moves sealed ones to the newest key")
    func resealCoversTheClientFields() async throws {
        let plain = try await manager(.plaintext).create(userID: "ada", client: client)
        let new = try EncryptionKey.generate(id: "new")
        let sealing = try StoreResealing(
            store: store,
            cipher: SessionCipher(keys: [new], acceptsPlaintextRecords: true),
            clock: clock
        )
        #expect(try await sealing.run().resealed == 1)
        expectSealed(try await raw(plain.id).metadata)
        #expect(try await manager(SessionCipher(keys: [new])).resume(plain.id)?.metadata.ip == client.ip)

        let newer = try EncryptionKey.generate(id: "newer")
        #expect(
            try await StoreResealing(store: store, cipher: SessionCipher(keys: [newer, new]), clock: clock).run()
                .resealed == 1
        )
        let onlyNewest = try manager(SessionCipher(keys: [newer]))
        let resumed = try #require(try await onlyNewest.resume(plain.id))
        #expect(resumed.metadata.ip == client.ip && resumed.metadata.device == "Firefox on Linux")
    }

    @Test("a field written in clear before encryption is read as it is and sealed on the next write")
    func clearFieldsFromBeforeAreSealedOnWrite() async throws {
        let key = try EncryptionKey.generate(id: "k1")
        let manager = try manager(SessionCipher(keys: [key]))
        let issued = try await manager.create(userID: "ada")
        var legacy = try await raw(issued.id)
        legacy.metadata.ip = "192.0.2.44"
        legacy.version += 1
        #expect(try await store.compareAndSet(legacy, expectedVersion: legacy.version - 1, now: clock.now))
        #expect(try await manager.resume(issued.id)?.metadata.ip == "192.0.2.44")
        _ = try await manager.update(issued.id, changes: SessionChanges(set: ["a": 1]))
        #expect(try await raw(issued.id).metadata.ip?.hasPrefix("~") == true)
        #expect(try await manager.resume(issued.id)?.metadata.ip == "192.0.2.44")
    }
}
