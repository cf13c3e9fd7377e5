import GRDBSQLite
import Synchronization

/// The store's per-request writes on its one writer connection, many to a transaction under load.
///
/// SQLite commits one transaction at a time, and a commit costs more than a one-row update: it
/// appends every changed page to the write-ahead log with checksums and takes and releases the
/// log's locks. So while one caller writes, the writes that arrive queue up here, and the next
/// caller to write runs up to ``maximumBatch`` of them in one `BEGIN IMMEDIATE` … `COMMIT`, each
/// inside a savepoint of its own: one write's failure undoes that write only, and every caller
/// gets its own answer once the transaction has committed. Pages the writes share (the deadline
/// index's newest leaf, the table's root) go to the log once, and the commit's costs are paid
/// once (BENCHMARKS.md, issue 18). A write that finds no other running runs alone, in its own
/// transaction, as it would without this queue.
final class SQLiteGroupCommit: Sendable {
    /// Writes run in one transaction at most.
    static let maximumBatch = 64

    /// The one writer connection, used in place (busy databases are waited for on a dispatch thread).
    private let connections: SQLiteConnectionPool
    private let state = Mutex(State())

    private struct State: ~Copyable {
        /// Whether a caller is running a batch now; the writes arriving meanwhile queue.
        var isWriting = false
        var queued: [any QueuedWrite] = []
    }

    /// - Parameter connections: a pool of one writable connection.
    init(connections: SQLiteConnectionPool) {
        self.connections = connections
    }

    /// Runs `body` on the writer, alone or in one transaction with other callers' writes.
    ///
    /// `body` may run more than once (when the database was busy, or when the batch it ran in
    /// failed as a whole and was run again), so it must do nothing but SQLite calls; it may open
    /// a transaction of its own (``SQLiteConnection/transaction(_:)`` nests as a savepoint).
    func write<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws(SQLiteFailure) -> T
    ) async throws(SQLiteFailure) -> T {
        let write = Write(body)
        let leads = state.withLock { state in
            if state.isWriting { return false }
            state.isWriting = true
            return true
        }
        if !leads {
            let answered = await withCheckedContinuation { continuation in
                write.continuation = continuation
                // The batch running at the look above may have ended since; then this call leads.
                let leadsNow = state.withLock { state in
                    if state.isWriting {
                        state.queued.append(write)
                        return false
                    }
                    state.isWriting = true
                    return true
                }
                if leadsNow { continuation.resume(returning: false) }
            }
            if answered { return try write.answer() }
        }
        await runBatch(startingWith: write)
        return try write.answer()
    }

    /// Whether a batch is running now.
    var isWriting: Bool { state.withLock { $0.isWriting } }

    /// Writes waiting for the batch running now to end.
    var queuedCount: Int { state.withLock { $0.queued.count } }

    /// Closes the connection; queued and later writes fail.
    func close() {
        connections.close()
    }

    /// Runs `first` and the writes queued behind it, answers their callers, and hands the
    /// writer to the next queued write, if any, whose caller then runs the next batch.
    private func runBatch(startingWith first: any QueuedWrite) async {
        let batch = state.withLock { state in
            let taken = state.queued.prefix(Self.maximumBatch - 1)
            state.queued.removeFirst(taken.count)
            return [first] + taken
        }
        do {
            try await connections.withConnection { connection throws(SQLiteFailure) in
                try Self.run(batch, on: connection)
            }
        } catch {
            for write in batch { write.fail(error) }
        }
        let next = state.withLock { state -> (any QueuedWrite)? in
            if state.queued.isEmpty {
                state.isWriting = false
                return nil
            }
            return state.queued.removeFirst()
        }
        for write in batch.dropFirst() { write.resume(answered: true) }
        next?.resume(answered: false)
    }

    /// Runs the writes, one alone as it is, several in one transaction with a savepoint each.
    ///
    /// Throws only before anything was done (the database was busy at `BEGIN`) or after
    /// everything was rolled back (the transaction itself failed), so the batch can run again.
    private static func run(_ batch: [any QueuedWrite], on connection: SQLiteConnection) throws(SQLiteFailure) {
        if batch.count == 1 {
            try batch[0].run(on: connection)
            return
        }
        try connection.run("BEGIN IMMEDIATE", [])
        do {
            for write in batch {
                try connection.run("SAVEPOINT cloakroom_write", [])
                do {
                    try write.run(on: connection)
                } catch let failure where !failure.isBusy && !connection.isAutocommit {
                    // SQLite undid the failed statement only; undo the rest of this write.
                    try connection.run("ROLLBACK TO cloakroom_write", [])
                    write.fail(failure)
                }
                try connection.run("RELEASE cloakroom_write", [])
            }
            try connection.run("COMMIT", [])
        } catch {
            // A busy lock after `BEGIN IMMEDIATE`, a failure that ended the transaction, or a
            // failed commit: nothing of the batch stays, and it fails or runs again as a whole.
            if !connection.isAutocommit { _ = try? connection.run("ROLLBACK", []) }
            throw error
        }
    }
}

/// A write waiting in ``SQLiteGroupCommit``'s queue, its type of answer erased.
private protocol QueuedWrite: AnyObject, Sendable {
    /// Runs the caller's body and keeps its answer; throws its failure without keeping it.
    func run(on connection: SQLiteConnection) throws(SQLiteFailure)
    /// Keeps `failure` as the answer.
    func fail(_ failure: SQLiteFailure)
    /// Wakes the waiting caller: to take its answer, or to run the next batch.
    func resume(answered: Bool)
}

/// One caller's write and its answer.
///
/// `@unchecked Sendable`: its mutable fields are handed from one task to another, never shared;
/// the caller sets `continuation` before it queues the write under ``SQLiteGroupCommit``'s lock,
/// the batch runner sets `result` before it resumes the continuation, and the caller reads
/// `result` only after that resume.
private final class Write<T: Sendable>: QueuedWrite, @unchecked Sendable {
    let body: @Sendable (SQLiteConnection) throws(SQLiteFailure) -> T
    var result: Result<T, SQLiteFailure>?
    var continuation: CheckedContinuation<Bool, Never>?

    init(_ body: @escaping @Sendable (SQLiteConnection) throws(SQLiteFailure) -> T) {
        self.body = body
    }

    func run(on connection: SQLiteConnection) throws(SQLiteFailure) {
        result = .success(try body(connection))
    }

    func fail(_ failure: SQLiteFailure) {
        result = .failure(failure)
    }

    func resume(answered: Bool) {
        continuation?.resume(returning: answered)
    }

    /// The answer a batch left; a batch answers every write it ran, so `nil` cannot happen.
    func answer() throws(SQLiteFailure) -> T {
        guard let result else {
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "the write was not run; this is a bug in Cloakroom")
        }
        return try result.get()
    }
}
