import Foundation

/// A store that can hand out all of its live records in batches, for migrating to another store.
///
/// The cursor is the store's own opaque text (a last key, a scan position); `nil` starts at the
/// beginning. Walking a store that changes meanwhile may return a record twice or miss one
/// created during the walk; ``StoreMigration`` copies idempotently and is meant to run while the
/// target already receives new writes (see the production article).
public protocol SessionStoreExport: SessionStore {
    /// Up to about `limit` live records after `cursor`, and the cursor to continue from (`nil`
    /// once the walk is complete).
    func exportRecords(after cursor: String?, limit: Int, now: Date) async throws -> ExportBatch
}

/// One batch of an export.
public struct ExportBatch: Sendable {
    /// Live records, in the store's order.
    public var records: [StoredSession]
    /// Where to continue; `nil` when there is nothing more.
    public var nextCursor: String?

    /// Creates a batch.
    public init(records: [StoredSession], nextCursor: String?) {
        self.records = records
        self.nextCursor = nextCursor
    }
}

extension ExportBatch {
    /// A batch of an export ordered by key, where the cursor is the hex of the last key seen.
    static func orderedByKey(_ records: [StoredSession], scanned: [SessionKey], limit: Int) -> ExportBatch {
        ExportBatch(records: records, nextCursor: scanned.count < limit ? nil : scanned.last?.hex)
    }
}
