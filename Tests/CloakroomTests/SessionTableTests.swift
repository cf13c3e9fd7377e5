import Foundation
import Testing

@testable import Cloakroom

@Suite("The memory store's packed table answers exactly as a dictionary of whole records would")
struct SessionTableTests {
    /// A small seeded generator, so that a failing sequence of operations can be replayed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func record(
        _ key: SessionKey,
        user: String?,
        deadline: TimeInterval,
        version: UInt64 = 1,
        metadata: SessionMetadata? = nil
    ) -> StoredSession {
        StoredSession(
            key: key,
            userID: user,
            payload: Array("{\"v\":\(version)}".utf8),
            metadata: metadata ?? SessionMetadata(createdAt: start, lastSeenAt: start),
            idleDeadline: start.addingTimeInterval(deadline),
            absoluteDeadline: start.addingTimeInterval(deadline + 60),
            version: version
        )
    }

    @Test("packed keys give back the key's bytes")
    func packedKeyRoundTrip() {
        for _ in 0..<100 {
            let key = SessionID.generate().key
            #expect(PackedSessionKey(key).sessionKey == key)
            #expect(PackedSessionKey(key) == PackedSessionKey(SessionKey(bytes: key.bytes)!))
        }
    }

    @Test("twenty thousand random puts, replacements, user moves, touches and removals")
    func matchesADictionary() {
        var random = SplitMix64(state: 42)
        var table = SessionTable()
        var model: [SessionKey: StoredSession] = [:]
        var keys: [SessionKey] = []
        // Enough users that the index of their first records grows and shifts too; some names
        // too long to be stored inline in a String.
        let users = (0..<2_000).map { $0 % 3 == 0 ? "user-\($0)@a-rather-long-domain.example" : "user-\($0)" }
        for step in 0..<20_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:  // a new record
                let key = SessionID.generate().key
                let session = Self.record(
                    key,
                    user: Bool.random(using: &random) ? users.randomElement(using: &random) : nil,
                    deadline: .random(in: 1...1000, using: &random)
                )
                table.put(session)
                model[key] = session
                keys.append(key)
            case 4..<6:  // a replacement, perhaps for another user or an earlier deadline
                guard let key = keys.randomElement(using: &random), let old = model[key] else { continue }
                let session = Self.record(
                    key,
                    user: Bool.random(using: &random) ? users.randomElement(using: &random) : old.userID,
                    deadline: .random(in: 1...1000, using: &random),
                    version: old.version + 1
                )
                table.put(session)
                model[key] = session
            case 6:  // a touch
                guard let key = keys.randomElement(using: &random), var old = model[key] else { continue }
                let later = old.idleDeadline.addingTimeInterval(10)
                let touched = table.touch(key, lastSeenAt: later, idleDeadline: later, now: Self.start)
                #expect(touched)
                old.metadata.lastSeenAt = later
                old.idleDeadline = later
                model[key] = old
            default:  // a removal, sometimes of a key already gone
                guard let key = keys.randomElement(using: &random) else { continue }
                let removed = table.remove(key)?.stored
                #expect(removed == model.removeValue(forKey: key))
            }
            if step % 2_000 == 0 || step == 19_999 {
                #expect(table.count == model.count)
                for key in keys { #expect(table.record(key)?.stored(key: key) == model[key]) }
                let byUser = Dictionary(grouping: model.values) { $0.userID }
                for user in users {
                    let listed = table.records(ofUser: user).map(\.stored)
                    #expect(listed.count == Set(listed.map(\.key)).count, "a record is chained twice")
                    #expect(Set(listed) == Set(byUser[user] ?? []))
                }
                #expect(Set(table.records.map(\.stored)) == Set(model.values))
            }
        }
    }

    @Test("a reused slot's old deadline removes nothing; the new record goes at its own")
    func reusedSlotsExpireByTheirOwnDeadline() {
        var table = SessionTable()
        let early = SessionID.generate().key
        table.put(Self.record(early, user: "ada", deadline: 10))
        let removed = table.remove(early)
        #expect(removed != nil)
        let late = SessionID.generate().key
        table.put(Self.record(late, user: "ada", deadline: 100))
        let beforeLate = table.removeExpired(now: Self.start.addingTimeInterval(50), limit: 100)
        #expect(beforeLate == 0)
        #expect(table.record(late) != nil)
        let atLate = table.removeExpired(now: Self.start.addingTimeInterval(100), limit: 100)
        #expect(atLate == 1)
        #expect(table.record(late) == nil)
        #expect(table.records(ofUser: "ada").isEmpty)
        #expect(table.count == 0)
    }

    @Test("expired records go earliest first, up to the limit, and extended ones stay")
    func expiryOrder() {
        var table = SessionTable()
        let keys = (0..<5).map { _ in SessionID.generate().key }
        for (offset, key) in keys.enumerated() { table.put(Self.record(key, user: nil, deadline: Double(offset + 1))) }
        table.put(Self.record(keys[0], user: nil, deadline: 500, version: 2))
        let firstTwo = table.removeExpired(now: Self.start.addingTimeInterval(10), limit: 2)
        #expect(firstTwo == 2)
        #expect(table.record(keys[0]) != nil)
        #expect(table.record(keys[1]) == nil && table.record(keys[2]) == nil && table.record(keys[3]) != nil)
        let theRest = table.removeExpired(now: Self.start.addingTimeInterval(10), limit: 100)
        #expect(theRest == 2)
        #expect(table.count == 1)
    }

    @Test("sign-in time, client facts and token state read back, and unchanged ones are shared")
    func extras() throws {
        var table = SessionTable()
        let key = SessionID.generate().key
        let metadata = SessionMetadata(
            createdAt: Self.start,
            lastSeenAt: Self.start,
            authenticatedAt: Self.start.addingTimeInterval(1),
            ip: "203.0.113.9",
            userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            device: "Firefox on Linux",
            tokens: SessionTokenState(revokedTokenIDs: ["jti-1": Self.start])
        )
        table.put(Self.record(key, user: "ada", deadline: 100, metadata: metadata))
        let first = try #require(table.record(key))
        #expect(first.stored(key: key).metadata == metadata)
        var changed = first.stored(key: key)
        changed.version = 2
        changed.metadata.lastSeenAt = Self.start.addingTimeInterval(5)
        table.put(changed)
        let second = try #require(table.record(key))
        #expect(second.extras === first.extras)
        #expect(second.stored(key: key) == changed)
        changed.metadata.ip = "198.51.100.7"
        table.put(changed)
        #expect(try #require(table.record(key)).extras !== first.extras)
        #expect(table.record(key)?.stored(key: key) == changed)
        let bare = SessionID.generate().key
        table.put(Self.record(bare, user: nil, deadline: 100))
        #expect(table.record(bare)?.extras == nil)
        #expect(table.record(bare)?.stored.metadata == SessionMetadata(createdAt: Self.start, lastSeenAt: Self.start))
    }
}
