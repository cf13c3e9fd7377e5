import Cloakroom
import Testing

@Suite("Cipher and key ring")
struct SessionCipherTests {
    let plaintext = Array(#"{"secret":"value"}"#.utf8)

    @Test func sealedDataOpensOnlyForItsOwnRecord() throws {
        let cipher = try SessionCipher(keys: [EncryptionKey.generate(id: "current")])
        let key = SessionID.generate().key
        let sealed = try cipher.seal(plaintext, for: key)
        #expect(!String(decoding: sealed, as: UTF8.self).contains("secret"))
        #expect(try cipher.open(sealed, for: key) == plaintext)
        let error = #expect(throws: CloakroomError.self) { try cipher.open(sealed, for: SessionID.generate().key) }
        #expect(error?.code == .decryptionFailed)
    }

    @Test func oldKeysStillOpenAndNewWritesUseTheCurrentKey() throws {
        let old = try EncryptionKey.generate(id: "old")
        let new = try EncryptionKey.generate(id: "new")
        let key = SessionID.generate().key
        let sealedWithOld = try SessionCipher(keys: [old]).seal(plaintext, for: key)
        let ring = try SessionCipher(keys: [new, old])
        #expect(try ring.open(sealedWithOld, for: key) == plaintext)
        #expect(ring.needsResealing(sealedWithOld))
        #expect(!ring.needsResealing(try ring.seal(plaintext, for: key)))
        let error = #expect(throws: CloakroomError.self) {
            try SessionCipher(keys: [new]).open(sealedWithOld, for: key)
        }
        #expect(error?.code == .decryptionFailed)
        #expect(error?.message.contains("'old'") == true)
    }

    @Test("with keys set, a payload stored in clear is refused as corrupt: nobody without a key can plant data")
    func plaintextRecordsAreRefusedWhenKeysAreSet() throws {
        let key = SessionID.generate().key
        let clear = try SessionCipher.plaintext.seal(plaintext, for: key)
        let ring = try SessionCipher(keys: [EncryptionKey.generate(id: "k")])
        let error = #expect(throws: CloakroomError.self) { try ring.open(clear, for: key) }
        #expect(error?.code == .corruptRecord)
        #expect(error?.message.contains("cloakroom reseal") == true)
        #expect(ring.needsResealing(clear))
        // Asked for by name, as `cloakroom reseal` does to seal a store's old records.
        let resealing = try SessionCipher(keys: ring.keys, acceptsPlaintextRecords: true)
        #expect(try resealing.open(clear, for: key) == plaintext)
    }

    @Test("a manager with keys treats a planted clear record as no session")
    func plantedClearRecordIsNoSession() async throws {
        let store = MemorySessionStore()
        let writer = try SessionManager(store: store)
        let planted = try await writer.create(userID: "victim", data: ["role": "admin"])
        let reader = try SessionManager(
            store: store,
            cipher: SessionCipher(keys: [EncryptionKey.generate(id: "k")])
        )
        let error = await #expect(throws: CloakroomError.self) { try await reader.resume(planted.id) }
        #expect(error?.code == .corruptRecord)
    }

    @Test(arguments: [
        [UInt8](), [0x01], [0x01, 0x05, 0x41], [0x01, 0x01, 0x41] + [UInt8](repeating: 0, count: 40), [0x09, 0x00],
    ])
    func tamperedOrTruncatedPayloadsGiveErrors(_ payload: [UInt8]) throws {
        let ring = try SessionCipher(keys: [EncryptionKey.generate(id: "A")])
        let key = SessionID.generate().key
        let error = #expect(throws: CloakroomError.self) { try ring.open(payload, for: key) }
        // The record's name is made only for an error, and then it is there.
        #expect(error?.message.hasPrefix("stored session \(key.handle) ") == true)
    }

    @Test func flippedBitsAreDetected() throws {
        let ring = try SessionCipher(keys: [EncryptionKey.generate(id: "k")])
        let key = SessionID.generate().key
        var sealed = try ring.seal(plaintext, for: key)
        sealed[sealed.count - 20] ^= 0x01
        #expect(throws: CloakroomError.self) { try ring.open(sealed, for: key) }
    }

    @Test func keysMustBe32BytesWithPlainIDs() {
        #expect(throws: CloakroomError.self) { try EncryptionKey(id: "k", bytes: [UInt8](repeating: 1, count: 16)) }
        #expect(throws: CloakroomError.self) {
            try EncryptionKey(id: "bad id", bytes: [UInt8](repeating: 1, count: 32))
        }
        #expect(throws: CloakroomError.self) {
            let key = try EncryptionKey.generate(id: "same")
            _ = try SessionCipher(keys: [key, key])
        }
    }
}
