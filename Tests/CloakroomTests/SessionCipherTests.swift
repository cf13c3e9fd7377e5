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

    @Test func plaintextRecordsStayReadableWhenEncryptionIsTurnedOn() throws {
        let key = SessionID.generate().key
        let clear = try SessionCipher.plaintext.seal(plaintext, for: key)
        let ring = try SessionCipher(keys: [EncryptionKey.generate(id: "k")])
        #expect(try ring.open(clear, for: key) == plaintext)
        #expect(ring.needsResealing(clear))
    }

    @Test(arguments: [
        [UInt8](), [0x01], [0x01, 0x05, 0x41], [0x01, 0x01, 0x41] + [UInt8](repeating: 0, count: 40), [0x09, 0x00],
    ])
    func tamperedOrTruncatedPayloadsGiveErrors(_ payload: [UInt8]) throws {
        let ring = try SessionCipher(keys: [EncryptionKey.generate(id: "A")])
        #expect(throws: CloakroomError.self) { try ring.open(payload, for: SessionID.generate().key) }
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
