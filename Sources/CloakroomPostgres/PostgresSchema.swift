import Cloakroom
import Logging
import PostgresNIO

/// The versioned schema of ``PostgresSessionStore``.
///
/// Applied migrations are recorded in `cloakroom_schema_migrations`. ``migrate(client:schema:logger:)``
/// runs the missing ones in order, in one transaction, under a transaction-scoped advisory lock,
/// so several `cloakroomd` instances starting at once apply each migration exactly once. Add a
/// migration; never edit a released one.
///
/// ## Table `cloakroom_sessions`
///
/// | column | type | meaning |
/// | --- | --- | --- |
/// | `key` | `bytea` primary key | SHA-256 of the session ID; the ID itself is never stored |
/// | `user_id` | `text` null | the owner, for per-user listing and "log out everywhere" |
/// | `payload` | `bytea` | the data as sealed by the cipher (AES-256-GCM when keys are set) |
/// | `metadata` | `jsonb` | created/authenticated times, IP, user agent, device |
/// | `last_seen_at` | `timestamptz` | last recorded activity |
/// | `idle_deadline`, `absolute_deadline` | `timestamptz` | the two deadlines |
/// | `deadline` | `timestamptz` | the earlier of the two: every read filters on it, pruning orders by it |
/// | `version` | `bigint` | compare-and-set counter |
///
/// Indexes: `(user_id, deadline) INCLUDE (key)` where `user_id` is set, so listing a user's live
/// sessions and ending them find their rows through the index alone; `(deadline) INCLUDE (key)`,
/// so a pruning batch reads the oldest expired keys from the index in order without visiting
/// the table.
///
/// ## Table `cloakroom_events`
///
/// The audit trail written by ``PostgresAuditSink``: `id` (bigserial), `time`, `kind` (created,
/// resumed, rotated, updated, ended, …), `handle` (a prefix of the session key, never the ID),
/// `user_id`, `ip`, `reason` (why a session ended), `count` (how many sessions a batch event
/// stands for, such as expired sessions pruned together; null for one session). Indexed by `time` (retention pruning, recent
/// activity) and by `(user_id, time)` (one user's history).
///
/// ## Table `cloakroom_limits`
///
/// Rate-limit state (see ``Cloakroom/CellRate``): `key` (`bytea` primary key, SHA-256 of bucket and
/// key) and `arrival` (`bigint`, the theoretical arrival time in µs since 1970). A row whose
/// arrival is past means a full bucket; pruning removes those through the index on `arrival`.
///
/// ## Table `cloakroom_repairs`
///
/// The shared repair journal of a fast store in front of this one (see
/// ``Cloakroom/RepairJournalStore``), empty unless the fast store missed a write: `sequence`
/// (bigserial primary key; a replaced entry takes a new number), `target` (unique: `key:` and the
/// session key's hex, or `user:` and the user ID), `session_key` for a record, and `user_id`,
/// `except_key` and `since` for a user's "end all".
public enum PostgresSchema {
    /// One step of the schema.
    public struct Migration: Sendable {
        /// Increasing version number.
        public var version: Int
        /// A short name.
        public var name: String
        /// The statements, run in order.
        public var statements: [String]
    }

    /// Every migration, in order.
    public static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "sessions",
            statements: [
                """
                CREATE TABLE cloakroom_sessions (
                    key bytea PRIMARY KEY,
                    user_id text,
                    payload bytea NOT NULL,
                    metadata jsonb NOT NULL,
                    last_seen_at timestamptz NOT NULL,
                    idle_deadline timestamptz NOT NULL,
                    absolute_deadline timestamptz NOT NULL,
                    deadline timestamptz NOT NULL,
                    version bigint NOT NULL
                )
                """,
                """
                CREATE INDEX cloakroom_sessions_by_user ON cloakroom_sessions (user_id, deadline) INCLUDE (key)
                    WHERE user_id IS NOT NULL
                """,
                "CREATE INDEX cloakroom_sessions_by_deadline ON cloakroom_sessions (deadline) INCLUDE (key)",
            ]
        ),
        Migration(
            version: 2,
            name: "audit events",
            statements: [
                """
                CREATE TABLE cloakroom_events (
                    id bigserial PRIMARY KEY,
                    time timestamptz NOT NULL,
                    kind text NOT NULL,
                    handle text,
                    user_id text,
                    ip text,
                    reason text
                )
                """,
                "CREATE INDEX cloakroom_events_by_time ON cloakroom_events (time)",
                "CREATE INDEX cloakroom_events_by_user ON cloakroom_events (user_id, time) WHERE user_id IS NOT NULL",
            ]
        ),
        Migration(
            version: 3,
            name: "rate limits",
            statements: [
                "CREATE TABLE cloakroom_limits (key bytea PRIMARY KEY, arrival bigint NOT NULL)",
                "CREATE INDEX cloakroom_limits_by_arrival ON cloakroom_limits (arrival)",
            ]
        ),
        Migration(
            version: 4,
            name: "event counts",
            statements: [
                // How many sessions an event stands for (expired sessions pruned in one batch).
                "ALTER TABLE cloakroom_events ADD COLUMN count integer"
            ]
        ),
        Migration(
            version: 5,
            name: "shared repair journal",
            statements: [
                """
                CREATE TABLE cloakroom_repairs (
                    sequence bigserial PRIMARY KEY,
                    target text NOT NULL UNIQUE,
                    session_key bytea,
                    user_id text,
                    except_key bytea,
                    since timestamptz
                )
                """
            ]
        ),
    ]

    /// An arbitrary, fixed first key for the advisory lock that serialises migrations; the second
    /// is the schema's hash, so migrations of different schemas do not wait for each other.
    static let advisoryLockKey: Int32 = 0x436C_6F61  // "Cloa"

    static let bookkeeping = """
        CREATE TABLE IF NOT EXISTS cloakroom_schema_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// The migrations not yet applied to the database.
    public static func pending(client: PostgresClient, schema: String, logger: Logger) async throws -> [Migration] {
        let exists =
            try await client.query(
                "SELECT to_regclass(\(schema + ".cloakroom_schema_migrations"))::text",
                logger: logger
            ).collect().first.flatMap { try? $0.decode(String?.self) } ?? nil
        guard exists != nil else { return migrations }
        let applied = try await appliedVersions(client: client, logger: logger)
        return migrations.filter { !applied.contains($0.version) }
    }

    private static func appliedVersions(client: PostgresClient, logger: Logger) async throws -> Set<Int> {
        var applied = Set<Int>()
        for try await version in try await client.query(
            "SELECT version FROM cloakroom_schema_migrations",
            logger: logger
        )
        .decode(Int.self) {
            applied.insert(version)
        }
        return applied
    }

    /// Applies the missing migrations; safe to call from several instances at once.
    ///
    /// - Returns: the migrations this call applied (empty when the schema was up to date).
    @discardableResult
    public static func migrate(client: PostgresClient, schema: String, logger: Logger) async throws -> [Migration] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(advisoryLockKey), hashtext(\(schema)))",
                logger: logger
            )
            if schema != "public" {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"),
                    logger: logger
                )
            }
            try await connection.query(PostgresQuery(unsafeSQL: bookkeeping), logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query(
                "SELECT version FROM cloakroom_schema_migrations",
                logger: logger
            ).decode(Int.self) {
                applied.insert(version)
            }
            var done: [Migration] = []
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO cloakroom_schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger
                )
                done.append(migration)
            }
            return done
        }
    }
}
