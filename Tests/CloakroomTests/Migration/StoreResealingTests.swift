import Cloakroom
import CloakroomTesting
import Foundation
import Testing

@Suite("Re-sealing a store under the newest key")
struct StoreResealingTests {
    let clock = ManualClock()
    let store = MemorySessionStore()

    func sessions(_ count: Int, cipher: SessionCipher) async throws -> [SessionID] {
        let manager = try SessionManager(store: store, cipher: cipher, clock: clock)
        var ids: [SessionID] = []
        for index in 0..<count {
            ids.append(try await manager.create(userID: "u\(index)", data: ["i": .number(Double(index))]).id)
        }
        return ids
    }

    @Test("turning encryption on: records in clear are sealed, then open under the keys alone")
    func sealsPlaintext() async throws {
        let ids = try await sessions(25, cipher: .plaintext)
        let key = try EncryptionKey.generate(id: "new")
        let strict = try SessionManager(store: store, cipher: SessionCipher(keys: [key]), clock: clock)
        await #expect(throws: CloakroomError.self) { try await strict.resume(ids[0]) }
        let resealing = try StoreResealing(
            store: store,
            cipher: SessionCipher(keys: [key], acceptsPlaintextRecords: true),
            clock: clock,
            batchSize: 10
        )
        var batches = 0
        let result = try await resealing.run { _ in batches += 1 }
        #expect(result.resealed == 25 && result.unreadable == 0 && result.cursor == nil)
        #expect(batches == 3)
        for (index, id) in ids.enumerated() {
            #expect(try await strict.resume(id)?.data["i"] == .number(Double(index)))
        }
        // A second run finds nothing to do.
        #expect(try await resealing.run().alreadyCurrent == 25)
    }

    @Test("retiring a key: an interrupted run resumes from its cursor and finishes the rest")
    func resumesAfterInterruption() async throws {
        let old = try EncryptionKey.generate(id: "old")
        let new = try EncryptionKey.generate(id: "new")
        let ids = try await sessions(30, cipher: SessionCipher(keys: [old]))
        let resealing = try StoreResealing(
            store: store,
            cipher: SessionCipher(keys: [new, old]),
            clock: clock,
            batchSize: 10
        )
        struct Interrupted: Error {}
        var saved: String?
        await #expect(throws: Interrupted.self) {
            _ = try await resealing.run { progress in
                saved = progress.cursor
                throw Interrupted()
            }
        }
        guard let cursor = saved else {
            Issue.record("the interrupted run reported no cursor")
            return
        }
        let rest = try await resealing.run(resumingAfter: cursor)
        #expect(rest.resealed == 20)
        let onlyNew = try SessionManager(store: store, cipher: SessionCipher(keys: [new]), clock: clock)
        for id in ids { #expect(try await onlyNew.resume(id) != nil) }
    }

    @Test("records it cannot open are counted and left alone; no key at all is refused")
    func unreadableAndNoKey() async throws {
        let stranger = try EncryptionKey.generate(id: "stranger")
        _ = try await sessions(3, cipher: SessionCipher(keys: [stranger]))
        _ = try await sessions(2, cipher: .plaintext)
        let mine = try EncryptionKey.generate(id: "mine")
        let result = try await StoreResealing(store: store, cipher: SessionCipher(keys: [mine]), clock: clock).run()
        #expect(result.unreadable == 5 && result.resealed == 0)
        let error = #expect(throws: CloakroomError.self) { try StoreResealing(store: store, cipher: .plaintext) }
        #expect(error?.code == .invalidConfiguration)
    }
}
