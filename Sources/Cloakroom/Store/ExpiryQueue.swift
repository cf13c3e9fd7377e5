import HeapModule

/// Keys in the order they expire, so a bounded in-memory store finds its dead records without
/// looking at the living ones.
///
/// The queue is lazy: a key is queued when it is added, and a deadline that moves later is not
/// queued again. When an entry comes due, the owner is asked for the key's deadline now: a key
/// that is gone is dropped, one that was extended is queued again at its new deadline, and only
/// one whose deadline has really passed is handed back. Each call therefore costs O(log n) per
/// entry it takes out, never a scan of every key. Entries of removed keys stay until they come
/// due or ``compact(keeping:)`` rebuilds the queue, which owners do when the queue outgrows their
/// live keys (``needsCompaction(liveCount:)``): amortised O(1) per change.
struct ExpiryQueue<Key: Hashable & Sendable, Deadline: Comparable & Sendable>: Sendable {
    private struct Entry: Comparable, Sendable {
        var deadline: Deadline
        var key: Key

        static func < (lhs: Entry, rhs: Entry) -> Bool { lhs.deadline < rhs.deadline }
        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.deadline == rhs.deadline }
    }

    private var heap = Heap<Entry>()

    /// Entries queued, stale ones included.
    var count: Int { heap.count }

    /// Queues `key` to come due at `deadline`. Call it for a new key, or when a key's deadline
    /// moves earlier; a deadline that moves later needs no call.
    mutating func add(_ key: Key, dueAt deadline: Deadline) {
        heap.insert(Entry(deadline: deadline, key: key))
    }

    /// Takes out up to `limit` keys whose deadline is at or before `now`.
    ///
    /// - Parameter currentDeadline: the key's deadline now, or `nil` when the owner no longer
    ///   holds it.
    /// - Returns: the expired keys, each once, for the owner to remove.
    mutating func takeExpired(now: Deadline, limit: Int, currentDeadline: (Key) -> Deadline?) -> [Key] {
        var expired: [Key] = []
        var seen = Set<Key>()
        while expired.count < limit, let first = heap.min, first.deadline <= now {
            heap.removeMin()
            guard let current = currentDeadline(first.key) else { continue }
            if current <= now {
                if seen.insert(first.key).inserted { expired.append(first.key) }
            } else {
                // Extended since it was queued: wait for the new deadline.
                heap.insert(Entry(deadline: current, key: first.key))
            }
        }
        return expired
    }

    /// Whether stale entries have grown past the live keys enough to rebuild.
    func needsCompaction(liveCount: Int) -> Bool {
        heap.count > 2 * liveCount + 1024
    }

    /// Rebuilds the queue from the owner's keys and deadlines, dropping every stale entry.
    mutating func compact(keeping entries: some Sequence<(Key, Deadline)>) {
        heap = Heap(entries.map { Entry(deadline: $0.1, key: $0.0) })
    }
}
