import Cloakroom
import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// A store in PostgreSQL, for sessions shared by many `cloakroomd` instances and kept durably.
///
/// Every operation is one statement (compare-and-set is `UPDATE … WHERE version = $n`), every
/// read filters on the deadline, and every call is bounded by the configured timeout: when the
/// database is down or restarting, calls fail with ``Cloakroom/CloakroomError/Code/storeUnavailable``
/// within that time and succeed again by themselves once it is back (the connection pool
/// reconnects). See ``PostgresSchema`` for the tables and indexes.
///
/// The store is a `Service`: creating it does no I/O, and ``run()`` (which your `ServiceGroup`
/// owns, or ``Cloakroom/SessionStore/withRunning(_:)``) runs the connection pool and brings the
/// schema up to date, retrying while the database is unreachable. Calls made before the schema
/// is ready wait for it within the timeout.
public final class PostgresSessionStore: SessionStoreStatistics, SessionStoreExport {
    /// `postgres`.
    public let name = "postgres"
    /// Where the store connects.
    public let configuration: PostgresStoreConfiguration
    /// The connection pool, run by ``run()``.
    public let client: PostgresClient
    let logger: Logger
    let readiness = StoreReadiness()
    private let stopRunning: AsyncStream<Never>.Continuation
    private let stopRequests: AsyncStream<Never>
    private let started = Mutex(false)

