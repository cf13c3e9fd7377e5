import Synchronization

/// Runs `body` and gives up after `timeout`, even when `body` does not react to cancellation.
///
/// A task group would wait for a child that ignores cancellation (a query stuck on a connection
/// to a server that vanished), holding the request far past its timeout. Here the body runs in a
/// task of its own: on timeout it is cancelled and left to end in the background while the caller
/// gets `onTimeout()` at once.
func withDeadline<T: Sendable>(
    _ timeout: Duration,
    onTimeout: @escaping @Sendable () -> any Error,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let work = Task { try await body() }
    let waiter = Waiter<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            waiter.set(continuation)
            let timer = Task {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                work.cancel()
                waiter.resume(with: .failure(onTimeout()))
            }
            Task {
                let result = await work.result
                timer.cancel()
                waiter.resume(with: result)
            }
        }
    } onCancel: {
        work.cancel()
    }
}

/// The caller's continuation, resumed by whichever of the body and the timer ends first.
private final class Waiter<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func set(_ new: CheckedContinuation<T, any Error>) {
        continuation.withLock { $0 = new }
    }

    func resume(with result: Result<T, any Error>) {
        let waiting = continuation.withLock { current in
            defer { current = nil }
            return current
        }
        waiting?.resume(with: result)
    }
}
