import Foundation

/// The journal entries of one store, in memory: a plain value with no I/O, for stores (such as
/// ``MemorySessionStore``) that keep everything in their process.
struct RepairJournalTable: Sendable {
    private var entries: [String: SharedRepair] = [:]
    private var lastSequence: Int64 = 0

    mutating func record(_ target: SharedRepair.Target) {
        lastSequence += 1
        let identity = target.identity
        entries[identity] = SharedRepair(target: target.replacing(entries[identity]?.target), sequence: lastSequence)
    }

    func pending(limit: Int) -> [SharedRepair] {
        Array(entries.values.sorted { $0.sequence < $1.sequence }.prefix(max(0, limit)))
    }

    mutating func remove(_ repairs: [SharedRepair]) {
        for repair in repairs where entries[repair.target.identity]?.sequence == repair.sequence {
            entries[repair.target.identity] = nil
        }
    }
}
