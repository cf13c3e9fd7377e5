import CloakroomTesting
import Foundation
import MetricsTestKit
import Synchronization
import Testing

@testable import Cloakroom

@Suite("Writers of one session in one process")
struct SessionWriteQueueTests {
    @Test("concurrent updates and record changes of one session each save on the first attempt")
    func concurrentWritersDoNotRace() async throws {
        let metrics = TestMetrics()
        let store = MemorySessionStore()
        let manager = try SessionManager(store: store, metricsFactory: metrics)
        let issued = try await manager.create(data: ["start": true])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<32 {
                group.addTask {
                    _ = try await manager.update(issued.id, changes: SessionChanges(set: ["w\(writer)": .number(1)]))
                }
            }
            for writer in 0..<8 {
                group.addTask {
                    _ = try await manager.changeRecord(issued.id.key, recordingActivity: false) { record, _ in
                        record.metadata.device = "writer \(writer)"
                        return .save(())
                    }
                }
            }
            try await group.waitForAll()
        }
        let session = try #require(try await manager.resume(issued.id))
        #expect(session.data.values.count == 33)
        #expect(session.version == 41)
        let compareAndSets = try metrics.expectCounter(
            "cloakroom_store_calls_total",
            [("store", store.name), ("operation", "compare_and_set"), ("outcome", "ok")]
        ).totalValue
        #expect(compareAndSets == 40, "every lost compare-and-set is a wasted load, decode and encode")
    }

    @Test("writers of one session run one at a time, in the order they came")
    func turnsAreExclusiveAndInOrder() async throws {
        let queue = SessionWriteQueue()
        let key = SessionID.generate().key
        let gate = Gate()
        let order = Recorder()
        let first = Task {
            try await queue.withTurn(for: key) {
                order.append(0)
                await gate.wait()
            }
        }
        try await waitUntil { order.count == 1 }
        var others: [Task<Void, any Error>] = []
        for writer in 1...5 {
            others.append(Task { try await queue.withTurn(for: key) { order.append(writer) } })
            try await waitUntil { queue.waitingCount(for: key) == writer }
        }
        #expect(order.values == [0], "nobody runs while the first writer holds the turn")
        gate.open()
        try await first.value
        for other in others { try await other.value }
        #expect(order.values == [0, 1, 2, 3, 4, 5])
        #expect(queue.waitingCount(for: key) == 0)
    }

    @Test("a cancelled waiter leaves the line and the writers behind it still get their turn")
    func cancelledWaiterLeavesTheLine() async throws {
        let queue = SessionWriteQueue()
        let key = SessionID.generate().key
        let gate = Gate()
        let first = Task { try await queue.withTurn(for: key) { await gate.wait() } }
        try await waitUntil { queue.isBusy(key) }
        let cancelled = Task { try await queue.withTurn(for: key) { Issue.record("a cancelled waiter ran") } }
        try await waitUntil { queue.waitingCount(for: key) == 1 }
        let last = Task { try await queue.withTurn(for: key) { 7 } }
        try await waitUntil { queue.waitingCount(for: key) == 2 }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(queue.waitingCount(for: key) == 1)
        gate.open()
        try await first.value
        #expect(try await last.value == 7)
        #expect(!queue.isBusy(key))
    }

    @Test("writers of different sessions do not wait for each other")
    func differentSessionsRunSideBySide() async throws {
        let queue = SessionWriteQueue()
        let gate = Gate()
        let held = SessionID.generate().key
        let first = Task { try await queue.withTurn(for: held) { await gate.wait() } }
        try await waitUntil { queue.isBusy(held) }
        let other = try await queue.withTurn(for: SessionID.generate().key) { "done" }
        #expect(other == "done")
        gate.open()
        try await first.value
    }

    /// Polls `condition` for up to five seconds.
    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<5000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("condition not reached within 5 s")
    }
}

/// A one-shot gate that tasks wait at until it opens.
private final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    var isOpen: Bool { state.withLock { $0.open } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// The order in which writers ran.
private final class Recorder: Sendable {
    private let state = Mutex<[Int]>([])
    var values: [Int] { state.withLock { $0 } }
    var count: Int { values.count }
    func append(_ value: Int) { state.withLock { $0.append(value) } }
}
