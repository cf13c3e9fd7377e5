import Cloakroom
import Foundation

/// The conformance suite every ``Cloakroom/SessionStore`` must pass, in this repository or outside.
///
/// Run all of it with one call from any test framework:
///
/// ```swift
/// @Test func conformance() async throws {
///     try await StoreConformance.run { MyStore(...) }
/// }
/// ```
///
/// or one check per test case, to see each result on its own:
///
/// ```swift
/// @Test(arguments: StoreConformance.Check.allCases)
/// func conformance(_ check: StoreConformance.Check) async throws {
///     try await StoreConformance.run(check) { MyStore(...) }
/// }
/// ```
///
/// Each check gets a fresh store from the factory and throws ``ConformanceFailure`` on the first
/// broken expectation. Give `corrupt` a way to overwrite a record's stored bytes with garbage to
/// also check that unreadable bytes give an error rather than a crash.
public enum StoreConformance {
    /// Makes a fresh, empty store for one check.
    public typealias StoreFactory = @Sendable () async throws -> any SessionStore
    /// Overwrites the stored bytes of the record with this key with something unreadable.
    public typealias Corrupter = @Sendable (any SessionStore, SessionKey) async throws -> Void

    /// One property of the store contract.
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case insertAndLoad
        case insertRejectsLiveDuplicate
        case expiredRecordsAreNeverReturned
        case compareAndSet
        case touchExtendsWithoutWriting
        case delete
        case userIndexListsExactlyTheLive
        case deleteAllOfUser
        case userLimitInTheSameStep
        case pruneInBoundedBatches
        case count
        case exportWalksEveryLiveRecord
        case bulkLoadAndInsert
        case concurrentUpdatesLoseNothing
        case concurrentIncrementsWithVersionChecks
        case largeValues
        case unicodeAndOddUserIDs
        case corruptBytesGiveAnError
        case managerLifecycle
        case health

        /// The check's name.
        public var description: String { rawValue }
    }

    /// Runs every check against fresh stores from `makeStore`.
    public static func run(corrupt: Corrupter? = nil, makeStore: @escaping StoreFactory) async throws {
        for check in Check.allCases {
            try await run(check, corrupt: corrupt, makeStore: makeStore)
        }
    }

    /// Runs one check against a fresh store from `makeStore`, running the store (its
    /// `run()`) meanwhile and closing it afterwards.
    public static func run(_ check: Check, corrupt: Corrupter? = nil, makeStore: @escaping StoreFactory)
        async throws
    {
        let store = try await makeStore()
        try await store.withRunning {
            try await Context(check: check, store: store, clock: ManualClock()).run(corrupt: corrupt)
        }
    }
}

/// The state of one running check and the checks themselves.
struct Context {
    let check: StoreConformance.Check
    let store: any SessionStore
    let clock: ManualClock

    var now: Date { clock.now }

    func run(corrupt: StoreConformance.Corrupter?) async throws {
        switch check {
        case .insertAndLoad: try await insertAndLoad()
        case .insertRejectsLiveDuplicate: try await insertRejectsLiveDuplicate()
        case .expiredRecordsAreNeverReturned: try await expiredRecordsAreNeverReturned()
        case .compareAndSet: try await compareAndSet()
        case .touchExtendsWithoutWriting: try await touchExtendsWithoutWriting()
        case .delete: try await delete()
        case .userIndexListsExactlyTheLive: try await userIndexListsExactlyTheLive()
        case .deleteAllOfUser: try await deleteAllOfUser()
        case .userLimitInTheSameStep: try await userLimitInTheSameStep()
        case .pruneInBoundedBatches: try await pruneInBoundedBatches()
        case .count: try await count()
        case .exportWalksEveryLiveRecord: try await exportWalksEveryLiveRecord()
        case .bulkLoadAndInsert: try await bulkLoadAndInsert()
        case .concurrentUpdatesLoseNothing: try await concurrentUpdatesLoseNothing()
        case .concurrentIncrementsWithVersionChecks: try await concurrentIncrementsWithVersionChecks()
        case .largeValues: try await largeValues()
        case .unicodeAndOddUserIDs: try await unicodeAndOddUserIDs()
        case .corruptBytesGiveAnError: try await corruptBytesGiveAnError(corrupt: corrupt)
        case .managerLifecycle: try await managerLifecycle()
        case .health: try await health()
        }
    }