    /// Prepares the store; connecting and migrating happen in ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: where to connect, how many connections, the timeout and the schema.
    ///   - logger: where the store and its connection pool log; by default nowhere.
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` when the TLS settings
    ///   cannot be built.
    public init(configuration: PostgresStoreConfiguration, logger: Logger = .cloakroomDisabled) throws {
        self.configuration = configuration
        self.logger = logger
        client = PostgresClient(configuration: try Self.clientConfiguration(configuration), backgroundLogger: logger)
        (stopRequests, stopRunning) = AsyncStream<Never>.makeStream()
    }

    /// Runs the connection pool and brings the schema up to date (retrying, with back-off, while
    /// the database cannot be reached), then serves until graceful shutdown, cancellation or
    /// ``close()``; when it returns the store is closed.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` when the store is already
    ///   running or has run: a store runs once.
    public func run() async throws {
        let ranBefore = started.withLock { started in
            defer { started = true }
            return started
        }
        guard !ranBefore else {
            throw CloakroomError(
                .invalidConfiguration,
                "the PostgreSQL store's run() was called twice; a store runs once"
            )
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [client] in await client.run() }
            group.addTask { await self.migrateUntilReady() }
            await withGracefulShutdownHandler {
                for await _ in stopRequests {}
            } onGracefulShutdown: { [stopRunning] in
                stopRunning.finish()
            }
            readiness.stop()
            group.cancelAll()
        }
    }

    /// Returns once ``run()`` has brought the schema up to date: for start-ups that would rather
    /// fail than serve while the database is unreachable. Calls need not wait for this; they
    /// wait by themselves.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/storeUnavailable`` when the store is not ready
    ///   within the configured timeout, with the last attempt's error.
    public func ready() async throws {
        try await bounded("start") {}
    }

    /// Brings the schema up to date, retrying until it succeeds or the store stops.
    private func migrateUntilReady() async {
        var pause = Duration.milliseconds(250)
        while !Task.isCancelled {
            do {
                _ = try await Self.bounded("migrating the schema", configuration: configuration) {
                    [client, configuration, logger] in
                    try await PostgresSchema.migrate(client: client, schema: configuration.schema, logger: logger)
                }
                readiness.becomeReady()
                return
            } catch {
                let reason = (error as? CloakroomError)?.message ?? "\(type(of: error))"
                readiness.attemptFailed(reason)
                logger.error("PostgreSQL store not ready; retrying in \(pause)", metadata: ["error": "\(reason)"])
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(10))
            }
        }
    }

    /// The pool's configuration: TLS mode, pool size, timeouts and the schema search path.
    static func clientConfiguration(_ configuration: PostgresStoreConfiguration) throws -> PostgresClient.Configuration
    {
        let tls: PostgresClient.Configuration.TLS
        switch configuration.tlsMode {
        case .disable:
            tls = .disable
        case .prefer, .require:
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            tls = configuration.tlsMode == .prefer ? .prefer(unverified) : .require(unverified)
        case .verifyFull:
            tls = .require(.makeClientConfiguration())
        }
        var client = PostgresClient.Configuration(
            host: configuration.host,
            port: configuration.port,
            username: configuration.username,
            password: configuration.password,
            database: configuration.database,
            tls: tls
        )
        client.options.maximumConnections = configuration.poolSize
        client.options.connectTimeout = configuration.timeout
        client.options.additionalStartupParameters = [
            ("search_path", configuration.schema), ("application_name", "cloakroom"),
        ]
        return client
    }

    // MARK: Contract

    /// The live record with this key, or `nil`.
    public func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        try await bounded("load") { [client, logger] in
            for try await session in try await client.execute(LoadStatement(key: key, now: now), logger: logger) {
                return session
            }
            return nil
        }
    }

    /// Inserts a new record; a live one with the same key is a `duplicateKey` error.
    public func insert(_ session: StoredSession, now: Date) async throws {
        let statement = try InsertStatement(session, now: now)
        let inserted = try await bounded("insert") { [client, logger] in
            try await Self.count(client.execute(statement, logger: logger)) == 1
        }
        guard inserted else { throw Self.duplicate(session.key) }
    }

    /// One transaction that first takes a transaction-scoped advisory lock on the user, so that
    /// one user's inserts take turns on every instance sharing the database; each statement
    /// after it sees what the turn before committed.
    public func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws
        -> [SessionKey]
    {
        guard let userID = session.userID else {
            try await insert(session, now: now)
            return []
        }
        let insert = try InsertStatement(session, now: now)
        return try await bounded("insert") { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                _ = try await Self.count(
                    connection.query(
                        "SELECT pg_advisory_xact_lock(\(Self.userLockSpace), hashtext(\(userID)))",
                        logger: logger
                    )
                )
                var live: [StoredSession] = []
                for try await row in try await connection.query(
                    "SELECT \(unescaped: Self.columns) FROM cloakroom_sessions WHERE user_id = \(userID) AND deadline > \(now)",
                    logger: logger
                ) {
                    live.append(try Self.session(from: row))
                }
                let ended = try limit.sessionsToEnd(among: live).map(\.key)
                for key in ended {
                    _ = try await Self.count(
                        connection.query(
                            "DELETE FROM cloakroom_sessions WHERE key = \(Self.bytes(key))",
                            logger: logger
                        )
                    )
                }
                // Thrown inside the transaction, so the sessions ended above come back.
                guard try await Self.count(connection.execute(insert, logger: logger)) == 1 else {
                    throw Self.duplicate(session.key)
                }
                return ended
            }
        }
    }

    /// The first key of the advisory locks on users (the second is the user ID's hash): a
    /// constant of Cloakroom's own, apart from locks the application takes.
    static let userLockSpace: Int32 = 0x436C_6B52

    private static func duplicate(_ key: SessionKey) -> CloakroomError {
        CloakroomError(.duplicateKey, "a session with handle \(key.handle) already exists")
    }

    /// One statement for the whole batch: a multi-row insert that, like ``insert(_:now:)``,
    /// replaces dead rows and leaves live ones alone.
    public func insertNew(_ sessions: [StoredSession], now: Date) async throws -> Set<SessionKey> {
        var inserted: Set<SessionKey> = []
        // 9 parameters a row; PostgreSQL allows 65,535 in one statement.
        for start in stride(from: 0, to: sessions.count, by: 5000) {
            let chunk = sessions[start..<min(start + 5000, sessions.count)]
            var bindings = PostgresBindings()
            var rows: [String] = []
            for session in chunk {
                let base = bindings.count
                bindings.append(Self.bytes(session.key))
                bindings.append(session.userID)
                bindings.append(Self.bytes(session.payload))
                bindings.append(try Self.json(session.metadata))
                bindings.append(session.metadata.lastSeenAt)
                bindings.append(session.idleDeadline)
                bindings.append(session.absoluteDeadline)
                bindings.append(session.deadline)
                bindings.append(Int64(bitPattern: session.version))
                rows.append(
                    "($\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4)::jsonb, "
                        + (5...9).map { "$\(base + $0)" }.joined(separator: ", ") + ")"
                )
            }
            bindings.append(now)
            let sql = """
                INSERT INTO cloakroom_sessions
                    (key, user_id, payload, metadata, last_seen_at, idle_deadline, absolute_deadline, deadline, version)
                VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (key) DO UPDATE SET
                    user_id = excluded.user_id, payload = excluded.payload, metadata = excluded.metadata,
                    last_seen_at = excluded.last_seen_at, idle_deadline = excluded.idle_deadline,
                    absolute_deadline = excluded.absolute_deadline, deadline = excluded.deadline,
                    version = excluded.version
                WHERE cloakroom_sessions.deadline <= $\(bindings.count)
                RETURNING key
                """
            let keys = try await bounded("insert many") { [client, logger, bindings] in
                let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                var keys: [SessionKey] = []
                for try await row in rows {
                    let bytes = try row.decode(ByteBuffer.self)
                    if let key = SessionKey(bytes: bytes.readableBytesView) { keys.append(key) }
                }
                return keys
            }
            inserted.formUnion(keys)
        }
        return inserted
    }

    /// One query for the whole batch.
    public func load(_ keys: [SessionKey], now: Date) async throws -> [SessionKey: StoredSession] {
        let keyBytes = keys.map(Self.bytes)
        return try await bounded("load many") { [client, logger] in
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.columns) FROM cloakroom_sessions
                WHERE key = ANY(\(keyBytes)) AND deadline > \(now)
                """,
                logger: logger
            )
            var found: [SessionKey: StoredSession] = [:]
            for try await row in rows {
                let session = try Self.session(from: row)
                found[session.key] = session
            }
            return found
        }
    }

    /// Replaces the live record if its version is `expectedVersion`; answers whether it did.
    public func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        let statement = try CompareAndSetStatement(session, expectedVersion: expectedVersion, now: now)
        return try await bounded("compare-and-set") { [client, logger] in
            try await Self.count(client.execute(statement, logger: logger)) == 1
        }
    }

    /// Records activity on a live record without changing its version (see the protocol requirement).
    public func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        let statement = TouchStatement(key: key, lastSeenAt: lastSeenAt, idleDeadline: idleDeadline, now: now)
        return try await bounded("touch") { [client, logger] in
            try await Self.count(client.execute(statement, logger: logger)) == 1
        }
    }

    /// Deletes the record; answers whether a live one was there.
    @discardableResult
    public func delete(_ key: SessionKey, now: Date) async throws -> Bool {
        try await bounded("delete") { [client, logger] in
            let rows = try await client.query(
                "DELETE FROM cloakroom_sessions WHERE key = \(Self.bytes(key)) RETURNING deadline > \(now)",
                logger: logger
            )
            for try await live in rows.decode(Bool.self) { return live }
            return false
        }
    }

    /// The user's live records.
    public func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        try await bounded("list") { [client, logger] in
            let rows = try await client.query(
                "SELECT \(unescaped: Self.columns) FROM cloakroom_sessions WHERE user_id = \(userID) AND deadline > \(now)",
                logger: logger
            )
            var sessions: [StoredSession] = []
            for try await row in rows { sessions.append(try Self.session(from: row)) }
            return sessions
        }
    }

    /// Up to `limit` live records after `cursor`, in a stable order, and the cursor to go on from.
    public func exportRecords(after cursor: String?, limit: Int, now: Date) async throws -> ExportBatch {
        // The empty bytea sorts before every key: no cursor starts at the first one.
        let after = ByteBuffer(bytes: cursor.flatMap { SessionKey(hex: $0) }?.bytes ?? [])
        let records = try await bounded("export") { [client, logger] in
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.columns) FROM cloakroom_sessions
                WHERE key > \(after) AND deadline > \(now) ORDER BY key LIMIT \(limit)
                """,
                logger: logger
            )
            var sessions: [StoredSession] = []
            for try await row in rows { sessions.append(try Self.session(from: row)) }
            return sessions
        }
        return ExportBatch(records: records, nextCursor: records.count < limit ? nil : records.last?.key.hex)
    }

    /// Deletes the user's live records but `except`; answers how many went.
    public func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        let keep = except.map(Self.bytes) ?? ByteBuffer()
        return try await bounded("delete all of a user") { [client, logger] in
            let rows = try await client.query(
                """
                WITH ended AS (
                    DELETE FROM cloakroom_sessions WHERE user_id = \(userID) AND key <> \(keep) RETURNING deadline
                )
                SELECT count(*) FILTER (WHERE deadline > \(now)) FROM ended
                """,
                logger: logger
            )
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    /// 20,000 rows: on the reference machine (BENCHMARKS.md) a million expired rows prune in
    /// 5.5 s (with ``pruneBatchPause``), or 7–8.5 s while sessions keep being resumed.
    public var pruneBatchSize: Int { 20_000 }

    /// 50 ms between batches of 20,000 rows: without it, pruning a large backlog takes a core
    /// from requests for as long as it lasts and resume p99 doubled on 2 cores; with it, p99
    /// stayed within 1.9× while a million rows were pruned (BENCHMARKS.md).
    public var pruneBatchPause: Duration { .milliseconds(50) }

    /// Deletes a batch of the oldest expired rows. `SKIP LOCKED` lets several instances prune at
    /// once without waiting for each other, and the batch bound keeps each transaction short, so
    /// readers and writers are never blocked behind pruning. Rows are deleted by `ctid` (a TID
    /// scan) rather than by key, which skips a primary-key lookup per row: three times faster on
    /// a million rows (BENCHMARKS.md). Only expired rows are selected and no write touches an
    /// expired row, so a selected row's `ctid` cannot change before the delete.
    public func pruneExpired(now: Date, limit: Int) async throws -> Int {
        try await bounded("prune") { [client, logger] in
            let rows = try await client.query(
                """
                WITH pruned AS (
                    DELETE FROM cloakroom_sessions WHERE ctid = ANY(ARRAY(
                        SELECT ctid FROM cloakroom_sessions WHERE deadline <= \(now)
                        ORDER BY deadline LIMIT \(limit) FOR UPDATE SKIP LOCKED
                    )) RETURNING 1
                )
                SELECT count(*) FROM pruned
                """,
                logger: logger
            )
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    /// The number of live records.
    public func count(now: Date) async throws -> Int {
        try await scalarCount("SELECT count(*) FROM cloakroom_sessions WHERE deadline > \(now)", "count")
    }

    /// Rows past their deadline that pruning has not yet removed.
    public func expiredCount(now: Date) async throws -> Int {
        try await scalarCount("SELECT count(*) FROM cloakroom_sessions WHERE deadline <= \(now)", "count expired")
    }

    /// The users holding the most live sessions, most first.
    public func topUsers(limit: Int, now: Date) async throws -> [(userID: String, sessions: Int)] {
        try await bounded("top users") { [client, logger] in
            let rows = try await client.query(
                """
                SELECT user_id, count(*)::bigint FROM cloakroom_sessions
                WHERE user_id IS NOT NULL AND deadline > \(now)
                GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT \(limit)
                """,
                logger: logger
            )
            var top: [(String, Int)] = []
            for try await (user, count) in rows.decode((String, Int).self) { top.append((user, count)) }
            return top
        }
    }

    /// Whether the store answers, with a detail fit for operators.
    public func health() async -> StoreHealth {
        do {
            _ = try await scalarCount("SELECT 1", "health check")
            return StoreHealth(store: name, isHealthy: true)
        } catch let error as CloakroomError {
            return StoreHealth(store: name, isHealthy: false, detail: error.message)
        } catch {
            return StoreHealth(store: name, isHealthy: false, detail: "health check failed")
        }
    }

    /// Ends ``run()``, which closes the connections; later calls fail.
    public func close() async {
        readiness.stop()
        stopRunning.finish()
    }

    // MARK: Helpers

    static let columns =
        "key, user_id, payload, metadata::text, last_seen_at, idle_deadline, absolute_deadline, version"

    private func scalarCount(_ query: PostgresQuery, _ operation: String) async throws -> Int {
        try await bounded(operation) { [client, logger] in
            for try await count in try await client.query(query, logger: logger).decode(Int.self) { return count }
            return 0
        }
    }

    static func bytes(_ key: SessionKey) -> ByteBuffer { key.withUnsafeBytes { ByteBuffer(bytes: $0) } }
    static func bytes(_ payload: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: payload) }

    static func json(_ metadata: SessionMetadata) throws(CloakroomError) -> String {
        String(decoding: try metadata.jsonBytes(), as: UTF8.self)
    }

    static func count<Rows: AsyncSequence>(_ rows: Rows) async throws -> Int {
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    static func session(from row: PostgresRow) throws -> StoredSession {
        let decoded: (ByteBuffer, String?, ByteBuffer, String, Date, Date, Date, Int64)
        do {
            decoded = try row.decode((ByteBuffer, String?, ByteBuffer, String, Date, Date, Date, Int64).self)
        } catch {
            throw CloakroomError.corrupt(store: "PostgreSQL", "a row of cloakroom_sessions has unexpected columns")
        }
        let (keyBytes, userID, payload, metadataText, lastSeenAt, idleDeadline, absoluteDeadline, version) = decoded
        guard let key = SessionKey(bytes: keyBytes.readableBytesView) else {
            throw CloakroomError.corrupt(store: "PostgreSQL", "a row of cloakroom_sessions has a malformed key")
        }
        guard var metadata = SessionMetadata(jsonBytes: metadataText.utf8) else {
            throw CloakroomError.corrupt(store: "PostgreSQL", "session \(key.handle) has unreadable metadata")
        }
        metadata.lastSeenAt = lastSeenAt
        return StoredSession(
            key: key,
            userID: userID,
            payload: Array(payload.readableBytesView),
            metadata: metadata,
            idleDeadline: idleDeadline,
            absoluteDeadline: absoluteDeadline,
            version: UInt64(bitPattern: version)
        )
    }

    /// Runs `operation` with the configured timeout, turning every failure into a
    /// ``Cloakroom/CloakroomError`` that names what failed without leaking query parameters.
    func bounded<T: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await Self.bounded(operation, configuration: configuration, notReady: { self.readiness.whyNotReady }) {
            try await self.readiness.wait()
            return try await body()
        }
    }

    static func bounded<T: Sendable>(
        _ operation: String,
        configuration: PostgresStoreConfiguration,
        notReady: @escaping @Sendable () -> String? = { nil },
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let timeout = configuration.timeout
        let target = "PostgreSQL at \(configuration.host):\(configuration.port)"
        do {
            return try await withDeadline(
                timeout,
                onTimeout: {
                    if let reason = notReady() {
                        return CloakroomError(.storeUnavailable, "\(target) cannot \(operation): \(reason)")
                    }
                    return CloakroomError(
                        .storeUnavailable,
                        "\(target) did not answer \(operation) within \(timeout); check that it is running and reachable"
                    )
                },
                body
            )
        } catch let error as CloakroomError {
            throw error
        } catch let error as PSQLError {
            throw CloakroomError(.storeUnavailable, "\(target) failed \(operation): \(Self.describe(error))")
        } catch let error as PostgresTransactionError {
            // The transaction was rolled back; what the body threw is the answer.
            if let refusal = error.closureError as? CloakroomError { throw refusal }
            let cause = (error.beginError ?? error.closureError ?? error.commitError).map { error in
                (error as? PSQLError).map(Self.describe) ?? "\(error)"
            }
            throw CloakroomError(.storeUnavailable, "\(target) failed \(operation): \(cause ?? "\(error)")")
        } catch {
            throw CloakroomError(.storeUnavailable, "\(target) failed \(operation): \(error)")
        }
    }

    /// A description of a PostgreSQL error that never includes the query's parameters.
    static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + code
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection:
            return "connection lost or refused; check that the server is running and reachable"
        case .sslUnsupported:
            return "the server does not support TLS; use sslmode=prefer or sslmode=disable"
        case .failedToAddSSLHandler:
            return "TLS could not be set up"
        default:
            return "\(error.code)"
        }
    }
}

extension CloakroomError {
    static func corrupt(store: String, _ what: String) -> CloakroomError {
        CloakroomError(
            .corruptRecord,
            "\(store) store holds a record that cannot be read (\(what)); remove it or restore it from a backup"
        )
    }
}
