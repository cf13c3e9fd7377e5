import Foundation

/// A change a composition's fast store missed, kept in the durable store so that every instance
/// sharing the two applies it, not only the one that missed it.
///
/// Entries are written by ``RepairJournalStore/recordRepair(_:now:)`` and read back, oldest
/// first, by every instance's probe (see ``ReplicatedSessionStore``).
public struct SharedRepair: Sendable, Hashable {
    /// What the fast store must drop.
    public enum Target: Sendable, Hashable {
        /// The record with this key.
        case session(SessionKey)
        /// The user's records created up to `since`, except the one keyed `except`.
        case user(String, except: SessionKey?, since: Date)

        /// The identity a later entry for the same record or user replaces: `key:` and the key's
        /// hex, or `user:` and the user ID.
        public var identity: String {
            switch self {
            case .session(let key): "key:\(key.hex)"
            case .user(let userID, _, _): "user:\(userID)"
            }
        }

        /// What to keep when `self` is recorded over `existing` (same identity): `self`, except
        /// that a user's later "end all" covers an earlier one, whichever is recorded last.
        public func replacing(_ existing: Self?) -> Self {
            if case .user(_, _, let since) = self, case .user(_, _, let latest)? = existing, latest > since {
                return existing ?? self
            }
            return self
        }
    }

    /// What to drop.
    public var target: Target
    /// The number the durable store gave the entry: unique, and larger for later entries, so that
    /// removing an entry by its number never removes a newer one for the same target.
    public var sequence: Int64

    /// Creates an entry as read back from a durable store.
    public init(target: Target, sequence: Int64) {
        self.target = target
        self.sequence = sequence
    }
}
