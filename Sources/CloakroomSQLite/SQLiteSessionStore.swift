import Cloakroom
import Foundation
import GRDB

/// The embedded default store: one SQLite database file in WAL mode, through GRDB.
///
/// Readers never block the writer and the writer never blocks readers (WAL); several processes
/// may open the same file (writers wait up to ``busyTimeout`` for each other). The schema is
/// versioned (``SQLiteSchema``) and migrated on open. Every read filters on the deadline, so an
/// expired row is never returned even before pruning deletes it.
public final class SQLiteSessionStore: SessionStoreStatistics, SessionStoreExport {
    /// The database file.
    public let path: String
    /// `sqlite`.
    public let name = "sqlite"
    /// How long a writer waits for another process's write lock before failing.
    public let busyTimeout: Duration

    let pool: DatabasePool
    /// Connections for the per-request reads, used in place (``SQLiteConnectionPool``).
    private let readers: SQLiteConnectionPool
    /// The connection for the per-request writes, many to a commit under load
    /// (``SQLiteGroupCommit``); SQLite lets one write at a time anyway.
    private let writer: SQLiteGroupCommit

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// - Parameters:
    ///   - path: the database file.
    ///   - busyTimeout: how long a write waits for another process's write lock.
    /// - Throws: ``Cloakroom/CloakroomError/Code/storeUnavailable`` when the file cannot be opened or migrated.
    public init(path: String, busyTimeout: Duration = .seconds(5)) throws(CloakroomError) {
        self.path = path
        self.busyTimeout = busyTimeout
        readers = SQLiteConnectionPool(path: path, readOnly: true, maximumCount: 4, busyTimeout: busyTimeout)
        writer = SQLiteGroupCommit(
            connections: SQLiteConnectionPool(path: path, readOnly: false, maximumCount: 1, busyTimeout: busyTimeout)
        )
        let folder = (path as NSString).deletingLastPathComponent
        // A failure shows when SQLite opens the file, with SQLite's own words.
        if !folder.isEmpty { try? PrivateFile.createFolder(folder) }
        // Session rows are private: create the file readable by this user only. SQLite gives its
        // -wal and -shm files the same permissions.
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(TimeInterval(busyTimeout.components.seconds))
        configuration.label = "cloakroom"
        configuration.prepareDatabase { db in
            // WAL with NORMAL sync is durable against process crashes and keeps commits cheap;
            // a power loss can lose the last transactions but never corrupts the file.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try SQLiteSchema.migrator.migrate(pool)
        } catch {
            throw CloakroomError(
                .storeUnavailable,
                "SQLite database '\(path)' cannot be opened: \(error); check the path is writable"
            )
        }
    }

    // MARK: Contract

    /// Inserts a row unless one holds its key (the callers first delete a dead one).
    private static let insertSQL = """
        INSERT INTO cloakroom_sessions
            (\(SQLiteRow.columnList))
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (key) DO NOTHING
        """

    /// The live record with a key; built once, so that the connection finds its statement at once.
    private static let loadSQL =
        "SELECT \(SQLiteRow.columnList) FROM cloakroom_sessions WHERE key = ? AND deadline > ?"

    /// A user's live records.
    private static let userSessionsSQL =
        "SELECT \(SQLiteRow.columnList) FROM cloakroom_sessions WHERE user_id = ? AND deadline > ?"

