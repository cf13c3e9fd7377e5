import Cloakroom
import Foundation

/// The conformance suite every ``Cloakroom/RepairJournalStore`` must pass: entries read back in
/// order, replaced entries renumbered, removal by number, a user's latest "end all" kept.
///
/// ```swift
/// @Test(arguments: RepairJournalConformance.Check.allCases)
/// func repairs(_ check: RepairJournalConformance.Check) async throws {
///     try await RepairJournalConformance.run(check) { MyStore(...) }
/// }
/// ```
public enum RepairJournalConformance {
    /// Makes a fresh, empty store for one check.
    public typealias StoreFactory = @Sendable () async throws -> any RepairJournalStore

    /// One property of the shared repair journal contract.
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case entriesComeBackInOrder
        case recordingAgainRenumbers
        case removalLeavesNewerAndOtherEntries
        case latestEndAllOfAUserWins
        case limitIsRespected
        case concurrentRecordsGetDistinctNumbers

        /// The check's name.
        public var description: String { rawValue }
    }

    /// Runs every check.
    public static func run(makeStore: @escaping StoreFactory) async throws {
        for check in Check.allCases { try await run(check, makeStore: makeStore) }
    }

    /// Runs one check against a fresh store.
    public static func run(_ check: Check, makeStore: @escaping StoreFactory) async throws {
        let store = try await makeStore()
        try await store.withRunning {
            try await RepairJournalChecks(check: check, store: store).run()
        }
    }
}

/// The checks themselves.
struct RepairJournalChecks {
    let check: RepairJournalConformance.Check
    let store: any RepairJournalStore
    /// Whole seconds, which every store keeps exactly.
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceFailure(check: check.rawValue, message: message()) }
    }

    func key() -> SessionKey { SessionID.generate().key }

    func pending() async throws -> [SharedRepair] {
        try await store.pendingRepairs(limit: 1_000)
    }

    func run() async throws {
        try expect(try await pending().isEmpty, "a new store's journal is not empty")
        switch check {
        case .entriesComeBackInOrder: try await entriesComeBackInOrder()
        case .recordingAgainRenumbers: try await recordingAgainRenumbers()
        case .removalLeavesNewerAndOtherEntries: try await removalLeavesNewerAndOtherEntries()
        case .latestEndAllOfAUserWins: try await latestEndAllOfAUserWins()
        case .limitIsRespected: try await limitIsRespected()
        case .concurrentRecordsGetDistinctNumbers: try await concurrentRecordsGetDistinctNumbers()
        }
    }

    func entriesComeBackInOrder() async throws {
        let targets: [SharedRepair.Target] = [
            .session(key()),
            .user("alice", except: key(), since: now),
            .user("bob", except: nil, since: now.addingTimeInterval(5)),
            .session(key()),
        ]
        for target in targets { try await store.recordRepair(target, now: now) }
        let read = try await pending()
        try expect(read.map(\.target) == targets, "read back \(read.map(\.target)), recorded \(targets)")
        try expect(
            zip(read, read.dropFirst()).allSatisfy { $0.sequence < $1.sequence },
            "sequence numbers do not increase: \(read.map(\.sequence))"
        )
    }

    func recordingAgainRenumbers() async throws {
        let first = key()
        let second = key()
        try await store.recordRepair(.session(first), now: now)
        try await store.recordRepair(.session(second), now: now)
        let before = try await pending()
        try await store.recordRepair(.session(first), now: now)
        let after = try await pending()
        try expect(after.count == 2, "recording a key again made \(after.count) entries, expected 2")
        try expect(
            after.map(\.target) == [.session(second), .session(first)],
            "the entry recorded again did not move behind the other"
        )
        try expect(
            after[1].sequence > before.map(\.sequence).max() ?? 0,
            "the entry recorded again kept an old number (\(after[1].sequence))"
        )
    }

    func removalLeavesNewerAndOtherEntries() async throws {
        let replaced = key()
        let kept = key()
        let removed = key()
        for target in [replaced, kept, removed] { try await store.recordRepair(.session(target), now: now) }
        let snapshot = try await pending()
        try await store.recordRepair(.session(replaced), now: now)
        try await store.removeRepairs(snapshot.filter { $0.target != .session(kept) })
        let left = try await pending().map(\.target)
        try expect(
            Set(left) == [.session(replaced), .session(kept)],
            "after removing two entries, one of them replaced since, \(left.count) are left: \(left)"
        )
        try await store.removeRepairs(try await pending())
        try expect(try await pending().isEmpty, "removing every entry left some")
    }

    func latestEndAllOfAUserWins() async throws {
        let later = key()
        try await store.recordRepair(.user("carol", except: later, since: now.addingTimeInterval(10)), now: now)
        try await store.recordRepair(.user("carol", except: key(), since: now), now: now)
        var read = try await pending()
        try expect(
            read.map(\.target) == [.user("carol", except: later, since: now.addingTimeInterval(10))],
            "an earlier end-all recorded last replaced the later one: \(read.map(\.target))"
        )
        try await store.recordRepair(.user("carol", except: nil, since: now.addingTimeInterval(20)), now: now)
        read = try await pending()
        try expect(
            read.map(\.target) == [.user("carol", except: nil, since: now.addingTimeInterval(20))],
            "a later end-all did not replace an earlier one: \(read.map(\.target))"
        )
    }

    func limitIsRespected() async throws {
        var keys: [SessionKey] = []
        for _ in 0..<5 {
            keys.append(key())
            try await store.recordRepair(.session(keys[keys.count - 1]), now: now)
        }
        let page = try await store.pendingRepairs(limit: 2)
        try expect(
            page.map(\.target) == keys.prefix(2).map { .session($0) },
            "a page of 2 gave \(page.count) entries, or not the oldest"
        )
    }

    func concurrentRecordsGetDistinctNumbers() async throws {
        let keys = (0..<50).map { _ in key() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in keys { group.addTask { try await store.recordRepair(.session(key), now: now) } }
            try await group.waitForAll()
        }
        let read = try await pending()
        try expect(Set(read.map(\.target)) == Set(keys.map { .session($0) }), "\(read.count) of 50 entries read back")
        try expect(Set(read.map(\.sequence)).count == 50, "entries recorded at once share sequence numbers")
    }
}
