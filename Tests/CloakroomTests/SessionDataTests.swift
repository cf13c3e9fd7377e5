import Cloakroom
import Foundation
import Testing

@Suite("Session data typed access")
struct SessionDataTests {
    /// What the general path (a JSON round trip) makes of a value: the fast paths must agree.
    private func viaJSON<T: Codable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    @Test("strings, booleans and whole numbers are stored as the JSON round trip would store them")
    func setAgreesWithJSON() throws {
        var data = SessionData()
        try data.set("café \"quoted\"", forKey: "s")
        try data.set(true, forKey: "b")
        try data.set(42, forKey: "i")
        try data.set(-(1 << 53), forKey: "edge")
        try data.set(Int.max, forKey: "big")
        #expect(data["s"] == (try viaJSON("café \"quoted\"")))
        #expect(data["b"] == (try viaJSON(true)))
        #expect(data["i"] == (try viaJSON(42)))
        #expect(data["edge"] == (try viaJSON(-(1 << 53))))
        #expect(data["big"] == (try viaJSON(Int.max)))
        // Optionals are not the plain types: they take the general path, to the same values.
        try data.set(String?.some("o"), forKey: "some")
        try data.set(Int?.none, forKey: "none")
        #expect(data["some"] == .string("o"))
        #expect(data["none"] == .null)
    }

    @Test("reading back gives the value, and a value of another type is an error, not a guess")
    func decodeAgreesWithJSON() throws {
        var data = SessionData()
        try data.set("x", forKey: "s")
        try data.set(7, forKey: "i")
        data["half"] = .number(1.5)
        data["huge"] = .number(1e300)
        try data.set(false, forKey: "b")
        #expect(try data.decode(String.self, forKey: "s") == "x")
        #expect(try data.decode(Int.self, forKey: "i") == 7)
        #expect(try data.decode(Double.self, forKey: "i") == 7.0)
        #expect(try data.decode(Bool.self, forKey: "b") == false)
        #expect(try data.decode(Double.self, forKey: "half") == 1.5)
        #expect(throws: (any Error).self) { try data.decode(Int.self, forKey: "half") }
        #expect(throws: (any Error).self) { try data.decode(Int.self, forKey: "huge") }
        #expect(throws: (any Error).self) { try data.decode(String.self, forKey: "i") }
        #expect(try data.decode([String].self, forKey: "missing") == nil)
    }
}
