import Cloakroom
import Foundation
import Testing

@testable import CloakroomServer

/// The hot calls read their bodies and write their times without `Codable` and Foundation's
/// formatter; what they read and write must be exactly what those would.
@Suite("HTTP API v1: bodies and times outside Codable agree with Foundation")
struct CodablePathsTests {
    @Test func timestampsMatchISO8601FormatStyle() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var generator = SystemRandomNumberGenerator()
        var dates = [0, -1.5, -0.0004, 1_764_339_200.9999, 1_764_339_200.0005, 951_782_400, 4_107_542_399.999].map {
            Date(timeIntervalSince1970: $0)
        }
        for _ in 0..<20_000 {
            dates.append(
                Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...8_000_000_000, using: &generator))
            )
        }
        for date in dates {
            #expect(SessionJSON.timestamp(date) == date.formatted(style), "\(date.timeIntervalSince1970)")
        }
    }

    static let bodies = [
        #"{"id":"abc"}"#,
        #"{"id":"abc","ip":"192.0.2.1","user_agent":"curl/8","extra":[1,{"x":null}]}"#,
        #"{"id":"abc","ip":null,"user_agent":null}"#,
        #"{"id":"a\u00e9\"b","set":{"n":1,"s":"x","b":true,"z":null,"o":{"k":[1,2.5e3]}},"unset":["q"],"increment":{"n":-2.5}}"#,
        #"{"id":"abc","set":null,"unset":null,"increment":null}"#,
        #"{"id":"abc","if_version":3}"#,
        #"{"id":1}"#, #"{"ip":"x"}"#, #"{"id":null}"#, #"{"id":"abc","ip":5}"#, #"{"id":"abc","set":[1]}"#,
        #"{"id":"abc","unset":[1]}"#, #"{"id":"abc","increment":{"n":"1"}}"#, #"{"id":"abc","if_version":1.5}"#,
        #"["id"]"#, #"{"id":"abc""#, "null",
    ]

    /// Whatever the fast path reads, `JSONDecoder` reads the same; whatever it leaves, it leaves to
    /// `JSONDecoder` (which then answers or refuses as before).
    @Test(arguments: bodies)
    func parsedBodiesAgreeWithJSONDecoder(_ text: String) throws {
        let bytes = Data(text.utf8)
        let members: [String: JSONValue]? = bytes.withUnsafeBytes {
            guard case .object(let members)? = try? JSONParser.parse($0.bindMemory(to: UInt8.self)) else { return nil }
            return members
        }
        if let resume = members.flatMap(ResumeSessionBody.init(members:)) {
            let decoded = try JSONDecoder().decode(ResumeSessionBody.self, from: bytes)
            #expect(resume.id == decoded.id && resume.ip == decoded.ip && resume.userAgent == decoded.userAgent)
        }
        if let update = members.flatMap(UpdateSessionBody.init(members:)) {
            let decoded = try JSONDecoder().decode(UpdateSessionBody.self, from: bytes)
            #expect(update.id == decoded.id && update.set == decoded.set && update.unset == decoded.unset)
            #expect(update.increment == decoded.increment && update.ifVersion == decoded.ifVersion)
        }
    }

    @Test func theFastPathTakesTheUsualBodies() throws {
        let usual = try #require(
            JSONValue.parse(#"{"id":"abc","set":{"n":1},"unset":["x"],"increment":{"c":1}}"#)
        )
        guard case .object(let members) = usual else { Issue.record("not an object"); return }
        #expect(UpdateSessionBody(members: members)?.set == ["n": .number(1)])
        #expect(ResumeSessionBody(members: members)?.id == "abc")
        #expect(UpdateSessionBody(members: ["id": .string("a"), "if_version": .number(1)]) == nil)
    }
}

extension JSONValue {
    fileprivate static func parse(_ text: String) -> JSONValue? {
        Array(text.utf8).withUnsafeBufferPointer { try? JSONParser.parse($0) }
    }
}
