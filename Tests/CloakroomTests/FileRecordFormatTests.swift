import Cloakroom
import CloakroomTesting
import Foundation
import Testing

/// The file store's records stay readable across versions: the layout on disk is one flat JSON
/// object whose field names do not change when the Swift types holding them do.
@Suite("File store record format")
struct FileRecordFormatTests {
    /// A record as every version since the file store's first writes it (dates as seconds since
    /// 2001, the payload in base64, the key in hex).
    static let earlierRecord = """
        {"key":"\(String(repeating: "ab", count: 32))","user_id":"ada","payload":"e30=",\
        "metadata":{"c":786000000,"l":786000100,"a":786000000,"i":"192.0.2.7","u":"curl/8","d":"curl"},\
        "idle_deadline":786001900,"absolute_deadline":786086400,"version":3}
        """

    static let now = Date(timeIntervalSinceReferenceDate: 786_000_000)

    /// A new record with an idle deadline 30 minutes and an absolute one a day after ``now``.
    static func record(userID: String?, payload: [UInt8]) -> StoredSession {
        StoredSession(
            key: SessionID.generate().key,
            userID: userID,
            payload: payload,
            metadata: SessionMetadata(createdAt: now, lastSeenAt: now),
            idleDeadline: now.addingTimeInterval(1800),
            absoluteDeadline: now.addingTimeInterval(86400),
            version: 1
        )
    }

    @Test func aRecordWrittenByAnEarlierVersionLoads() async throws {
        let folder = try TemporaryFolder()
        let store = try FileSessionStore(directory: folder.url)
        let key = try #require(SessionKey(hex: String(repeating: "ab", count: 32)))
        try Data(Self.earlierRecord.utf8).write(to: folder.url.appendingPathComponent("sessions/\(key.hex).json"))

        let now = Date(timeIntervalSinceReferenceDate: 786_000_200)
        let loaded = try #require(try await store.load(key, now: now))

        let expected = SessionHeader(
            key: key,
            userID: "ada",
            metadata: SessionMetadata(
                createdAt: Date(timeIntervalSinceReferenceDate: 786_000_000),
                lastSeenAt: Date(timeIntervalSinceReferenceDate: 786_000_100),
                authenticatedAt: Date(timeIntervalSinceReferenceDate: 786_000_000),
                ip: "192.0.2.7",
                userAgent: "curl/8",
                device: "curl"
            ),
            idleDeadline: Date(timeIntervalSinceReferenceDate: 786_001_900),
            absoluteDeadline: Date(timeIntervalSinceReferenceDate: 786_086_400),
            version: 3
        )
        #expect(loaded.header == expected)
        #expect(loaded.payload == Array("{}".utf8))
    }

    @Test func aWrittenRecordKeepsTheFlatLayout() async throws {
        let folder = try TemporaryFolder()
        let store = try FileSessionStore(directory: folder.url)
        let written = Self.record(userID: "ada", payload: Array("{}".utf8))
        let key = written.key
        try await store.insert(written, now: Self.now)

        let bytes = try Data(contentsOf: folder.url.appendingPathComponent("sessions/\(key.hex).json"))
        let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        #expect(
            Set(object.keys)
                == ["key", "user_id", "payload", "metadata", "idle_deadline", "absolute_deadline", "version"]
        )
        #expect(object["key"] as? String == key.hex)
        #expect(object["payload"] as? String == "e30=")
        #expect(object["idle_deadline"] as? Double == 786_001_800)
        #expect(object["version"] as? Int == 1)
        #expect(try await store.load(key, now: Self.now) == written)
    }

    @Test func anAnonymousRecordHasNoUserField() async throws {
        let folder = try TemporaryFolder()
        let store = try FileSessionStore(directory: folder.url)
        let written = Self.record(userID: nil, payload: [])
        let key = written.key
        try await store.insert(written, now: Self.now)
        let bytes = try Data(contentsOf: folder.url.appendingPathComponent("sessions/\(key.hex).json"))
        let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        #expect(object["user_id"] == nil)
        #expect(try await store.load(key, now: Self.now) == written)
    }
}
