import Foundation

/// Re-encrypts every live record of a store (its data and its client fields: IP address, user
/// agent, device) under the cipher's current key, in batches that can be resumed: for turning
/// encryption on (records stored in clear) and for retiring an old key (records sealed with it)
/// without waiting for every session to be written again.
///
/// Each record is re-sealed with compare-and-set on its version, so a request that writes the
/// session meanwhile is never overwritten: its own write seals with the current key anyway, and
/// the record is counted as changed meanwhile. Records whose data cannot be opened (corrupt, or
/// sealed with a key the cipher lacks) are counted and left alone; a client field that cannot be
/// opened is dropped, as it could never be shown again.
public struct StoreResealing: Sendable {
    /// Where the walk stands after a batch.
    public struct Progress: Sendable, Hashable {
        /// Live records looked at.
        public var scanned = 0
        /// Records re-sealed under the current key.
        public var resealed = 0
        /// Records already sealed with the current key.
        public var alreadyCurrent = 0
        /// Records written by someone else between the read and the re-seal (they are current).
        public var changedMeanwhile = 0
        /// Records that could not be opened: corrupt, or sealed with a key not in the cipher.
        public var unreadable = 0
        /// Where to resume; `nil` once the walk is complete.
        public var cursor: String?

        /// Creates an empty progress.
        public init() {}
    }

    let store: any SessionStoreExport
    let cipher: SessionCipher
    let clock: any SessionClock
    let batchSize: Int

    /// Prepares to re-seal `store` with `cipher`'s current key.
    ///
    /// - Parameters:
    ///   - store: the store whose records are re-sealed.
    ///   - cipher: must have keys; give it `acceptsPlaintextRecords: true` to seal records
    ///     stored in clear (turning encryption on).
    ///   - clock: what "now" is, for skipping expired records.
    ///   - batchSize: records read and written per step.
    /// - Throws: ``CloakroomError/Code/invalidConfiguration`` when the cipher has no key.
    public init(
        store: any SessionStoreExport,
        cipher: SessionCipher,
        clock: any SessionClock = SystemSessionClock(),
        batchSize: Int = 1000
    ) throws(CloakroomError) {
        guard cipher.isEncrypting else {
            throw CloakroomError(
                .invalidConfiguration,
                "no encryption key is configured, so there is nothing to re-seal with; set CLOAKROOM_ENCRYPTION_KEYS (the first key is the one records are sealed with)"
            )
        }
        self.store = store
        self.cipher = cipher
        self.clock = clock
        self.batchSize = max(1, batchSize)
    }

    /// Walks the store from `cursor` (`nil`: the start), re-sealing what needs it.
    ///
    /// - Parameters:
    ///   - cursor: where an earlier, interrupted walk stopped; `nil` starts at the beginning.
    ///   - progress: called after every batch with the running totals and the cursor to
    ///     resume after; throwing from it stops the walk.
    public func run(
        resumingAfter cursor: String? = nil,
        progress: (Progress) throws -> Void = { _ in }
    ) async throws -> Progress {
        var totals = Progress()
        totals.cursor = cursor
        repeat {
            let batch = try await store.exportRecords(after: totals.cursor, limit: batchSize, now: clock.now)
            for record in batch.records {
                totals.scanned += 1
                let payloadIsCurrent = !cipher.needsResealing(record.payload)
                guard !payloadIsCurrent || record.metadata.clientFactsNeedResealing(with: cipher) else {
                    totals.alreadyCurrent += 1
                    continue
                }
                var next = record
                if !payloadIsCurrent {
                    do {
                        next.payload = try cipher.seal(
                            try cipher.open(record.payload, for: record.key),
                            for: record.key
                        )
                    } catch {
                        totals.unreadable += 1
                        continue
                    }
                }
                next.metadata = try record.metadata.openingClientFacts(with: cipher, for: record.key)
                    .sealingClientFacts(with: cipher, for: record.key)
                next.version = record.version + 1
                if try await store.compareAndSet(next, expectedVersion: record.version, now: clock.now) {
                    totals.resealed += 1
                } else {
                    totals.changedMeanwhile += 1
                }
            }
            totals.cursor = batch.nextCursor
            try progress(totals)
        } while totals.cursor != nil
        return totals
    }
}
