import Cloakroom
import Dispatch
import GRDBSQLite
import Synchronization

/// A few ``SQLiteConnection``s, each used in place on the caller's thread.
///
/// A call takes an idle connection (opening one while fewer than ``maximumCount`` exist, or
/// waiting, suspended, for one to come back) and runs on the caller's thread with SQLite's busy
/// timeout at zero: SQLite in WAL mode answers a look-up or a one-row write in microseconds,
/// so this holds a cooperative thread no longer than an in-memory store does. When another
/// connection or process holds a lock the call needs, SQLite answers `SQLITE_BUSY` at once,
/// before the call did anything; the call then runs again on a dispatch thread, where waiting up
/// to the store's busy timeout blocks no task.
final class SQLiteConnectionPool: Sendable {
    /// The database file.
    let path: String
    /// Whether the connections refuse writes.
    let readOnly: Bool
    /// At most this many connections are open at once.
    let maximumCount: Int
    /// How long a call that found the database busy waits for its lock on a dispatch thread.
    let busyTimeout: Duration

    private let state = Mutex(State())

    private struct State: ~Copyable {
        var idle: [SQLiteConnection] = []
        var openCount = 0
        var waiters: [CheckedContinuation<SQLiteConnection, any Error>] = []
        var isClosed = false
    }

    init(path: String, readOnly: Bool, maximumCount: Int, busyTimeout: Duration) {
        self.path = path
        self.readOnly = readOnly
        self.maximumCount = maximumCount
        self.busyTimeout = busyTimeout
    }

    /// Runs `body` on a connection: in place, or on a dispatch thread when the database is busy.
    ///
    /// `body` may run twice (once in place, failing busy before it changed anything, then again),
    /// so it must do nothing but SQLite calls.
    func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws(SQLiteFailure) -> T
    ) async throws(SQLiteFailure) -> T {
        let connection = try await checkOut()
        defer { checkIn(connection) }
        let result: T
        do {
            result = try body(connection)
        } catch let failure where failure.isBusy {
            result = try await runWaiting(body, on: connection)
        }
        if connection.walPages >= SQLiteConnection.checkpointPages {
            // The call that filled the log waits for the checkpoint off the cooperative pool; its
            // own write is committed already, so a failed checkpoint is left to the next one.
            _ = try? await runWaiting(
                { connection throws(SQLiteFailure) in try connection.checkpoint() },
                on: connection
            )
        }
        return result
    }

    /// Closes idle connections now and the others as they come back; later calls fail.
    func close() {
        // The idle connections close when the array taken out here is released, outside the lock.
        let (idle, waiters) = state.withLock { state in
            state.isClosed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        withExtendedLifetime(idle) {}
        for waiter in waiters { waiter.resume(throwing: Self.closed) }
    }

    private static let closed = SQLiteFailure(
        code: SQLITE_MISUSE,
        message: "the store was closed; open a new SQLiteSessionStore"
    )

    private func checkOut() async throws(SQLiteFailure) -> SQLiteConnection {
        enum Next {
            case use(SQLiteConnection)
            case open
            case wait
            case closed
        }
        let next = state.withLock { state -> Next in
            if state.isClosed { return .closed }
            if let connection = state.idle.popLast() { return .use(connection) }
            if state.openCount < maximumCount {
                state.openCount += 1
                return .open
            }
            return .wait
        }
        switch next {
        case .use(let connection):
            return connection
        case .closed:
            throw Self.closed
        case .open:
            do {
                let connection = try SQLiteConnection(path: path, readOnly: readOnly)
                connection.setBusyTimeout(milliseconds: 0)
                return connection
            } catch {
                state.withLock { $0.openCount -= 1 }
                throw error
            }
        case .wait:
            do {
                return try await withCheckedThrowingContinuation { continuation in
                    let closed = state.withLock { state in
                        // A connection may have come back, or the pool closed, since the look above.
                        if state.isClosed { return true }
                        if let connection = state.idle.popLast() {
                            continuation.resume(returning: connection)
                        } else {
                            state.waiters.append(continuation)
                        }
                        return false
                    }
                    if closed { continuation.resume(throwing: Self.closed) }
                }
            } catch let failure as SQLiteFailure {
                throw failure
            } catch {
                throw Self.closed
            }
        }
    }

    private func checkIn(_ connection: SQLiteConnection) {
        let waiter = state.withLock { state -> CheckedContinuation<SQLiteConnection, any Error>? in
            if state.isClosed {
                state.openCount -= 1
                return nil
            }
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.idle.append(connection)
            return nil
        }
        waiter?.resume(returning: connection)
    }

    /// Runs `body` again on a dispatch thread, waiting up to ``busyTimeout`` for locks.
    private func runWaiting<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws(SQLiteFailure) -> T,
        on connection: SQLiteConnection
    ) async throws(SQLiteFailure) -> T {
        let milliseconds = Int32(
            clamping: busyTimeout.components.seconds * 1000
                + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        )
        let result: Result<T, SQLiteFailure> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                connection.setBusyTimeout(milliseconds: milliseconds)
                defer { connection.setBusyTimeout(milliseconds: 0) }
                continuation.resume(returning: Result { () throws(SQLiteFailure) in try body(connection) })
            }
        }
        return try result.get()
    }
}
