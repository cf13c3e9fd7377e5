import Synchronization

/// Why a connection closed, as the command handler saw it, shared with the connection: a write
/// on a closed channel only reports "I/O on closed channel", so the connection asks here for the
/// cause (a TLS failure, a timeout, a reset) to give its callers.
final class CloseReason: Sendable {
    private let reason = Mutex<RESPError?>(nil)

    /// The first cause recorded, if any.
    var error: RESPError? { reason.withLock { $0 } }

    /// Records `error` unless a cause is already known.
    func record(_ error: RESPError) {
        reason.withLock { if $0 == nil { $0 = error } }
    }
}
