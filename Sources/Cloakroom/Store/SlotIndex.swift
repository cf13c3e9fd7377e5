/// Where each key's record is in a ``SessionTable`` (by session key, or each user's first record
/// by user ID): an open-addressing hash table of slot numbers.
///
/// Each bucket is one word: 32 bits of the key's hash (to skip most mismatches without reading
/// the record, and to move entries without hashing again) and the slot number. The table is at
/// most half full and probes linearly; a removal shifts the entries after it back instead of
/// leaving a tombstone, so look-ups never slow down as records come and go. At a million records
/// it costs about 17 bytes each, against about 370 for a `Dictionary` holding whole records.
///
/// The keys themselves live in the slots: every call that compares keys takes `keyOf`, which
/// answers the key of the record in a slot.
struct SlotIndex<Key: Hashable>: Sendable {
    /// Empty buckets are zero; a full one holds the hash in its high half and slot + 1 in its low.
    private var buckets = [UInt64](repeating: 0, count: 16)
    private var mask = 15
    /// The number of keys indexed.
    private(set) var count = 0

    /// The slot holding `key`, or `nil`.
    func slot(of key: Key, keyOf: (Int) -> Key?) -> Int? {
        bucket(of: key, keyOf: keyOf).map { Self.slot(in: buckets[$0]) }
    }

    /// Indexes `key`, which must not be indexed yet, at `slot`.
    mutating func insert(_ key: Key, at slot: Int) {
        if (count + 1) * 2 > buckets.count { grow() }
        let hash = Self.hash(of: key)
        var bucket = Int(hash) & mask
        while buckets[bucket] != 0 { bucket = (bucket + 1) & mask }
        buckets[bucket] = UInt64(hash) << 32 | UInt64(slot + 1)
        count += 1
    }

    /// Removes `key`; answers the slot it was at, or `nil` when it was not indexed.
    @discardableResult
    mutating func remove(_ key: Key, keyOf: (Int) -> Key?) -> Int? {
        guard var hole = bucket(of: key, keyOf: keyOf) else { return nil }
        let slot = Self.slot(in: buckets[hole])
        // Backward shift: an entry after the hole moves into it when the hole lies on its probe
        // path (its home bucket is at or before the hole), so every key stays reachable.
        var next = (hole + 1) & mask
        while buckets[next] != 0 {
            let home = Int(Self.hash(in: buckets[next])) & mask
            if (next - home) & mask >= (next - hole) & mask {
                buckets[hole] = buckets[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        buckets[hole] = 0
        count -= 1
        return slot
    }

    /// Points `key` at `slot`, indexing it if it was not; answers the slot it pointed at before.
    /// `keyOf` answers the keys of the slots as they were before the call.
    @discardableResult
    mutating func point(_ key: Key, at slot: Int, keyOf: (Int) -> Key?) -> Int? {
        guard let bucket = bucket(of: key, keyOf: keyOf) else {
            insert(key, at: slot)
            return nil
        }
        let previous = Self.slot(in: buckets[bucket])
        buckets[bucket] = buckets[bucket] & 0xFFFF_FFFF_0000_0000 | UInt64(slot + 1)
        return previous
    }

    private func bucket(of key: Key, keyOf: (Int) -> Key?) -> Int? {
        let hash = Self.hash(of: key)
        var bucket = Int(hash) & mask
        while true {
            let entry = buckets[bucket]
            if entry == 0 { return nil }
            if Self.hash(in: entry) == hash, keyOf(Self.slot(in: entry)) == key { return bucket }
            bucket = (bucket + 1) & mask
        }
    }

    private mutating func grow() {
        let old = buckets
        buckets = [UInt64](repeating: 0, count: old.count * 2)
        mask = buckets.count - 1
        for entry in old where entry != 0 {
            var bucket = Int(Self.hash(in: entry)) & mask
            while buckets[bucket] != 0 { bucket = (bucket + 1) & mask }
            buckets[bucket] = entry
        }
    }

    private static func hash(of key: Key) -> UInt32 {
        UInt32(truncatingIfNeeded: key.hashValue)
    }

    private static func hash(in entry: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: entry >> 32)
    }

    private static func slot(in entry: UInt64) -> Int {
        Int(UInt32(truncatingIfNeeded: entry)) - 1
    }
}
