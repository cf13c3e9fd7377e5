import Cloakroom
import CloakroomTesting
import Foundation
import Testing

@Suite("Circuit breaker")
struct CircuitBreakerTests {
    let clock = ManualClock()
    var breaker = CircuitBreaker(configuration: .init(failureThreshold: 3, coolDown: .seconds(2)))

    @Test mutating func opensAfterThresholdConsecutiveFailures() {
        let answer1 = breaker.recordFailure(now: clock.monotonicNow)
        #expect(answer1 == nil)
        let answer2 = breaker.recordFailure(now: clock.monotonicNow)
        #expect(answer2 == nil)
        let answer3 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(answer3)
        let answer4 = breaker.recordFailure(now: clock.monotonicNow)
        #expect(answer4 == .opened)
        #expect(!breaker.isClosed)
        let answer5 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(!answer5)
    }

    @Test mutating func successResetsTheFailureCount() {
        _ = breaker.recordFailure(now: clock.monotonicNow)
        _ = breaker.recordFailure(now: clock.monotonicNow)
        let answer6 = breaker.recordSuccess()
        #expect(answer6 == nil)
        _ = breaker.recordFailure(now: clock.monotonicNow)
        _ = breaker.recordFailure(now: clock.monotonicNow)
        #expect(breaker.isClosed, "failures that are not consecutive do not open the breaker")
    }

    @Test mutating func refusesDuringCoolDownThenLetsOneProbeThrough() {
        for _ in 0..<3 { _ = breaker.recordFailure(now: clock.monotonicNow) }
        clock.advance(by: .milliseconds(1999))
        let answer7 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(!answer7)
        clock.advance(by: .milliseconds(1))
        let answer8 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(answer8, "the first caller after the cool-down is the probe")
        #expect(breaker.state == .halfOpen(probing: true))
        let answer9 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(!answer9, "only one probe at a time")
    }

    @Test mutating func aSuccessfulProbeCloses() {
        for _ in 0..<3 { _ = breaker.recordFailure(now: clock.monotonicNow) }
        clock.advance(by: .seconds(2))
        let answer10 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(answer10)
        let answer11 = breaker.recordSuccess()
        #expect(answer11 == .closed)
        #expect(breaker.state == .closed(failures: 0))
        let answer12 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(answer12)
    }

    @Test mutating func aFailedProbeOpensForAnotherCoolDown() {
        for _ in 0..<3 { _ = breaker.recordFailure(now: clock.monotonicNow) }
        clock.advance(by: .seconds(2))
        let answer13 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(answer13)
        let answer14 = breaker.recordFailure(now: clock.monotonicNow)
        #expect(answer14 == nil, "still open: no new transition to report")
        let answer15 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(!answer15)
        clock.advance(by: .seconds(2))
        let answer16 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(answer16)
    }

    @Test mutating func lateFailuresDoNotExtendTheCoolDown() {
        for _ in 0..<3 { _ = breaker.recordFailure(now: clock.monotonicNow) }
        clock.advance(by: .seconds(1))
        // A call that started before the breaker opened fails late.
        let answer17 = breaker.recordFailure(now: clock.monotonicNow)
        #expect(answer17 == nil)
        clock.advance(by: .seconds(1))
        let answer18 = breaker.permitsCall(now: clock.monotonicNow)
        #expect(answer18)
    }
}

@Suite("Repair journal")
struct RepairJournalTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func record(user: String? = nil, createdAt: Date) -> StoredSession {
        StoredSession(
            key: SessionID.generate().key,
            userID: user,
            payload: [],
            metadata: SessionMetadata(createdAt: createdAt, lastSeenAt: createdAt),
            idleDeadline: createdAt.addingTimeInterval(600),
            absoluteDeadline: createdAt.addingTimeInterval(3600),
            version: 1
        )
    }

    @Test func distrustsJournaledKeysAndOlderRecordsOfJournaledUsers() {
        var journal = RepairJournal()
        let changed = record(createdAt: now)
        let kept = record(user: "alice", createdAt: now.addingTimeInterval(-10))
        let older = record(user: "alice", createdAt: now.addingTimeInterval(-5))
        let newer = record(user: "alice", createdAt: now.addingTimeInterval(5))
        journal.add(changed.key)
        journal.add(user: "alice", except: kept.key, now: now)
        #expect(journal.distrusts(changed.key) && journal.distrusts(changed))
        #expect(journal.distrusts(older))
        #expect(!journal.distrusts(kept), "the session that ended the others is kept")
        #expect(!journal.distrusts(newer), "a session created after the end is not suspect")
        #expect(!journal.distrusts(record(user: "bob", createdAt: now)))
    }

    @Test func appliedEntriesLeaveButEntriesAddedMeanwhileStay() {
        var journal = RepairJournal()
        let first = SessionID.generate().key
        let second = SessionID.generate().key
        journal.add(first)
        journal.add(second)
        let pending = journal.pending
        journal.add(second)  // missed again while the repair ran
        journal.markApplied(pending)
        #expect(!journal.distrusts(first))
        #expect(journal.distrusts(second))
        journal.markApplied(journal.pending)
        #expect(journal.isEmpty)
    }

    @Test func overflowAsksForAClearThatCountsOnlyIfNothingWasMissedDuringIt() {
        var journal = RepairJournal(capacity: 2)
        journal.add(SessionID.generate().key)
        journal.add(SessionID.generate().key)
        #expect(!journal.overflowed)
        journal.add(SessionID.generate().key)
        #expect(journal.overflowed)
        #expect(journal.distrusts(SessionID.generate().key), "after an overflow nothing is trusted")
        let clear = journal.pending
        #expect(clear.clearAll)
        journal.add(SessionID.generate().key)  // missed while clearing
        journal.markApplied(clear)
        #expect(journal.overflowed)
        journal.markApplied(journal.pending)
        #expect(journal.isEmpty)
    }
}
