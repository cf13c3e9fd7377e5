import Foundation

/// Changes a store of a composition missed while it could not be reached, to be applied to it
/// once it answers again: a plain value with no I/O.
///
/// Every entry is a deletion, because deleting is always safe for the store that missed a change:
/// the composition reads the record again from the store that has it. Until an entry has been
/// applied, the composition does not trust the store for that key (or that user's records as old
/// as the entry), so a record ended or changed during an outage never comes back from it.
///
/// The journal is bounded; past ``capacity`` entries it stops recording keys and remembers that it
/// ``overflowed``, and the store must then be cleared as a whole.
public struct RepairJournal: Sendable {
    /// A user whose records, created up to `since`, the store must drop.
    public struct UserEntry: Sendable, Hashable {
        /// Records created up to this moment are suspect.
        public var since: Date
        /// A record to keep (the session that asked to end the others).
        public var except: SessionKey?
    }

    /// The most entries kept before the journal gives up on single entries.
    public let capacity: Int
    /// Keys whose record the store must drop, with the sequence number of the latest entry.
    public private(set) var keys: [SessionKey: UInt64] = [:]
    /// Users whose records the store must drop, with the sequence number of the latest entry.
    public private(set) var users: [String: (entry: UserEntry, sequence: UInt64)] = [:]
    /// Whether entries were lost to the capacity: the store must be cleared entirely.
    public private(set) var overflowed = false
    private var sequence: UInt64 = 0

    /// Creates an empty journal holding at most `capacity` entries.
    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    /// Whether there is nothing to repair.
    public var isEmpty: Bool { keys.isEmpty && users.isEmpty && !overflowed }

    /// Records that the store missed a change to `key`.
    public mutating func add(_ key: SessionKey) {
        sequence += 1
        guard !overflowed else { return }
        guard keys.count + users.count < capacity || keys[key] != nil else { return overflow() }
        keys[key] = sequence
    }

    /// Records that the store missed the end of `userID`'s sessions (except one) at `now`.
    public mutating func add(user userID: String, except: SessionKey?, now: Date) {
        sequence += 1
        guard !overflowed else { return }
        guard keys.count + users.count < capacity || users[userID] != nil else { return overflow() }
        // A later "end all" covers an earlier one (the kept session is the latest one's), even
        // when the earlier one arrives later, from another instance's shared journal.
        if let latest = users[userID]?.entry, latest.since > now {
            users[userID] = (latest, sequence)
            return
        }
        users[userID] = (UserEntry(since: now, except: except), sequence)
    }

    private mutating func overflow() {
        overflowed = true
        keys = [:]
        users = [:]
    }

    /// Whether the store's copy of this record must not be used.
    public func distrusts(_ session: StoredSession) -> Bool {
        if overflowed || keys[session.key] != nil { return true }
        guard let userID = session.userID, let entry = users[userID]?.entry else { return false }
        return session.key != entry.except && session.metadata.createdAt <= entry.since
    }

    /// Whether the store's copy of this key must not be used, before the record is known.
    public func distrusts(_ key: SessionKey) -> Bool {
        overflowed || keys[key] != nil
    }

    /// The work to do, as a snapshot to pass back to ``markApplied(_:)`` once done.
    public var pending: Pending {
        Pending(
            keys: keys,
            users: users.mapValues { $0.sequence },
            clearAll: overflowed,
            through: sequence
        )
    }

    /// A snapshot of the journal's entries.
    public struct Pending: Sendable, Hashable {
        /// Keys to delete from the store, with their sequence numbers.
        public var keys: [SessionKey: UInt64]
        /// Users whose records to delete, with their sequence numbers.
        public var users: [String: UInt64]
        /// Whether the whole store must be cleared instead.
        public var clearAll: Bool
        /// The last entry the snapshot covers.
        public var through: UInt64
    }

    /// Removes the entries of `pending` that were applied and not re-added since.
    public mutating func markApplied(_ pending: Pending) {
        if pending.clearAll {
            // A change missed while the store was being cleared may have landed after the clear
            // passed its key: the store is trusted again only if nothing was missed since.
            if sequence == pending.through { overflowed = false }
            return
        }
        for (key, number) in pending.keys where keys[key] == number { keys[key] = nil }
        for (user, number) in pending.users where users[user]?.sequence == number { users[user] = nil }
    }
}
