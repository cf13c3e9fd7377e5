import GRDB

/// The versioned schema of ``SQLiteSessionStore``.
///
/// Migrations are recorded in GRDB's `grdb_migrations` table and run once, in order, inside a
/// transaction, when a store opens. Add a migration; never edit a released one.
///
/// Table `cloakroom_sessions`:
/// - `key` BLOB primary key: SHA-256 of the session ID (the ID itself is never stored).
/// - `user_id` TEXT, nullable: the owner, for per-user listing.
/// - `payload` BLOB: the data as sealed by the cipher.
/// - `metadata` BLOB: JSON of created/authenticated times, IP, user agent, device.
/// - `last_seen_at`, `idle_deadline`, `absolute_deadline`, `deadline` REAL: seconds since 1970;
///   `deadline` is the earlier of the two deadlines, the one every read filters on.
/// - `version` INTEGER: compare-and-set counter.
///
/// Indexes: `(user_id, deadline)` for listing a user's live sessions, `(deadline)` for pruning.
///
/// Table `cloakroom_limits` (rate limits, see ``Cloakroom/CellRate``):
/// - `key` BLOB primary key: SHA-256 of bucket and key.
/// - `arrival` INTEGER: the theoretical arrival time in µs since 1970; a row whose arrival is past
///   means a full bucket and is pruned. Indexed for pruning.
///
/// Table `cloakroom_repairs` (the shared repair journal of a fast store in front of this one, see
/// `RepairJournalStore`; empty unless the fast store missed a write):
/// - `sequence` INTEGER primary key, `AUTOINCREMENT` so that a number is never given twice.
/// - `target` TEXT unique: `key:` and the session key's hex, or `user:` and the user ID.
/// - `session_key` BLOB for a record; `user_id` TEXT, `except_key` BLOB and `since` REAL
///   (seconds since 1970) for a user's "end all".
public enum SQLiteSchema {
    /// The migrator that brings a database up to the current schema.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE cloakroom_sessions (
                        key BLOB PRIMARY KEY NOT NULL,
                        user_id TEXT,
                        payload BLOB NOT NULL,
                        metadata BLOB NOT NULL,
                        last_seen_at REAL NOT NULL,
                        idle_deadline REAL NOT NULL,
                        absolute_deadline REAL NOT NULL,
                        deadline REAL NOT NULL,
                        version INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX cloakroom_sessions_by_user ON cloakroom_sessions (user_id, deadline)
                        WHERE user_id IS NOT NULL;
                    CREATE INDEX cloakroom_sessions_by_deadline ON cloakroom_sessions (deadline);
                    """
            )
        }
        migrator.registerMigration("v2: rate limits") { db in
            try db.execute(
                sql: """
                    CREATE TABLE cloakroom_limits (
                        key BLOB PRIMARY KEY NOT NULL,
                        arrival INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX cloakroom_limits_by_arrival ON cloakroom_limits (arrival);
                    """
            )
        }
        migrator.registerMigration("v3: shared repair journal") { db in
            try db.execute(
                sql: """
                    CREATE TABLE cloakroom_repairs (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        target TEXT NOT NULL UNIQUE,
                        session_key BLOB,
                        user_id TEXT,
                        except_key BLOB,
                        since REAL
                    );
                    """
            )
        }
        return migrator
    }
}
