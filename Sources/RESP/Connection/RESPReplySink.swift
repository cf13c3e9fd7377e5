import NIOCore

/// Where a request's replies go: the waiting caller's continuation, resumed straight from the
/// event loop, or a promise (the handshake, and tests on an embedded channel).
///
/// A continuation spares each command a promise, its future and the callback that `get()`
/// registers on it. The command handler's state machine completes every request exactly once.
enum RESPReplySink: Sendable {
    case continuation(UnsafeContinuation<[RESPValue], any Error>)
    case promise(EventLoopPromise<[RESPValue]>)

    /// Hands the replies to the caller.
    func succeed(_ replies: [RESPValue]) {
        switch self {
        case .continuation(let continuation): continuation.resume(returning: replies)
        case .promise(let promise): promise.succeed(replies)
        }
    }

    /// Fails the caller with `error`.
    func fail(_ error: any Error) {
        switch self {
        case .continuation(let continuation): continuation.resume(throwing: error)
        case .promise(let promise): promise.fail(error)
        }
    }
}
