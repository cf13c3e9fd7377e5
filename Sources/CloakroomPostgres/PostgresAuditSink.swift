import Cloakroom
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Writes session events into the `cloakroom_events` table, and deletes them after the
/// retention period.
///
/// ``record(_:)`` never waits for the database: events go into a bounded buffer that ``run()``
/// writes in batches of up to 500 events every quarter second. When the buffer is full (the
/// database is down for long), new events are dropped and counted in a warning, so an outage
/// never slows requests down. Events carry handles, never session IDs or tokens.
public final class PostgresAuditSink: SessionEventSink, Service {
    /// How long events are kept.
    public let retention: Duration
    let client: PostgresClient
    let logger: Logger
    private let readiness: StoreReadiness
    private let buffer = Mutex(Buffer())

    private struct Buffer {
        var events: [SessionEvent] = []
        var dropped = 0
    }

    /// The most events waiting to be written.
    public static let bufferSize = 10_000
    static let batchSize = 500

    /// Creates a sink writing through the store's connection pool.
    public init(store: PostgresSessionStore, retention: Duration, logger: Logger) {
        self.client = store.client
        self.readiness = store.readiness
        self.retention = retention
        self.logger = logger
    }

    /// Records the event.
    public func record(_ event: SessionEvent) {
        buffer.withLock { buffer in
            if buffer.events.count < Self.bufferSize {
                buffer.events.append(event)
            } else {
                buffer.dropped += 1
            }
        }
    }

    /// Writes buffered events and prunes old ones until graceful shutdown, then writes what is
    /// left.
    public func run() async throws {
        // The events table exists once the store's run() has migrated the schema.
        try? await cancelWhenGracefulShutdown { [readiness] in try await readiness.wait() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.pruneOldEvents() }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                await flush()
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) }
            }
            group.cancelAll()
        }
        await flush()
    }

    /// Writes every buffered event now.
    public func flush() async {
        let (events, dropped) = buffer.withLock { buffer in
            defer { buffer = Buffer() }
            return (buffer.events, buffer.dropped)
        }
        if dropped > 0 {
            logger.warning("audit buffer was full; events dropped", metadata: ["count": "\(dropped)"])
        }
        var start = 0
        while start < events.count {
            let end = min(start + Self.batchSize, events.count)
            await write(events[start..<end])
            start = end
        }
    }

    private func write(_ batch: ArraySlice<SessionEvent>) async {
        guard !batch.isEmpty else { return }
        var bindings = PostgresBindings()
        var rows: [String] = []
        for event in batch {
            let base = bindings.count
            bindings.append(event.time)
            bindings.append(event.kind.rawValue)
            bindings.append(event.handle)
            bindings.append(event.userID)
            bindings.append(event.ip)
            bindings.append(event.reason?.rawValue)
            bindings.append(event.count)
            rows.append("(" + (1...7).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
        }
        let sql =
            "INSERT INTO cloakroom_events (time, kind, handle, user_id, ip, reason, count) VALUES "
            + rows.joined(separator: ", ")
        do {
            try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        } catch {
            logger.warning(
                "audit events not written; dropping this batch",
                metadata: ["count": "\(batch.count)", "error": "\(Self.describe(error))"]
            )
        }
    }

    /// Deletes events older than the retention, in bounded batches, every ten minutes.
    private func pruneOldEvents() async {
        while !Task.isCancelled {
            do {
                try await pruneOnce(now: Date())
            } catch {
                logger.warning(
                    "audit retention pruning failed; will retry",
                    metadata: ["error": "\(Self.describe(error))"]
                )
            }
            try? await Task.sleep(for: .seconds(600))
        }
    }

    /// Deletes events older than the retention; returns how many.
    @discardableResult
    public func pruneOnce(now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(retention.components.seconds))
        var total = 0
        while true {
            let rows = try await client.query(
                """
                WITH pruned AS (
                    DELETE FROM cloakroom_events WHERE id IN (
                        SELECT id FROM cloakroom_events WHERE time < \(cutoff) ORDER BY time LIMIT 5000
                    ) RETURNING 1
                )
                SELECT count(*) FROM pruned
                """,
                logger: logger
            )
            var pruned = 0
            for try await count in rows.decode(Int.self) { pruned = count }
            total += pruned
            if pruned < 5000 { return total }
        }
    }
}

extension PostgresAuditSink {
    /// What went wrong, for the log: PostgreSQL's own message where there is one (a `PSQLError`
    /// describes itself only generically), never a query's parameters.
    static func describe(_ error: any Error) -> String {
        (error as? PSQLError).map(PostgresSessionStore.describe) ?? "\(error)"
    }
}
