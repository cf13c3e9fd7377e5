import Foundation
import Testing

@testable import Cloakroom

@Suite("Bounded memory stores find their dead without scanning the living")
struct ExpiryQueueTests {
    @Test("a call with nothing due looks at no key, however many are queued")
    func nothingDueLooksAtNothing() {
        var queue = ExpiryQueue<Int, Int>()
        for key in 0..<10_000 { queue.add(key, dueAt: 1_000 + key) }
        var lookups = 0
        let expired = queue.takeExpired(now: 999, limit: 1024) { key in
            lookups += 1
            return 1_000 + key
        }
        #expect(expired.isEmpty)
        #expect(lookups == 0)
    }

    @Test("due keys come out earliest first, up to the limit; extended keys wait; gone keys drop")
    func dueKeys() {
        var queue = ExpiryQueue<Int, Int>()
        var deadlines: [Int: Int] = [:]
        for key in 0..<10 {
            deadlines[key] = key
            queue.add(key, dueAt: key)
        }
        deadlines[2] = 50  // extended: not queued again by its owner
        deadlines[3] = nil  // removed by its owner
        var lookups = 0
        let first = queue.takeExpired(now: 5, limit: 3) { key in
            lookups += 1
            return deadlines[key]
        }
        #expect(first == [0, 1, 4])
        #expect(lookups == 5)
        for key in first { deadlines[key] = nil }
        #expect(queue.takeExpired(now: 9, limit: 100) { deadlines[$0] } == [5, 6, 7, 8, 9])
        #expect(queue.takeExpired(now: 49, limit: 100) { deadlines[$0] }.isEmpty)
        #expect(queue.takeExpired(now: 50, limit: 100) { deadlines[$0] } == [2])
    }

    @Test("a key queued twice comes out once")
    func queuedTwice() {
        var queue = ExpiryQueue<String, Int>()
        queue.add("a", dueAt: 5)
        queue.add("a", dueAt: 3)
        #expect(queue.takeExpired(now: 10, limit: 10) { _ in 3 } == ["a"])
    }

    @Test("stale entries are dropped once they outgrow the live keys")
    func compaction() {
        var queue = ExpiryQueue<Int, Int>()
        for key in 0..<3_000 { queue.add(key, dueAt: key) }
        #expect(queue.needsCompaction(liveCount: 10))
        queue.compact(keeping: (0..<10).map { ($0, $0 + 100) })
        #expect(queue.count == 10)
        #expect(!queue.needsCompaction(liveCount: 10))
        #expect(queue.takeExpired(now: 104, limit: 100) { $0 + 100 } == [0, 1, 2, 3, 4])
    }

    @Test("a full memory store makes room from the earliest dead and keeps every extended session")
    func fullMemoryStore() async throws {
        let store = MemorySessionStore(maximumCount: 100)
        let start = Date(timeIntervalSince1970: 1_000_000)
        func record(_ index: Int, lifetime: TimeInterval) -> StoredSession {
            StoredSession(
                key: SessionID.generate().key,
                userID: "user\(index % 7)",
                payload: [],
                metadata: SessionMetadata(createdAt: start, lastSeenAt: start),
                idleDeadline: start.addingTimeInterval(lifetime),
                absoluteDeadline: start.addingTimeInterval(86_400),
                version: 1
            )
        }
        var records: [StoredSession] = []
        for index in 0..<100 {
            let session = record(index, lifetime: TimeInterval(10 + index))
            records.append(session)
            try await store.insert(session, now: start)
        }
        // The ten shortest-lived are extended past the moment the next insert comes.
        for session in records.prefix(10) {
            #expect(
                try await store.touch(
                    session.key,
                    lastSeenAt: start,
                    idleDeadline: start.addingTimeInterval(1_000),
                    now: start
                )
            )
        }
        let later = start.addingTimeInterval(30)  // records 10...20 are dead now, 0...9 extended
        for index in 0..<11 {
            try await store.insert(record(100 + index, lifetime: 500), now: later)
        }
        for session in records.prefix(10) {
            #expect(try await store.load(session.key, now: later) != nil)
        }
        #expect(try await store.count(now: later) == 100)
        // Full of the living: refused, with a message saying what to do.
        let refusal = await #expect(throws: CloakroomError.self) {
            try await store.insert(record(200, lifetime: 500), now: later)
        }
        #expect(refusal?.code == .storeFull)
        #expect(try await store.pruneExpired(now: later, limit: 100) == 0)
        #expect(try await store.pruneExpired(now: start.addingTimeInterval(61), limit: 100) == 31)
    }
}
