import Synchronization

/// Lets one writer per session run at a time inside this process, the others waiting in order.
///
/// Compare-and-set keeps writes from being lost, but under many concurrent writers to one
/// session every success makes all other attempts load, decode and encode again for nothing,
/// and an unlucky request can lose for seconds while newer ones win. Queuing the writers of a
/// session in this process turns that into one attempt each, first come first served.
/// Writers in other processes still meet at the store's compare-and-set.
final class SessionWriteQueue: Sendable {
    /// The writers of one session waiting behind the running one, oldest first; a session has a
    /// line exactly while one of its writers runs.
    private struct Line {
        var waiting: [(ticket: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    private struct State {
        var lines: [SessionKey: Line] = [:]
        var nextTicket: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Runs `body` once every writer of `key` that came earlier in this process has finished.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while waiting; whatever `body` throws.
    func withTurn<T>(for key: SessionKey, _ body: () async throws -> T) async throws -> T {
        try await waitForTurn(key)
        defer { endTurn(key) }
        return try await body()
    }

    private func waitForTurn(_ key: SessionKey) async throws {
        let ticket: UInt64? = state.withLock { state in
            if state.lines[key] == nil {
                state.lines[key] = Line()
                return nil
            }
            state.nextTicket += 1
            return state.nextTicket
        }
        guard let ticket else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    // Checked under the lock: a cancellation after this finds the ticket queued.
                    if Task.isCancelled { return true }
                    state.lines[key]?.waiting.append((ticket, continuation))
                    if state.lines[key] == nil {
                        // The running writer finished between the two locks: the turn is ours.
                        state.lines[key] = Line()
                        continuation.resume()
                    }
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let continuation = state.withLock { state in
                guard let index = state.lines[key]?.waiting.firstIndex(where: { $0.ticket == ticket }) else {
                    return CheckedContinuation<Void, any Error>?.none
                }
                return state.lines[key]?.waiting.remove(at: index).continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Whether a writer of `key` runs now.
    func isBusy(_ key: SessionKey) -> Bool {
        state.withLock { $0.lines[key] != nil }
    }

    /// How many writers of `key` wait behind the running one.
    func waitingCount(for key: SessionKey) -> Int {
        state.withLock { $0.lines[key]?.waiting.count ?? 0 }
    }

    private func endTurn(_ key: SessionKey) {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard var line = state.lines[key], !line.waiting.isEmpty else {
                state.lines[key] = nil
                return nil
            }
            let next = line.waiting.removeFirst().continuation
            state.lines[key] = line
            return next
        }
        next?.resume()
    }
}
