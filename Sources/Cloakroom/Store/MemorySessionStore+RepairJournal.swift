import Foundation
import Synchronization

/// The repair journal of a fast store in front of this one, shared by the compositions of this
/// process that use this store as their durable one.
extension MemorySessionStore: RepairJournalStore {
    /// Records that the fast store missed a change to `target` (see the protocol requirement).
    public func recordRepair(_ target: SharedRepair.Target, now: Date) async throws {
        repairs.withLock { $0.record(target) }
    }

    /// Up to `limit` entries, oldest first.
    public func pendingRepairs(limit: Int) async throws -> [SharedRepair] {
        repairs.withLock { $0.pending(limit: limit) }
    }

    /// Removes these entries unless replaced since.
    public func removeRepairs(_ repairs: [SharedRepair]) async throws {
        self.repairs.withLock { $0.remove(repairs) }
    }
}