    /// The live record with this key, or `nil`.
    public func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        let found = try await readingInPlace { connection throws(SQLiteFailure) in
            var found: Result<StoredSession, CloakroomError>?
            try connection.query(
                Self.loadSQL,
                [.key(key), .real(now.timeIntervalSince1970)]
            ) { columns in
                found = Result { () throws(CloakroomError) in try SQLiteRow.session(from: columns) }
            }
            return found
        }
        return try found?.get()
    }

    /// Inserts a new record; a live one with the same key is a `duplicateKey` error.
    public func insert(_ session: StoredSession, now: Date) async throws {
        let columns = try SQLiteRow(session)
        let inserted = try await writingInPlace { connection throws(SQLiteFailure) in
            try connection.transaction { () throws(SQLiteFailure) in
                try connection.run(
                    "DELETE FROM cloakroom_sessions WHERE key = ? AND deadline <= ?",
                    [.blob(columns.key), .real(now.timeIntervalSince1970)]
                )
                return try connection.run(Self.insertSQL, columns.values) == 1
            }
        }
        guard inserted else {
            throw CloakroomError(.duplicateKey, "a session with handle \(session.key.handle) already exists")
        }
    }

    /// One write transaction, which SQLite serialises across every connection and process on the
    /// file: it starts with a write so that it holds the write lock before it counts.
    public func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws
        -> [SessionKey]
    {
        guard let userID = session.userID else {
            try await insert(session, now: now)
            return []
        }
        let columns = try SQLiteRow(session)
        let outcome = try await writingInPlace { connection throws(SQLiteFailure) in
            try connection.transaction { () throws(SQLiteFailure) -> Result<[SessionKey], CloakroomError> in
                try connection.run(
                    "DELETE FROM cloakroom_sessions WHERE key = ? AND deadline <= ?",
                    [.blob(columns.key), .real(now.timeIntervalSince1970)]
                )
                var live: [StoredSession] = []
                var unreadable: CloakroomError?
                try connection.query(
                    Self.userSessionsSQL,
                    [.text(userID), .real(now.timeIntervalSince1970)]
                ) { columns in
                    do throws(CloakroomError) {
                        live.append(try SQLiteRow.session(from: columns))
                    } catch {
                        unreadable = error
                    }
                }
                if let unreadable { return .failure(unreadable) }
                let ended: [SessionKey]
                do throws(CloakroomError) {
                    ended = try limit.sessionsToEnd(among: live).map(\.key)
                } catch {
                    return .failure(error)
                }
                for key in ended {
                    try connection.run("DELETE FROM cloakroom_sessions WHERE key = ?", [.key(key)])
                }
                guard try connection.run(Self.insertSQL, columns.values) == 1 else {
                    // A failure rolls the transaction back, so the sessions ended above come back.
                    return .failure(
                        CloakroomError(.duplicateKey, "a session with handle \(session.key.handle) already exists")
                    )
                }
                return .success(ended)
            }
        }
        return try outcome.get()
    }

    /// One transaction for the whole batch.
    public func insertNew(_ sessions: [StoredSession], now: Date) async throws -> Set<SessionKey> {
        let rows = try sessions.map { session throws(CloakroomError) in (session.key, try SQLiteRow(session)) }
        return try await writing { db in
            var inserted: Set<SessionKey> = []
            let clear = try db.cachedStatement(sql: "DELETE FROM cloakroom_sessions WHERE key = ? AND deadline <= ?")
            let insert = try db.cachedStatement(
                sql: Self.insertSQL
            )
            for (key, columns) in rows {
                try clear.execute(arguments: [Data(columns.key), now.timeIntervalSince1970])
                try insert.execute(arguments: columns.arguments)
                if db.changesCount == 1 { inserted.insert(key) }
            }
            return inserted
        }
    }

    /// One query per 500 keys.
    public func load(_ keys: [SessionKey], now: Date) async throws -> [SessionKey: StoredSession] {
        var found: [SessionKey: StoredSession] = [:]
        for start in stride(from: 0, to: keys.count, by: 500) {
            let chunk = keys[start..<min(start + 500, keys.count)]
            var arguments = StatementArguments()
            for key in chunk { arguments += [Data(key.bytes)] }
            arguments += [now.timeIntervalSince1970]
            let sessions = try await reading { [arguments] db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT * FROM cloakroom_sessions WHERE key IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", "))) AND deadline > ?",
                    arguments: arguments
                ).map(SQLiteRow.session(from:))
            }
            for session in sessions { found[session.key] = session }
        }
        return found
    }

    /// Replaces the live record if its version is `expectedVersion`; answers whether it did.
    public func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        let columns = try SQLiteRow(session)
        return try await writingInPlace { connection throws(SQLiteFailure) in
            let changed = try connection.run(
                """
                UPDATE cloakroom_sessions
                SET user_id = ?, payload = ?, metadata = ?, last_seen_at = ?, idle_deadline = ?,
                    absolute_deadline = ?, deadline = ?, version = ?
                WHERE key = ? AND version = ? AND deadline > ?
                """,
                Array(columns.values.dropFirst()) + [
                    .blob(columns.key), .integer(Int64(bitPattern: expectedVersion)), .real(now.timeIntervalSince1970),
                ]
            )
            return changed == 1
        }
    }

    /// Records activity on a live record without changing its version (see the protocol requirement).
    public func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        try await writingInPlace { connection throws(SQLiteFailure) in
            // In SQLite's SET clause every column reference reads the old row.
            let changed = try connection.run(
                """
                UPDATE cloakroom_sessions
                SET last_seen_at = max(last_seen_at, ?1),
                    idle_deadline = max(idle_deadline, ?2),
                    deadline = min(max(idle_deadline, ?2), absolute_deadline)
                WHERE key = ?3 AND deadline > ?4
                """,
                [
                    .real(lastSeenAt.timeIntervalSince1970), .real(idleDeadline.timeIntervalSince1970),
                    .key(key), .real(now.timeIntervalSince1970),
                ]
            )
            return changed == 1
        }
    }

    /// Deletes the record; answers whether a live one was there.
    @discardableResult
    public func delete(_ key: SessionKey, now: Date) async throws -> Bool {
        try await writingInPlace { connection throws(SQLiteFailure) in
            try connection.transaction { () throws(SQLiteFailure) in
                var live = false
                try connection.query(
                    "SELECT deadline > ? FROM cloakroom_sessions WHERE key = ?",
                    [.real(now.timeIntervalSince1970), .key(key)]
                ) { columns in live = columns.integer(0) == 1 }
                try connection.run("DELETE FROM cloakroom_sessions WHERE key = ?", [.key(key)])
                return live
            }
        }
    }

    /// The user's live records.
    public func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        try await reading { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM cloakroom_sessions WHERE user_id = ? AND deadline > ?"),
                arguments: [userID, now.timeIntervalSince1970]
            ).map(SQLiteRow.session(from:))
        }
    }

    /// Up to `limit` live records after `cursor`, in a stable order, and the cursor to go on from.
    public func exportRecords(after cursor: String?, limit: Int, now: Date) async throws -> ExportBatch {
        // The empty blob sorts before every key: no cursor starts at the first one.
        let after = Data(cursor.flatMap { SessionKey(hex: $0) }?.bytes ?? [])
        let records = try await reading { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT * FROM cloakroom_sessions WHERE key > ? AND deadline > ? ORDER BY key LIMIT ?"
                ),
                arguments: [after, now.timeIntervalSince1970, limit]
            ).map(SQLiteRow.session(from:))
        }
        return ExportBatch(records: records, nextCursor: records.count < limit ? nil : records.last?.key.hex)
    }

    /// Deletes the user's live records but `except`; answers how many went.
    public func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        let keep = except.map { Data($0.bytes) } ?? Data()
        return try await writing { db in
            let live =
                try Int.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT count(*) FROM cloakroom_sessions WHERE user_id = ? AND key != ? AND deadline > ?"
                    ),
                    arguments: [userID, keep, now.timeIntervalSince1970]
                ) ?? 0
            try db.cachedStatement(
                sql: "DELETE FROM cloakroom_sessions WHERE user_id = ? AND key != ?"
            ).execute(arguments: [userID, keep])
            return live
        }
    }

    /// Deletes up to `limit` expired records; answers how many.
    public func pruneExpired(now: Date, limit: Int) async throws -> Int {
        try await writing { db in
            try db.cachedStatement(
                sql: """
                    DELETE FROM cloakroom_sessions WHERE key IN (
                        SELECT key FROM cloakroom_sessions WHERE deadline <= ? ORDER BY deadline LIMIT ?
                    )
                    """
            ).execute(arguments: [now.timeIntervalSince1970, limit])
            return db.changesCount
        }
    }

    /// The number of live records.
    public func count(now: Date) async throws -> Int {
        try await reading { db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT count(*) FROM cloakroom_sessions WHERE deadline > ?"),
                arguments: [now.timeIntervalSince1970]
            ) ?? 0
        }
    }

    /// The number of rows whose deadline has passed but that pruning has not yet removed.
    public func expiredCount(now: Date) async throws -> Int {
        try await reading { db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT count(*) FROM cloakroom_sessions WHERE deadline <= ?"),
                arguments: [now.timeIntervalSince1970]
            ) ?? 0
        }
    }

    /// The users with the most live records, most first.
    public func topUsers(limit: Int, now: Date) async throws -> [(userID: String, sessions: Int)] {
        let rows = try await reading { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT user_id, count(*) AS sessions FROM cloakroom_sessions
                        WHERE user_id IS NOT NULL AND deadline > ?
                        GROUP BY user_id ORDER BY sessions DESC, user_id LIMIT ?
                        """
                ),
                arguments: [now.timeIntervalSince1970, limit]
            ).map { row -> TopUser in TopUser(userID: row["user_id"], sessions: row["sessions"]) }
        }
        return rows.map { ($0.userID, $0.sessions) }
    }

    /// Whether the store answers, with a detail fit for operators.
    public func health() async -> StoreHealth {
        do {
            _ = try await reading { db in try Int.fetchOne(db, sql: "SELECT 1") }
            return StoreHealth(store: name, isHealthy: true)
        } catch {
            return StoreHealth(store: name, isHealthy: false, detail: "\(error)")
        }
    }

    /// Closes the store's connections or files; later calls fail.
    public func close() async {
        readers.close()
        writer.close()
        try? pool.close()
    }

    // MARK: Rows

    func reading<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await failingAsUnavailable("read") { try await pool.read(body) }
    }

    func writing<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await failingAsUnavailable("write") { try await pool.write(body) }
    }

    func readingInPlace<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws(SQLiteFailure) -> T
    ) async throws(CloakroomError) -> T {
        try await inPlace("read") { () throws(SQLiteFailure) in try await readers.withConnection(body) }
    }

    func writingInPlace<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws(SQLiteFailure) -> T
    ) async throws(CloakroomError) -> T {
        try await inPlace("write") { () throws(SQLiteFailure) in try await writer.write(body) }
    }

    /// Runs `call`, reporting SQLite's failure as the store being unavailable.
    private func inPlace<T: Sendable>(
        _ what: String,
        _ call: () async throws(SQLiteFailure) -> T
    ) async throws(CloakroomError) -> T {
        do {
            return try await call()
        } catch {
            throw CloakroomError(.storeUnavailable, "SQLite \(what) of '\(path)' failed: \(error)")
        }
    }

    /// Passes Cloakroom's own errors through and reports any other as the store being unavailable.
    private func failingAsUnavailable<T>(_ what: String, _ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as CloakroomError {
            throw error
        } catch {
            throw CloakroomError(.storeUnavailable, "SQLite \(what) of '\(path)' failed: \(error)")
        }
    }
}

private struct TopUser: Sendable {
    var userID: String
    var sessions: Int
}
