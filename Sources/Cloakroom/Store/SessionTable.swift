import Foundation

/// The memory store's records, packed for millions of sessions: slots in one array, a compact
/// hash index from key to slot, each user's records chained through their slots, and the slots
/// queued by deadline.
///
/// About 230 bytes a session at a million, against about 730 when records sat whole in a
/// `Dictionary` with a `Set` of keys per user (BENCHMARKS.md, "Packed records in the memory
/// store"). Slot numbers are stable while a record lives; a removed record's slot is reused.
struct SessionTable: Sendable {
    private var slots: [SessionSlot?] = []
    private var freeSlots: [Int32] = []
    private var index = SlotIndex<PackedSessionKey>()
    /// The first slot of each user's chain.
    private var firstSlotByUser = SlotIndex<String>()
    /// Slots by deadline: making room and pruning never scan the living. An entry names a slot,
    /// not a record; a reused slot's entry is checked against the record there now, which is
    /// removed only if its own deadline has passed.
    private var expiries = ExpiryQueue<Int32, Date>()

    /// The number of records, live or not yet pruned.
    var count: Int { index.count }

    /// Every record, in slot order.
    var records: some Sequence<SessionSlot> { slots.lazy.compactMap { $0 } }

    /// The record with this key, live or not.
    func record(_ key: SessionKey) -> SessionSlot? {
        index.slot(of: PackedSessionKey(key)) { slots[$0]?.key }.map { slots[$0]! }
    }

    /// The user's records, live or not.
    func records(ofUser userID: String) -> [SessionSlot] {
        var records: [SessionSlot] = []
        var slot = firstSlotByUser.slot(of: userID) { slots[$0]?.userID }.map(Int32.init) ?? SessionSlot.none
        while slot != SessionSlot.none {
            let record = slots[Int(slot)]!
            records.append(record)
            slot = record.nextOfUser
        }
        return records
    }

    /// Replaces the live record with the session's key if its version is `expectedVersion`;
    /// answers whether it did. One look-up for the check and the write.
    mutating func replace(_ session: StoredSession, expectedVersion: UInt64, now: Date) -> Bool {
        guard let slot = index.slot(of: PackedSessionKey(session.key), keyOf: { slots[$0]?.key }),
            slots[slot]!.isLive(at: now), slots[slot]!.version == expectedVersion
        else { return false }
        replace(slot: slot, with: session)
        return true
    }

    /// Adds the record, or replaces the one with its key.
    mutating func put(_ session: StoredSession) {
        let key = PackedSessionKey(session.key)
        if let slot = index.slot(of: key, keyOf: { slots[$0]?.key }) {
            replace(slot: slot, with: session)
            return
        }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
            slots[slot] = SessionSlot(session)
        } else {
            slot = slots.count
            slots.append(SessionSlot(session))
        }
        index.insert(key, at: slot)
        link(slot)
        expiries.add(Int32(slot), dueAt: session.deadline)
        if expiries.needsCompaction(liveCount: count) {
            let current = slots
            expiries.compact(
                keeping: current.indices.lazy.compactMap { slot in current[slot].map { (Int32(slot), $0.deadline) } }
            )
        }
    }

    /// Puts `session` in the place of the record in `slot`, which has its key.
    private mutating func replace(slot: Int, with session: StoredSession) {
        let previous = slots[slot]!
        var record = SessionSlot(session, reusing: previous.extras)
        if record.userID == previous.userID {
            record.previousOfUser = previous.previousOfUser
            record.nextOfUser = previous.nextOfUser
            slots[slot] = record
        } else {
            unlink(slot)
            slots[slot] = record
            link(slot)
        }
        // A later deadline is found when the earlier one comes due; only an earlier one needs an
        // entry.
        if record.deadline < previous.deadline { expiries.add(Int32(slot), dueAt: record.deadline) }
    }

    /// Moves a record's last use and idle deadline later (never earlier); answers whether a live
    /// record was there.
    mutating func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) -> Bool {
        guard let slot = index.slot(of: PackedSessionKey(key), keyOf: { slots[$0]?.key }), slots[slot]!.isLive(at: now)
        else {
            return false
        }
        slots[slot]!.lastSeenAt = max(slots[slot]!.lastSeenAt, lastSeenAt)
        slots[slot]!.idleDeadline = max(slots[slot]!.idleDeadline, idleDeadline)
        return true
    }

    /// Removes the record with this key; answers it, or `nil` when there was none.
    @discardableResult
    mutating func remove(_ key: SessionKey) -> SessionSlot? {
        remove(PackedSessionKey(key))
    }

    /// Removes the record with this key; answers it, or `nil` when there was none.
    @discardableResult
    mutating func remove(_ key: PackedSessionKey) -> SessionSlot? {
        guard let slot = index.remove(key, keyOf: { slots[$0]?.key }) else { return nil }
        unlink(slot)
        let record = slots[slot]!
        slots[slot] = nil
        freeSlots.append(Int32(slot))
        return record
    }

    /// Removes up to `limit` expired records, earliest deadline first; answers how many.
    mutating func removeExpired(now: Date, limit: Int) -> Int {
        let expired = expiries.takeExpired(now: now, limit: limit) { slots[Int($0)]?.deadline }
        for slot in expired { remove(slots[Int(slot)]!.key) }
        return expired.count
    }

    /// Puts the slot's record first in its user's chain.
    private mutating func link(_ slot: Int) {
        guard let userID = slots[slot]!.userID else { return }
        let first = firstSlotByUser.point(userID, at: slot) { slots[$0]?.userID }
        if let first { slots[first]!.previousOfUser = Int32(slot) }
        slots[slot]!.previousOfUser = SessionSlot.none
        slots[slot]!.nextOfUser = first.map(Int32.init) ?? SessionSlot.none
    }

    /// Takes the slot's record out of its user's chain.
    private mutating func unlink(_ slot: Int) {
        let record = slots[slot]!
        guard let userID = record.userID else { return }
        if record.previousOfUser != SessionSlot.none {
            slots[Int(record.previousOfUser)]!.nextOfUser = record.nextOfUser
        } else if record.nextOfUser != SessionSlot.none {
            firstSlotByUser.point(userID, at: Int(record.nextOfUser)) { slots[$0]?.userID }
        } else {
            firstSlotByUser.remove(userID) { slots[$0]?.userID }
        }
        if record.nextOfUser != SessionSlot.none {
            slots[Int(record.nextOfUser)]!.previousOfUser = record.previousOfUser
        }
    }
}
