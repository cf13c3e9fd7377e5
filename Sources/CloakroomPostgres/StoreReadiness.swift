import Cloakroom
import Synchronization

/// Whether a PostgreSQL store's ``PostgresSessionStore/run()`` has brought the schema up to date,
/// so that calls may use it: calls wait here until it has, and fail once the store has stopped.
///
/// Waiting never blocks a thread: a waiter is a continuation, resumed when the store becomes
/// ready or stops, or failed when the waiting task is cancelled (the call's timeout).
final class StoreReadiness: Sendable {
    private enum Phase {
        /// `run()` has not brought the schema up to date yet; the last attempt's error, if any.
        case starting(lastFailure: String?)
        case ready
        case stopped
    }

    private struct State {
        var phase = Phase.starting(lastFailure: nil)
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Why calls fail once the store has stopped.
    private static let closedReason = "the store is closed; open a new one"
    private static var closed: CloakroomError {
        CloakroomError(.storeUnavailable, "PostgreSQL store: \(closedReason)")
    }

    /// Why calls cannot run now, or `nil` once the store is ready.
    var whyNotReady: String? {
        state.withLock { state in
            switch state.phase {
            case .ready:
                nil
            case .stopped:
                Self.closedReason
            case .starting(lastFailure: let failure?):
                "the schema is not ready yet (last attempt: \(failure))"
            case .starting(lastFailure: nil):
                "the store is not running yet: add it to your ServiceGroup, or call run(), before using it"
            }
        }
    }

    /// Returns once the store is ready.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/storeUnavailable`` when the store has stopped or
    ///   the waiting task is cancelled.
    func wait() async throws {
        let id: UInt64? = try state.withLock { state in
            switch state.phase {
            case .ready: return nil
            case .stopped: throw Self.closed
            case .starting:
                defer { state.nextWaiter += 1 }
                return state.nextWaiter
            }
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    switch state.phase {
                    case .ready: return .success(())
                    case .stopped: return .failure(Self.closed)
                    case .starting:
                        state.waiters[id] = continuation
                        return nil
                    }
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Notes why the last attempt to get ready failed, for calls' error messages.
    func attemptFailed(_ reason: String) {
        state.withLock { state in
            if case .starting = state.phase { state.phase = .starting(lastFailure: reason) }
        }
    }

    /// Lets waiting and later calls through.
    func becomeReady() {
        resumeAll(moving: .ready, with: .success(()))
    }

    /// Fails waiting and later calls.
    func stop() {
        resumeAll(moving: .stopped, with: .failure(Self.closed))
    }

    private func resumeAll(moving phase: Phase, with result: Result<Void, any Error>) {
        let waiters = state.withLock { state in
            if case .stopped = state.phase { return [CheckedContinuation<Void, any Error>]() }
            state.phase = phase
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}
