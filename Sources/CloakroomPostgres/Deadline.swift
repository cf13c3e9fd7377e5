import NIOCore
import Synchronization

/// Runs `body` and gives up after `timeout`, even when `body` does not react to cancellation.
///
/// A task group would wait for a child that ignores cancellation (a query stuck on a connection
/// to a server that vanished), holding the request far past its timeout. Here the body runs in a
/// task of its own: on timeout it is cancelled and left to end in the background while the caller
/// gets `onTimeout()` at once.
///
/// The deadline is kept by the shared ``DeadlineWatch``, which forgets it as soon as the body
/// answers. A `Task.sleep` that is cancelled instead keeps its task and its dispatch timer until
/// the deadline passes: at a few thousand calls a second with a 5 s timeout, that was most of the
/// heap of `cloakroomd` on Redis in front of PostgreSQL (a heap profile in BENCHMARKS.md).
func withDeadline<T: Sendable>(
    _ timeout: Duration,
    onTimeout: @escaping @Sendable () -> any Error,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let waiter = Waiter<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            waiter.set(continuation)
            let work = Task {
                let result: Result<T, any Error>
                do {
                    result = .success(try await body())
                } catch {
                    result = .failure(error)
                }
                waiter.resume(with: result)
            }
            let watched = DeadlineWatch.shared.watch(until: .now() + TimeAmount(timeout)) {
                work.cancel()
                waiter.resume(with: .failure(onTimeout()))
            }
            waiter.arm(watched, work: work)
        }
    } onCancel: {
        waiter.cancelWork()
    }
}

/// The caller's continuation, resumed by whichever of the body and the timer ends first; the
/// other one is then cancelled.
private final class Waiter<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        /// The call's number in ``DeadlineWatch/shared``.
        var watched: UInt64?
        var work: Task<Void, Never>?
        var resumed = false
        var cancelled = false
    }

    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Keeps the watched deadline and the body's task, unless the body has already answered (then
    /// the deadline is forgotten at once) or the caller was cancelled meanwhile (then the body is
    /// cancelled).
    func arm(_ watched: UInt64, work: Task<Void, Never>) {
        let (forget, cancelWork) = state.withLock { state in
            state.watched = watched
            state.work = work
            return (state.resumed, state.cancelled)
        }
        if forget { DeadlineWatch.shared.forget(watched) }
        if cancelWork { work.cancel() }
    }

    func resume(with result: Result<T, any Error>) {
        let (waiting, watched) = state.withLock { state in
            defer {
                state.continuation = nil
                state.watched = nil
                state.resumed = true
            }
            return (state.continuation, state.watched)
        }
        if let watched { DeadlineWatch.shared.forget(watched) }
        waiting?.resume(with: result)
    }

    func cancelWork() {
        let work = state.withLock { state in
            state.cancelled = true
            return state.work
        }
        work?.cancel()
    }
}
