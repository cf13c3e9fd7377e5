import Cloakroom
import Foundation
import RESP
import Testing

@testable import CloakroomRedis

/// The record ⇄ hash layout, without a server: what `HSET` would write comes back from the
/// `HMGET` reply Redis would give, and damaged fields are named, not guessed.
@Suite("Redis record layout")
struct RedisRecordLayoutTests {
    let key = SessionID.generate().key

    func time(_ microseconds: Int64) -> Date { RedisRecordLayout.date(microseconds: microseconds) }

    func record(ip: String? = "203.0.113.9", userAgent: String? = "", tokens: SessionTokenState? = nil) -> StoredSession
    {
        StoredSession(
            key: key,
            userID: "ada/ü",
            payload: Array(#"{"cart":[1,2]}"#.utf8),
            metadata: SessionMetadata(
                createdAt: time(1_800_000_000_000_001),
                lastSeenAt: time(1_800_000_100_000_002),
                authenticatedAt: time(1_800_000_050_000_003),
                ip: ip,
                userAgent: userAgent,
                device: nil,
                tokens: tokens
            ),
            idleDeadline: time(1_800_001_900_000_000),
            absoluteDeadline: time(1_800_086_400_000_000),
            version: 42
        )
    }

    /// The `HMGET` reply for a hash written with `fields`: empty values are not stored.
    func reply(_ fields: [RESPArgument], replacing changes: [String: [UInt8]?] = [:]) -> RESPValue {
        var hash: [String: [UInt8]] = [:]
        for index in stride(from: 0, to: fields.count, by: 2) where !fields[index + 1].bytes.isEmpty {
            hash[String(decoding: fields[index].bytes, as: UTF8.self)] = fields[index + 1].bytes
        }
        for (field, value) in changes { hash[field] = value }
        return .array(
            RedisRecordLayout.loadFields.map { field in
                hash[String(decoding: field.bytes, as: UTF8.self)].map(RESPValue.bulkString) ?? .null
            }
        )
    }

    /// The record's field-value pairs alone, as a script's arguments carry them after its own.
    private func fields(_ session: StoredSession) throws -> [RESPArgument] {
        var fields: [RESPArgument] = []
        try RedisRecordLayout.appendFields(of: session, to: &fields)
        return fields
    }

    @Test("the fields are appended after a script's own arguments, which stay as they were")
    func appendedAfterArguments() throws {
        var arguments: [RESPArgument] = ["1700000000000000", "60000"]
        try RedisRecordLayout.appendFields(of: record(), to: &arguments)
        #expect(arguments.prefix(2) == ["1700000000000000", "60000"])
        #expect(Array(arguments.dropFirst(2)) == (try fields(record())))
        #expect(arguments.count == 2 + 2 * RedisRecordLayout.loadFields.count)
    }

    @Test("every field survives the round trip, an empty user agent stays distinct from none")
    func roundTrip() throws {
        let tokens = SessionTokenState(revokedTokenIDs: ["jti-1": time(1_800_000_200_000_000)])
        for original in [record(), record(ip: nil, userAgent: nil, tokens: tokens)] {
            let fields = try fields(original)
            // The scripts read the version, user and absolute deadline by position.
            #expect(
                fields.prefix(6).enumerated().filter { $0.offset.isMultiple(of: 2) }.map(\.element.bytes) == [
                    Array("v".utf8), Array("u".utf8), Array("a".utf8),
                ]
            )
            let read = try RedisRecordLayout.record(key: key, from: reply(fields), store: "redis")
            #expect(read == original)
        }
    }

    @Test("a key that does not exist reads as no record")
    func missing() throws {
        let nothing = RESPValue.array(RedisRecordLayout.loadFields.map { _ in .null })
        #expect(try RedisRecordLayout.record(key: key, from: nothing, store: "redis") == nil)
    }

    @Test(
        "damaged fields are corrupt records that name the field",
        arguments: [
            ("v", Array("4x".utf8), "'v'"),
            ("a", Array("-1".utf8), "'a'"),
            ("i", Array("1234567890123456789".utf8), "'i'"),
            ("ip", Array("203.0.113.9".utf8), "'ip'"),
            ("k", Array("{not json".utf8), "'k'"),
        ] as [(String, [UInt8], String)]
    )
    func damaged(field: String, value: [UInt8], named: String) throws {
        let bad = reply(try fields(record()), replacing: [field: value])
        let error = #expect(throws: CloakroomError.self) {
            try RedisRecordLayout.record(key: key, from: bad, store: "redis")
        }
        #expect(error?.code == .corruptRecord)
        #expect(error?.message.contains(named) == true, "\(error?.message ?? "")")
    }

    @Test("a record without its payload is corrupt; a reply of the wrong shape is the store failing")
    func shapes() throws {
        let noPayload = reply(try fields(record()), replacing: ["p": nil])
        let error = #expect(throws: CloakroomError.self) {
            try RedisRecordLayout.record(key: key, from: noPayload, store: "redis")
        }
        #expect(error?.code == .corruptRecord)
        let short = #expect(throws: CloakroomError.self) {
            try RedisRecordLayout.record(key: key, from: .array([.null]), store: "redis")
        }
        #expect(short?.code == .storeUnavailable)
        #expect(RedisRecordLayout.integer(Array("123456789012345678".utf8)) == 123_456_789_012_345_678)
        #expect(RedisRecordLayout.integer(Array("+1".utf8)) == nil)
        #expect(RedisRecordLayout.integer([]) == nil)
    }
}
