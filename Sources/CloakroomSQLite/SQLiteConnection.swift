import Cloakroom
import Foundation
import GRDBSQLite

/// One SQLite connection used straight through SQLite's C interface, on whatever thread holds
/// it, with its prepared statements kept for reuse.
///
/// The store's per-request calls (load, insert, compare-and-set, touch, delete) run on these so
/// that a call costs SQLite's own work and not a hop to a database queue and back: GRDB's
/// `DatabasePool` runs every call on a dispatch queue inside a transaction of its own, which
/// cost ~200 µs of CPU per read where SQLite's look-up costs a few (BENCHMARKS.md, issue 18).
///
/// Not thread-safe: one holder at a time, which ``SQLiteConnectionPool`` guarantees. It is
/// `@unchecked Sendable` only so that the pool can hand it from one holder to the next.
final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The statements prepared so far, a few dozen at most, looked up by comparing their text:
    /// the per-request SQL is a literal or a `static let`, so the same text comes in the same
    /// storage on every call and compares equal at once, where a dictionary hashed all of its
    /// few hundred bytes on every call.
    private var statements: [(sql: String, statement: OpaquePointer)] = []
    /// Pages in the write-ahead log after this connection's last commit (SQLite's WAL hook).
    private(set) var walPages: Int32 = 0

    /// WAL pages past which a writer checkpoints, SQLite's own default for its automatic one.
    static let checkpointPages: Int32 = 1000

    /// Opens `path` read-write (the file and its schema exist: GRDB created and migrated them).
    ///
    /// - Parameter readOnly: refuse writes on this connection (`PRAGMA query_only`).
    init(path: String, readOnly: Bool) throws(SQLiteFailure) {
        var opened: OpaquePointer?
        let status = sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(opened)
            throw SQLiteFailure(code: status, message: message)
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        // WAL with NORMAL sync, as the store's GRDB connections: durable against process crashes.
        try execute("PRAGMA synchronous = NORMAL")
        if readOnly {
            try execute("PRAGMA query_only = 1")
        } else {
            // SQLite's automatic checkpoint runs inside the commit that crosses its threshold and
            // syncs the file: on the caller's thread that would hold a cooperative thread for a
            // disk flush. The writer counts WAL pages instead and its pool checkpoints on a
            // dispatch thread (``SQLiteConnectionPool``).
            try execute("PRAGMA wal_autocheckpoint = 0")
            sqlite3_wal_hook(
                handle,
                { context, _, _, pages in
                    if let context {
                        Unmanaged<SQLiteConnection>.fromOpaque(context).takeUnretainedValue().walPages = pages
                    }
                    return SQLITE_OK
                },
                Unmanaged.passUnretained(self).toOpaque()
            )
        }
    }

    /// Copies the write-ahead log into the database as far as readers allow (a passive
    /// checkpoint), syncing the file; may take milliseconds, so never on a cooperative thread.
    func checkpoint() throws(SQLiteFailure) {
        let status = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        guard status == SQLITE_OK else { throw failure(status) }
        walPages = 0
    }

    deinit {
        for (_, statement) in statements { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// How long a statement waits for another connection's lock before failing with
    /// `SQLITE_BUSY`; zero fails at once.
    func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// Runs SQL without results (pragmas, `BEGIN`, `COMMIT`).
    func execute(_ sql: String) throws(SQLiteFailure) {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw failure(status) }
    }

    /// Whether no transaction is open (SQLite's autocommit mode).
    var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    /// Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT`, rolled back if it throws.
    ///
    /// `IMMEDIATE` takes the write lock first, so a busy database fails at the start, before
    /// anything was done, and the whole transaction can be run again elsewhere. Inside a
    /// transaction already (``SQLiteGroupCommit``'s batch) it is a savepoint instead.
    func transaction<T>(_ body: () throws(SQLiteFailure) -> T) throws(SQLiteFailure) -> T {
        let scope = try TransactionScope(on: self)
        do {
            let result = try body()
            try scope.commit()
            return result
        } catch {
            scope.rollBack()
            throw error
        }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT` as ``transaction(_:)`` does, and rolls
    /// back as well when `body` answers a failure (a refused insert ends nothing).
    func transaction<T, Failure: Error>(
        _ body: () throws(SQLiteFailure) -> Result<T, Failure>
    ) throws(SQLiteFailure) -> Result<T, Failure> {
        let scope = try TransactionScope(on: self)
        let outcome: Result<T, Failure>
        do {
            outcome = try body()
        } catch {
            scope.rollBack()
            throw error
        }
        switch outcome {
        case .success: try scope.commit()
        case .failure: scope.rollBack()
        }
        return outcome
    }

    /// Runs one statement with `arguments` and answers the rows changed.
    @discardableResult
    func run(_ sql: String, _ arguments: [SQLiteValue]) throws(SQLiteFailure) -> Int {
        let statement = try prepared(sql, arguments)
        defer { sqlite3_reset(statement) }
        let status = sqlite3_step(statement)
        guard status == SQLITE_DONE || status == SQLITE_ROW else { throw failure(status) }
        return Int(sqlite3_changes(handle))
    }

    /// Runs a query with `arguments` and hands each row to `row`, in order.
    ///
    /// The row's columns are valid only inside `row`; the statement is reset before this
    /// returns, which ends its read transaction.
    func query(
        _ sql: String,
        _ arguments: [SQLiteValue],
        row: (SQLiteColumns) throws(SQLiteFailure) -> Void
    ) throws(SQLiteFailure) {
        let statement = try prepared(sql, arguments)
        defer { sqlite3_reset(statement) }
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw failure(status) }
            try row(SQLiteColumns(statement: statement))
        }
    }

    /// The cached statement for `sql` with `arguments` bound.
    private func prepared(_ sql: String, _ arguments: [SQLiteValue]) throws(SQLiteFailure) -> OpaquePointer {
        let statement: OpaquePointer
        if let cached = statements.first(where: { $0.sql == sql }) {
            statement = cached.statement
        } else {
            var made: OpaquePointer?
            let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &made, nil)
            guard status == SQLITE_OK, let made else { throw failure(status) }
            statements.append((sql, made))
            statement = made
        }
        sqlite3_clear_bindings(statement)
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch argument {
            case .null: status = sqlite3_bind_null(statement, index)
            case .integer(let value): status = sqlite3_bind_int64(statement, index, value)
            case .real(let value): status = sqlite3_bind_double(statement, index, value)
            case .text(let value): status = sqlite3_bind_text(statement, index, value, -1, transient)
            case .blob(let bytes): status = bytes.withUnsafeBytes { bindBlob($0, to: statement, at: index) }
            case .key(let key): status = key.withUnsafeBytes { bindBlob($0, to: statement, at: index) }
            }
            guard status == SQLITE_OK else { throw failure(status) }
        }
        return statement
    }

    private func bindBlob(_ bytes: UnsafeRawBufferPointer, to statement: OpaquePointer, at index: Int32) -> Int32 {
        // A zero-length blob still binds as a blob, not as NULL.
        sqlite3_bind_blob(
            statement,
            index,
            bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
            Int32(bytes.count),
            transient
        )
    }

    private func failure(_ status: Int32) -> SQLiteFailure {
        SQLiteFailure(code: status, message: String(cString: sqlite3_errmsg(handle)))
    }
}

/// Tells SQLite to copy bound text and blobs, which the caller's buffers outlive only briefly.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A transaction begun by ``SQLiteConnection/transaction(_:)``: its own, or a savepoint inside
/// one already open. Its statements are prepared once and kept, as the queries are.
private struct TransactionScope {
    let connection: SQLiteConnection
    let isNested: Bool

    init(on connection: SQLiteConnection) throws(SQLiteFailure) {
        self.connection = connection
        isNested = !connection.isAutocommit
        try connection.run(isNested ? "SAVEPOINT cloakroom_transaction" : "BEGIN IMMEDIATE", [])
    }

    func commit() throws(SQLiteFailure) {
        try connection.run(isNested ? "RELEASE cloakroom_transaction" : "COMMIT", [])
    }

    /// Undoes what the transaction did; a failure here leaves SQLite's own rollback to finish it.
    func rollBack() {
        if isNested {
            _ = try? connection.run("ROLLBACK TO cloakroom_transaction", [])
            _ = try? connection.run("RELEASE cloakroom_transaction", [])
        } else if !connection.isAutocommit {
            _ = try? connection.run("ROLLBACK", [])
        }
    }
}

/// A value bound to a statement's parameter.
enum SQLiteValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    /// A session key's 32 bytes as a blob, bound from where they lie (no array per call).
    case key(SessionKey)
}

/// The columns of the current row of a query, read by position.
struct SQLiteColumns {
    fileprivate let statement: OpaquePointer

    /// Whether the column holds `NULL`.
    func isNull(_ index: Int32) -> Bool {
        sqlite3_column_type(statement, index) == SQLITE_NULL
    }

    /// The column as bytes, `nil` unless it holds a blob.
    func blob(_ index: Int32) -> [UInt8]? {
        withBlob(index) { Array($0) }
    }

    /// `body` applied to the column's bytes where SQLite keeps them (valid only during the call,
    /// so nothing is copied for a value read once, such as a key or metadata); `nil` unless the
    /// column holds a blob.
    func withBlob<T>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
        guard sqlite3_column_type(statement, index) == SQLITE_BLOB else { return nil }
        let count = Int(sqlite3_column_bytes(statement, index))
        guard count > 0, let start = sqlite3_column_blob(statement, index) else {
            return body(UnsafeBufferPointer(start: nil, count: 0))
        }
        return body(UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: count))
    }

    /// The column as text, `nil` unless it holds text.
    func text(_ index: Int32) -> String? {
        guard sqlite3_column_type(statement, index) == SQLITE_TEXT else { return nil }
        let count = Int(sqlite3_column_bytes(statement, index))
        guard count > 0, let start = sqlite3_column_text(statement, index) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    }

    /// The column as a floating-point number (an integer column converts), `nil` otherwise.
    func double(_ index: Int32) -> Double? {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_FLOAT, SQLITE_INTEGER: sqlite3_column_double(statement, index)
        default: nil
        }
    }

    /// The column as an integer, `nil` unless it holds one.
    func integer(_ index: Int32) -> Int64? {
        guard sqlite3_column_type(statement, index) == SQLITE_INTEGER else { return nil }
        return sqlite3_column_int64(statement, index)
    }
}

/// What SQLite answered when a call failed.
struct SQLiteFailure: Error, CustomStringConvertible {
    /// SQLite's (extended) result code.
    var code: Int32
    /// SQLite's message.
    var message: String

    /// Another connection holds a lock this call needs: it can be run again, waiting this time.
    var isBusy: Bool {
        let primary = code & 0xff
        return primary == SQLITE_BUSY || primary == SQLITE_LOCKED
    }

    var description: String { "SQLite error \(code): \(message)" }
}
