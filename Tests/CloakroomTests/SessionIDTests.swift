import Testing

@testable import Cloakroom

@Suite("Session IDs and keys")
struct SessionIDTests {
    @Test func generatedIDsRoundTripAndDiffer() throws {
        let ids = (0..<100).map { _ in SessionID.generate() }
        #expect(Set(ids).count == 100)
        for id in ids {
            #expect(id.encoded.count == 43)
            #expect(try SessionID(parsing: id.encoded) == id)
        }
    }

    @Test(arguments: [
        "", "short", String(repeating: "A", count: 42), String(repeating: "A", count: 44),
        String(repeating: "A", count: 42) + "=", String(repeating: "+", count: 43), String(repeating: "/", count: 43),
        String(repeating: "A", count: 42) + "B",  // non-zero trailing bits: a second spelling of the same bytes
        String(repeating: "A", count: 41) + " A", String(repeating: "é", count: 43), "../../../../etc/passwd",
    ])
    func malformedIDsAreRejected(_ text: String) {
        #expect(throws: CloakroomError.self) { try SessionID(parsing: text) }
    }

    /// Parses through the generic initializer, as a caller holding some `StringProtocol` would.
    private static func parsedGenerically(_ text: some StringProtocol) -> SessionID? {
        try? SessionID(parsing: text)
    }

    @Test func theStringAndSubstringOverloadsAnswerAsTheGenericParser() {
        let id = SessionID.generate()
        for text in [id.encoded, String(repeating: "A", count: 42) + "B", "short", " " + id.encoded, id.encoded + "x"] {
            let generic = Self.parsedGenerically(text)
            #expect((try? SessionID(parsing: text)) == generic, "\(text)")
            #expect((try? SessionID(parsing: Substring(text))) == generic, "\(text)")
            // A value cut out of a longer header, as a cookie's is.
            let header = "a=1; cloakroom=" + text + "; b=2"
            let cut = header.dropFirst(15).dropLast(5)
            #expect((try? SessionID(parsing: cut)) == generic, "\(text)")
        }
        #expect(Self.parsedGenerically(id.encoded) == id)
    }

    @Test func descriptionsNeverShowTheID() {
        let id = SessionID.generate()
        #expect(!"\(id)".contains(id.encoded))
        #expect("\(id.key)" == id.key.handle)
        #expect(id.key.handle.count == 16)
        #expect(!id.key.hex.contains(id.encoded))
    }

    @Test func keysAreSHA256OfTheIDBytes() throws {
        let id = try SessionID(parsing: String(repeating: "A", count: 43))
        // SHA-256 of 32 zero bytes.
        #expect(id.key.hex == "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925")
        #expect(SessionKey(hex: id.key.hex) == id.key)
        #expect(SessionKey(hex: "XYZ") == nil)
    }

    @Test func bytesComeBackInTheirOrder() throws {
        // IDs and keys keep their bytes as machine words; the bytes must still read in order.
        let id = try SessionID(parsing: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
        #expect(id.bytes == Array(0..<32))
        #expect(id.encoded == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
        #expect(id.key.hex == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd")
        #expect(id.key.handle == "630dcd2966c43366")
        #expect(SessionKey(bytes: id.key.bytes) == id.key)
        id.key.withUnsafeBytes { #expect(Array($0) == id.key.bytes) }
    }

    @Test func hexAppendedToANameSpellsTheKeysHex() {
        for key in [SessionID.generate().key, SessionKey(bytes: [UInt8](repeating: 0xFF, count: 32))!] {
            var name = Array("cloakroom:s:".utf8)
            key.appendHex(to: &name)
            #expect(name == Array(("cloakroom:s:" + key.hex).utf8))
        }
    }

    @Test func keysFromAnyCollectionOfExactly32Bytes() {
        let bytes = (0..<32).map { UInt8($0 * 7 & 0xFF) }
        let fromArray = SessionKey(bytes: bytes)
        // A lazy collection has no contiguous storage: the key is copied another way.
        let fromLazy = SessionKey(bytes: (0..<32).lazy.map { UInt8($0 * 7 & 0xFF) })
        #expect(fromArray != nil)
        #expect(fromArray == fromLazy)
        #expect(fromArray?.bytes == bytes)
        #expect(SessionKey(bytes: bytes.dropLast()) == nil)
        #expect(SessionKey(bytes: bytes + [0]) == nil)
        #expect(Set([fromArray, fromLazy, SessionKey(hex: fromArray!.hex)]).count == 1)
        #expect(SessionKey(hex: String(repeating: "a", count: 62)) == nil)
    }

    @Test func theInlineDecoderIsAsStrictAsTheGeneralOne() {
        // Random spellings over the alphabet and a few foreign characters: the 32-byte decoder
        // behind IDs must accept exactly what the general one accepts, with the same bytes.
        var generator = SystemRandomNumberGenerator()
        let characters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ ")
        var accepted = 0
        for _ in 0..<2_000 {
            let length = [42, 43, 43, 43, 44].randomElement(using: &generator)!
            let text = String((0..<length).map { _ in characters.randomElement(using: &generator)! })
            let general = Base64URL.decode(text, expectedByteCount: 32)
            #expect(Base64URL.decode32(text)?.array == general, "\(text)")
            if general != nil { accepted += 1 }
        }
        // About 2 % of these spellings are valid; none at all would mean the check proved nothing.
        #expect(accepted > 0)
    }
}
