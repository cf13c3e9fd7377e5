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
}
