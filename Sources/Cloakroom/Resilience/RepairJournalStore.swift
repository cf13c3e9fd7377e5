import Foundation

/// A durable store that also keeps the repair journal of the fast store in front of it, shared by
/// every instance: what one instance's fast store missed, the others learn within a probe
/// interval and apply, even if that instance stops first.
///
/// ``ReplicatedSessionStore`` uses it whenever its durable store conforms (memory, SQLite and
/// PostgreSQL do); `CloakroomTesting`'s `RepairJournalConformance` checks an implementation.
/// The journal is empty unless a fast store missed a write, so it costs one small read per probe.
public protocol RepairJournalStore: SessionStore {
    /// Records that the fast store missed a change to `target`, replacing an entry for the same
    /// ``SharedRepair/Target/identity`` (as ``SharedRepair/Target/replacing(_:)`` says) with one
    /// numbered after every entry recorded so far.
    func recordRepair(_ target: SharedRepair.Target, now: Date) async throws

    /// Up to `limit` entries, lowest ``SharedRepair/sequence`` first.
    func pendingRepairs(limit: Int) async throws -> [SharedRepair]

    /// Removes these entries by their sequence numbers; an entry replaced since (same target, a
    /// newer number) stays.
    func removeRepairs(_ repairs: [SharedRepair]) async throws
}