    // MARK: Helpers

    func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceFailure(check: check.rawValue, message: message()) }
    }

    func record(
        id: SessionID = SessionID.generate(),
        user: String? = nil,
        payload: [UInt8] = [0, UInt8(ascii: "{"), UInt8(ascii: "}")],
        idle: TimeInterval = 600,
        absolute: TimeInterval = 3600,
        version: UInt64 = 1
    ) -> StoredSession {
        StoredSession(
            key: id.key,
            userID: user,
            payload: payload,
            metadata: SessionMetadata(createdAt: now, lastSeenAt: now, ip: "192.0.2.1", userAgent: "conformance"),
            idleDeadline: now.addingTimeInterval(idle),
            absoluteDeadline: now.addingTimeInterval(absolute),
            version: version
        )
    }

    /// Times may be kept at reduced precision by a store; a millisecond is the contract.
    func same(_ a: Date, _ b: Date) -> Bool { abs(a.timeIntervalSince(b)) < 0.001 }

    func same(_ a: StoredSession?, _ b: StoredSession) -> Bool {
        guard let a else { return false }
        return a.key == b.key && a.userID == b.userID && a.payload == b.payload && a.version == b.version
            && same(a.idleDeadline, b.idleDeadline) && same(a.absoluteDeadline, b.absoluteDeadline)
            && same(a.metadata.createdAt, b.metadata.createdAt) && same(a.metadata.lastSeenAt, b.metadata.lastSeenAt)
            && a.metadata.ip == b.metadata.ip && a.metadata.userAgent == b.metadata.userAgent
            && a.metadata.tokens == b.metadata.tokens
    }

    func manager(cipher: SessionCipher = .plaintext, policy: SessionPolicy = SessionPolicy()) throws -> SessionManager {
        try SessionManager(store: store, policy: policy, cipher: cipher, clock: clock)
    }

    // MARK: Checks

    func insertAndLoad() async throws {
        let session = record(user: "alice")
        try await store.insert(session, now: now)
        let loaded = try await store.load(session.key, now: now)
        try expect(same(loaded, session), "load returned \(String(describing: loaded)) instead of what was inserted")
        let missing = try await store.load(SessionID.generate().key, now: now)
        try expect(missing == nil, "load of a key never inserted returned a record")
        let anonymous = record()
        try await store.insert(anonymous, now: now)
        try expect(same(try await store.load(anonymous.key, now: now), anonymous), "an anonymous record did not load")
    }

    func insertRejectsLiveDuplicate() async throws {
        let session = record()
        try await store.insert(session, now: now)
        do {
            try await store.insert(session, now: now)
            try expect(false, "inserting a live key twice succeeded")
        } catch let error as CloakroomError {
            try expect(error.code == .duplicateKey, "a duplicate insert failed with \(error.code), not duplicateKey")
        }
        let short = record(idle: 5)
        try await store.insert(short, now: now)
        clock.advance(by: .seconds(10))
        var replacement = short
        replacement.idleDeadline = now.addingTimeInterval(60)
        replacement.version = 7
        try await store.insert(replacement, now: now)
        try expect(
            try await store.load(short.key, now: now)?.version == 7,
            "inserting over an expired record with the same key did not replace it"
        )
    }

    func expiredRecordsAreNeverReturned() async throws {
        let idle = record(user: "bob", idle: 10, absolute: 100)
        let absolute = record(user: "bob", idle: 100, absolute: 20)
        let live = record(user: "bob", idle: 1000, absolute: 1000)
        for session in [idle, absolute, live] { try await store.insert(session, now: now) }

        clock.advance(by: .seconds(10))  // exactly at the idle deadline: dead
        try expect(try await store.load(idle.key, now: now) == nil, "a record at its idle deadline was returned")
        clock.advance(by: .seconds(10))
        try expect(
            try await store.load(absolute.key, now: now) == nil,
            "a record at its absolute deadline was returned"
        )
        let listed = try await store.sessions(ofUser: "bob", now: now).map(\.key)
        try expect(listed == [live.key], "listing returned \(listed.count) records; expected only the live one")
        try expect(try await store.count(now: now) == 1, "count included expired records")
        var changed = idle
        changed.version = 2
        try expect(
            try await !store.compareAndSet(changed, expectedVersion: 1, now: now),
            "compare-and-set revived an expired record"
        )
        try expect(
            try await !store.touch(idle.key, lastSeenAt: now, idleDeadline: now.addingTimeInterval(600), now: now),
            "touch revived an expired record"
        )
        try expect(try await store.load(idle.key, now: now) == nil, "an expired record came back after touch or CAS")
        try expect(try await !store.delete(absolute.key, now: now), "delete reported an expired record as live")
    }

    func compareAndSet() async throws {
        let session = record(user: "carol")
        try await store.insert(session, now: now)
        var next = session
        next.payload = [0] + Array(#"{"a":1}"#.utf8)
        next.version = 2
        try expect(
            try await store.compareAndSet(next, expectedVersion: 1, now: now),
            "CAS with the right version failed"
        )
        try expect(same(try await store.load(session.key, now: now), next), "CAS did not store the new record")

        var stale = session
        stale.payload = [0] + Array(#"{"b":2}"#.utf8)
        stale.version = 2
        try expect(
            try await !store.compareAndSet(stale, expectedVersion: 1, now: now),
            "CAS with a stale version succeeded"
        )
        try expect(same(try await store.load(session.key, now: now), next), "a failed CAS changed the record")

        let missing = record()
        try expect(
            try await !store.compareAndSet(missing, expectedVersion: 1, now: now),
            "CAS created a missing record"
        )
        try expect(try await store.load(missing.key, now: now) == nil, "a failed CAS left a record behind")

        var moved = next
        moved.userID = "dave"
        moved.version = 3
        try expect(
            try await store.compareAndSet(moved, expectedVersion: 2, now: now),
            "CAS that changes the user failed"
        )
        try expect(
            try await store.sessions(ofUser: "carol", now: now).isEmpty,
            "the old user still lists a moved record"
        )
        try expect(
            try await store.sessions(ofUser: "dave", now: now).map(\.key) == [session.key],
            "the new user does not list a moved record"
        )

        // Token state rides in the metadata: a store must keep it exactly, and drop it when unset.
        var withTokens = moved
        withTokens.version = 4
        withTokens.metadata.tokens = SessionTokenState(
            refreshChains: [
                RefreshChain(
                    current: Data(repeating: 7, count: 32),
                    previous: Data(repeating: 8, count: 32),
                    sealedSuccessor: Data(repeating: 9, count: 60),
                    rotatedAt: now,
                    spent: Data(repeating: 1, count: 16),
                    rotations: 3,
                    createdAt: now.addingTimeInterval(-60)
                )
            ],
            revokedTokenIDs: ["jti-1": now.addingTimeInterval(900)]
        )
        try expect(
            try await store.compareAndSet(withTokens, expectedVersion: 3, now: now),
            "CAS with token state failed"
        )
        try expect(
            same(try await store.load(session.key, now: now), withTokens),
            "the token state did not come back as written"
        )
        var withoutTokens = withTokens
        withoutTokens.version = 5
        withoutTokens.metadata.tokens = nil
        try expect(
            try await store.compareAndSet(withoutTokens, expectedVersion: 4, now: now),
            "CAS clearing token state failed"
        )
        try expect(
            try await store.load(session.key, now: now)?.metadata.tokens == nil,
            "cleared token state came back"
        )
    }

    func touchExtendsWithoutWriting() async throws {
        let session = record(user: "erin", idle: 60, absolute: 3600)
        try await store.insert(session, now: now)
        clock.advance(by: .seconds(30))
        let later = now.addingTimeInterval(60)
        try expect(
            try await store.touch(session.key, lastSeenAt: now, idleDeadline: later, now: now),
            "touch of a live record returned false"
        )
        let touched = try await store.load(session.key, now: now)
        try expect(touched.map { same($0.idleDeadline, later) } == true, "touch did not move the idle deadline")
        try expect(touched.map { same($0.metadata.lastSeenAt, now) } == true, "touch did not record last seen")
        try expect(touched?.version == session.version, "touch changed the version")
        try expect(touched?.payload == session.payload, "touch changed the data")

        try expect(
            try await store.touch(session.key, lastSeenAt: now, idleDeadline: now.addingTimeInterval(1), now: now),
            "a second touch returned false"
        )
        let again = try await store.load(session.key, now: now)
        try expect(again.map { same($0.idleDeadline, later) } == true, "touch moved the idle deadline earlier")
        clock.advance(by: .seconds(45))
        try expect(try await store.load(session.key, now: now) != nil, "a touched record died at its old deadline")
        try expect(
            try await !store.touch(SessionID.generate().key, lastSeenAt: now, idleDeadline: later, now: now),
            "touch of a missing key returned true"
        )
    }

    func delete() async throws {
        let session = record(user: "frank")
        try await store.insert(session, now: now)
        try expect(try await store.delete(session.key, now: now), "delete of a live record returned false")
        try expect(try await store.load(session.key, now: now) == nil, "a deleted record still loads")
        try expect(try await store.sessions(ofUser: "frank", now: now).isEmpty, "a deleted record is still listed")
        try expect(try await !store.delete(session.key, now: now), "a second delete returned true")
    }

    func userIndexListsExactlyTheLive() async throws {
        var expected: [String: Set<SessionKey>] = [:]
        for index in 0..<12 {
            let user = "user-\(index % 3)"
            let session = record(user: user, idle: index % 4 == 0 ? 5 : 600)
            try await store.insert(session, now: now)
            if index % 4 != 0 { expected[user, default: []].insert(session.key) }
        }
        try await store.insert(record(), now: now)
        clock.advance(by: .seconds(6))
        for user in ["user-0", "user-1", "user-2"] {
            let listed = Set(try await store.sessions(ofUser: user, now: now).map(\.key))
            try expect(
                listed == expected[user, default: []],
                "\(user) listed \(listed.count) records, expected \(expected[user, default: []].count)"
            )
            for key in listed {
                try expect(try await store.load(key, now: now) != nil, "\(user) lists a record that does not load")
            }
        }
        try expect(try await store.sessions(ofUser: "nobody", now: now).isEmpty, "an unknown user lists records")
    }

    func userLimitInTheSameStep() async throws {
        let endOldest = UserSessionLimit(maximum: 2, overflow: .endLeastRecentlyUsed)
        var oldest = record(user: "ivan")
        oldest.metadata.lastSeenAt = now.addingTimeInterval(-30)
        var older = record(user: "ivan")
        older.metadata.lastSeenAt = now.addingTimeInterval(-10)
        let dead = record(user: "ivan", idle: 5)
        let others = record(user: "judy")
        try await store.insert(dead, now: now)
        try await store.insert(others, now: now)
        clock.advance(by: .seconds(6))
        for session in [oldest, older] {
            let ended = try await store.insert(session, within: endOldest, now: now)
            try expect(ended.isEmpty, "an insert with room under the limit ended \(ended.count) sessions")
        }
        let newest = record(user: "ivan")
        let ended = try await store.insert(newest, within: endOldest, now: now)
        try expect(ended == [oldest.key], "a full user did not end exactly the least recently used session")
        try expect(
            Set(try await store.sessions(ofUser: "ivan", now: now).map(\.key)) == [older.key, newest.key],
            "after making room the user does not list exactly the two newest sessions"
        )
        try expect(try await store.load(others.key, now: now) != nil, "making room ended another user's session")

        do {
            _ = try await store.insert(newest, within: endOldest, now: now)
            try expect(false, "inserting a live key twice under a limit succeeded")
        } catch let error as CloakroomError {
            try expect(error.code == .duplicateKey, "a duplicate insert failed with \(error.code), not duplicateKey")
        }
        try expect(try await store.load(older.key, now: now) != nil, "a refused duplicate insert ended a session")

        let refuse = UserSessionLimit(maximum: 2, overflow: .refuse)
        let refused = record(user: "ivan")
        do {
            _ = try await store.insert(refused, within: refuse, now: now)
            try expect(false, "a full user's insert under a refusing limit succeeded")
        } catch let error as CloakroomError {
            try expect(
                error.code == .tooManySessions,
                "a refused insert failed with \(error.code), not tooManySessions"
            )
        }
        try expect(try await store.load(refused.key, now: now) == nil, "a refused insert was stored")
        try expect(try await store.sessions(ofUser: "ivan", now: now).count == 2, "a refused insert ended a session")

        let anonymous = record()
        try expect(
            try await store.insert(anonymous, within: refuse, now: now).isEmpty,
            "an anonymous insert ended sessions"
        )
        try expect(try await store.load(anonymous.key, now: now) != nil, "an anonymous insert under a limit was lost")

        // Racing inserts for one user: the limit holds, and every one either fits or is refused.
        let racers = 12
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<racers {
                let session = record(user: "karl")
                group.addTask {
                    do {
                        _ = try await store.insert(
                            session,
                            within: UserSessionLimit(maximum: 3, overflow: .refuse),
                            now: now
                        )
                        return true
                    } catch let error as CloakroomError where error.code == .tooManySessions {
                        return false
                    }
                }
            }
            var accepted = 0
            for try await fitted in group where fitted { accepted += 1 }
            return accepted
        }
        try expect(accepted == 3, "\(accepted) of \(racers) racing inserts passed a refusing limit of 3")
        let evicting = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<racers {
                let session = record(user: "karl")
                group.addTask {
                    try await store.insert(
                        session,
                        within: UserSessionLimit(maximum: 3, overflow: .endLeastRecentlyUsed),
                        now: now
                    )
                    .count
                }
            }
            var ended = 0
            for try await count in group { ended += count }
            return ended
        }
        let left = try await store.sessions(ofUser: "karl", now: now).count
        try expect(left == 3, "\(left) sessions left after \(racers) racing inserts under a limit of 3")
        try expect(evicting == racers, "racing inserts reported \(evicting) ended sessions; expected \(racers)")
    }

    func deleteAllOfUser() async throws {
        var keys: [SessionKey] = []
        for _ in 0..<5 {
            let session = record(user: "grace")
            try await store.insert(session, now: now)
            keys.append(session.key)
        }
        let expiring = record(user: "grace", idle: 5)
        try await store.insert(expiring, now: now)
        let other = record(user: "heidi")
        try await store.insert(other, now: now)
        clock.advance(by: .seconds(6))

        let ended = try await store.deleteAll(ofUser: "grace", except: keys[2], now: now)
        try expect(ended == 4, "deleteAll reported \(ended) ended; expected the 4 live ones besides the kept one")
        try expect(
            try await store.sessions(ofUser: "grace", now: now).map(\.key) == [keys[2]],
            "after deleteAll the user does not list exactly the kept session"
        )
        try expect(try await store.load(keys[0], now: now) == nil, "a session survived deleteAll")
        try expect(try await store.load(other.key, now: now) != nil, "deleteAll touched another user's session")
        try expect(
            try await store.deleteAll(ofUser: "grace", except: nil, now: now) == 1,
            "deleteAll without except did not end the kept one"
        )
        try expect(
            try await store.deleteAll(ofUser: "grace", except: nil, now: now) == 0,
            "deleteAll of nothing reported some"
        )
    }

    func pruneInBoundedBatches() async throws {
        for _ in 0..<25 { try await store.insert(record(user: "ivan", idle: 5), now: now) }
        let live = record(user: "ivan", idle: 600)
        try await store.insert(live, now: now)
        clock.advance(by: .seconds(6))
        var batches: [Int] = []
        for _ in 0..<4 { batches.append(try await store.pruneExpired(now: now, limit: 10)) }
        try expect(batches == [10, 10, 5, 0], "prune batches were \(batches), expected [10, 10, 5, 0]")
        try expect(try await store.load(live.key, now: now) != nil, "pruning removed a live record")
        try expect(
            try await store.sessions(ofUser: "ivan", now: now).map(\.key) == [live.key],
            "after pruning the index is wrong"
        )
    }

    func count() async throws {
        try expect(try await store.count(now: now) == 0, "a fresh store does not count 0")
        for index in 0..<7 {
            try await store.insert(
                record(user: index.isMultiple(of: 2) ? "judy" : nil, idle: index < 3 ? 5 : 600),
                now: now
            )
        }
        try expect(try await store.count(now: now) == 7, "count is not 7 after 7 inserts")
        clock.advance(by: .seconds(6))
        try expect(try await store.count(now: now) == 4, "count is not 4 after 3 expired")
    }

    /// For stores that can export (``Cloakroom/SessionStoreExport``): a walk in small batches
    /// returns every live record, whole, and no expired one.
    func exportWalksEveryLiveRecord() async throws {
        guard let exporter = store as? any SessionStoreExport else { return }
        var live: [SessionKey: StoredSession] = [:]
        for index in 0..<23 {
            let session = record(user: index.isMultiple(of: 3) ? "olga" : nil, idle: index < 5 ? 5 : 600)
            try await store.insert(session, now: now)
            if index >= 5 { live[session.key] = session }
        }
        clock.advance(by: .seconds(6))
        var seen: [SessionKey: StoredSession] = [:]
        var cursor: String?
        var batches = 0
        repeat {
            let batch = try await exporter.exportRecords(after: cursor, limit: 4, now: now)
            for session in batch.records { seen[session.key] = session }
            cursor = batch.nextCursor
            batches += 1
            try expect(batches < 1000, "the export never ends (cursor \(cursor ?? "nil"))")
        } while cursor != nil
        try expect(Set(seen.keys) == Set(live.keys), "the export returned \(seen.count) records, not the 18 live ones")
        for (key, session) in live {
            try expect(same(seen[key], session), "the export changed record \(key.handle)")
        }
    }

    /// Loading and inserting many at once behave like one at a time.
    func bulkLoadAndInsert() async throws {
        let live = (0..<30).map { index in record(user: index.isMultiple(of: 2) ? "pat" : nil) }
        let dying = record(idle: 5)
        for session in live.prefix(10) + [dying] { try await store.insert(session, now: now) }
        clock.advance(by: .seconds(6))
        var replacement = dying
        replacement.idleDeadline = now.addingTimeInterval(600)
        replacement.version = 7
        var clash = live[0]
        clash.version = 9
        let inserted = try await store.insertNew(Array(live.dropFirst(10)) + [replacement, clash], now: now)
        try expect(
            inserted == Set(live.dropFirst(10).map(\.key) + [dying.key]),
            "insertNew inserted \(inserted.count) records, not the 20 new ones and the one replacing an expired record"
        )
        try expect(
            try await store.load(live[0].key, now: now)?.version == 1,
            "insertNew replaced a live record"
        )
        let missing = record()
        let found = try await store.load(live.map(\.key) + [missing.key, dying.key], now: now)
        try expect(found.count == 31, "a bulk load found \(found.count) of the 31 live records")
        for session in live {
            try expect(same(found[session.key], session), "a bulk load changed \(session.key.handle)")
        }
        try expect(found[dying.key]?.version == 7, "a bulk load did not return the replacement")
        try expect(try await store.sessions(ofUser: "pat", now: now).count == 15, "bulk inserts are not listed by user")
    }

    func concurrentUpdatesLoseNothing() async throws {
        let manager = try manager()
        let issued = try await manager.create(userID: "kim")
        let tasks = 16
        let keysPerTask = 10
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for index in 0..<keysPerTask {
                        _ = try await manager.update(
                            issued.id,
                            changes: SessionChanges(set: ["t\(task)-\(index)": .number(Double(index))])
                        )
                    }
                }
            }
            try await group.waitForAll()
        }
        let session = try await manager.resume(issued.id)
        let count = session?.data.values.count ?? 0
        try expect(count == tasks * keysPerTask, "\(count) of \(tasks * keysPerTask) keys survived concurrent updates")
        try expect(
            session?.version == UInt64(1 + tasks * keysPerTask),
            "version is \(session?.version ?? 0), expected one per write"
        )
    }

    func concurrentIncrementsWithVersionChecks() async throws {
        let manager = try manager()
        let issued = try await manager.create(data: SessionData(["n": 0]))
        let tasks = 8
        let increments = 10
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var done = 0
                    while done < increments {
                        guard let session = try await manager.resume(issued.id),
                            case .number(let n)? = session.data["n"]
                        else { throw CloakroomError(.sessionNotFound, "session vanished") }
                        do {
                            _ = try await manager.update(
                                issued.id,
                                changes: SessionChanges(set: ["n": .number(n + 1)]),
                                ifVersion: session.version
                            )
                            done += 1
                        } catch let error as CloakroomError where error.code == .versionConflict {
                            continue
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await manager.resume(issued.id)?.data["n"]
        try expect(
            final == .number(Double(tasks * increments)),
            "counter is \(String(describing: final)), expected \(tasks * increments)"
        )
    }

    func largeValues() async throws {
        let big = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let session = record(user: "lena", payload: big)
        try await store.insert(session, now: now)
        try expect(try await store.load(session.key, now: now)?.payload == big, "a 1 MiB payload did not round-trip")
        let manager = try manager(policy: SessionPolicy(maximumDataSize: 512 * 1024))
        let text = String(repeating: "ß🙂x", count: 40_000)
        let issued = try await manager.create(data: SessionData(["text": .string(text)]))
        try expect(
            try await manager.resume(issued.id)?.data["text"] == .string(text),
            "a large Unicode value did not round-trip"
        )
    }

    func unicodeAndOddUserIDs() async throws {
        let users = [
            "ünïcødé-🙂", "user/with/slashes", "../../etc/passwd", "a'b\"c;DROP TABLE x;--", "  spaced  ",
            "%2e%2e", "*", "user:1", String(repeating: "長", count: 80), "UPPER", "upper",
        ]
        var keys: [String: SessionKey] = [:]
        for user in users {
            let session = record(user: user)
            try await store.insert(session, now: now)
            keys[user] = session.key
        }
        for user in users {
            let listed = try await store.sessions(ofUser: user, now: now)
            try expect(
                listed.map(\.key) == [keys[user]!],
                "user ID \(user.debugDescription) listed \(listed.count) records, expected 1"
            )
            try expect(listed.first?.userID == user, "user ID \(user.debugDescription) came back changed")
        }
        try expect(
            try await store.deleteAll(ofUser: "upper", except: nil, now: now) == 1,
            "deleteAll of 'upper' did not end exactly one"
        )
        try expect(try await store.sessions(ofUser: "UPPER", now: now).count == 1, "user IDs are not case-sensitive")
    }

    func corruptBytesGiveAnError(corrupt: StoreConformance.Corrupter?) async throws {
        let manager = try manager()
        let garbageID = SessionID.generate()
        try await store.insert(record(id: garbageID, payload: [0x7F, 0x00, 0xFF, 0x13]), now: now)
        let notJSONID = SessionID.generate()
        try await store.insert(record(id: notJSONID, payload: [0x00] + Array("not json".utf8)), now: now)
        for id in [garbageID, notJSONID] {
            do {
                _ = try await manager.resume(id)
                try expect(false, "resuming a session with an unreadable payload succeeded")
            } catch let error as CloakroomError {
                try expect(error.code == .corruptRecord, "an unreadable payload gave \(error.code), not corruptRecord")
            }
        }
        guard let corrupt else { return }
        let session = record(user: "mallory")
        try await store.insert(session, now: now)
        try await corrupt(store, session.key)
        do {
            _ = try await store.load(session.key, now: now)
            try expect(false, "loading corrupted stored bytes succeeded")
        } catch let error as CloakroomError {
            try expect(error.code == .corruptRecord, "corrupted stored bytes gave \(error.code), not corruptRecord")
        }
        let intact = record(user: "mallory")
        try await store.insert(intact, now: now)
        try expect(try await store.load(intact.key, now: now) != nil, "a corrupt record broke its neighbours")
    }

    func managerLifecycle() async throws {
        let cipher = try SessionCipher(keys: [EncryptionKey.generate(id: "k1")])
        let manager = try manager(
            cipher: cipher,
            policy: SessionPolicy(idleTimeout: .seconds(60), touchInterval: .seconds(10))
        )
        let first = try await manager.create(
            userID: "nina",
            data: ["theme": "dark"],
            client: ClientInfo(ip: "203.0.113.9", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
        )
        let second = try await manager.create(userID: "nina")
        try expect(
            try await manager.resume(first.id)?.data["theme"] == "dark",
            "a created session did not resume with its data"
        )
        try expect(
            try await manager.resume(first.id)?.metadata.device == "Firefox on Linux",
            "the device label was not derived"
        )
        let stored = try await store.load(first.id.key, now: now)
        try expect(
            stored.map { !String(decoding: $0.payload, as: UTF8.self).contains("dark") } == true,
            "encrypted data is readable in the store"
        )

        let updated = try await manager.update(
            first.id,
            changes: SessionChanges(set: ["cart": [1, 2]], unset: ["theme"])
        )
        try expect(updated.data.values == ["cart": [1, 2]], "update did not set and unset")
        let rotated = try await manager.rotate(first.id)
        try expect(try await manager.resume(first.id) == nil, "the old ID still resumes after rotation")
        try expect(try await manager.resume(rotated.id)?.data["cart"] == [1, 2], "rotation lost the data")

        clock.advance(by: .seconds(50))
        _ = try await manager.resume(rotated.id)  // touches: idle deadline moves to +110s
        clock.advance(by: .seconds(50))
        try expect(try await manager.resume(rotated.id) != nil, "a session used within its idle timeout expired")
        try expect(try await manager.resume(second.id) == nil, "an idle session outlived its idle timeout")

        let listed = try await manager.sessions(ofUser: "nina").map(\.key)
        try expect(listed == [rotated.id.key], "listing shows \(listed.count) sessions, expected the rotated one")
        let third = try await manager.create(userID: "nina")
        try expect(try await manager.endAll(ofUser: "nina", except: third.id) == 1, "endAll did not end the others")
        try expect(try await manager.resume(third.id) != nil, "endAll ended the excepted session")
        try expect(try await manager.end(third.id), "end returned false for a live session")
        try expect(try await manager.resume(third.id) == nil, "an ended session resumes")
    }

    func health() async throws {
        let health = await store.health()
        try expect(health.isHealthy, "a working store reports unhealthy: \(health.detail ?? "")")
    }
}
