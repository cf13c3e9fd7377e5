import Foundation

/// Copies every live session from one store to another, in batches: with its deadlines, version
/// and owner (so the target's per-user index holds it), without ever going back in version.
///
/// Copying is idempotent: a record the target already holds at the same or a newer version is
/// left alone, an older one is replaced by compare-and-set. After each copy the source is read
/// again; if the record changed or ended meanwhile, the copy follows (or is removed), so a copy
/// made while traffic runs never leaves the target behind the source. A run can stop anywhere and
/// resume from the cursor of its last completed batch.
public struct StoreMigration: Sendable {
    /// What a run has done so far.
    public struct Progress: Sendable, Hashable {
        /// Records written to the target (new or newer).
        public var copied = 0
        /// Records the target already held at the same or a newer version.
        public var alreadyCurrent = 0
        /// Records that ended in the source while they were copied.
        public var ended = 0
        /// Where to resume after the last completed batch; `nil` before the first.
        public var cursor: String?

        /// Records looked at.
        public var processed: Int { copied + alreadyCurrent + ended }
    }

    /// The result of comparing the target with the source.
    public struct Verification: Sendable, Hashable {
        /// Live records of the source that were checked.
        public var checked = 0
        /// Handles of records missing from the target or older there (at most 10 are kept).
        public var missingExamples: [String] = []
        /// How many records were missing from the target or older there.
        public var missing = 0
    }

    let source: any SessionStoreExport
    let target: any SessionStore
    let clock: any SessionClock
    /// Records read from the source per batch.
    public let batchSize: Int
    /// Records copied at once.
    public let concurrency: Int

    /// Creates a migration from `source` to `target`.
    public init(
        from source: any SessionStoreExport,
        to target: any SessionStore,
        clock: any SessionClock = SystemSessionClock(),
        batchSize: Int = 1000,
        concurrency: Int = 16
    ) {
        self.source = source
        self.target = target
        self.clock = clock
        self.batchSize = max(1, batchSize)
        self.concurrency = max(1, concurrency)
    }

    /// Copies every live record after `cursor` (from the beginning when `nil`), calling
    /// `progress` after each batch with the totals and the cursor to resume from.
    public func run(
        resumingAfter cursor: String? = nil,
        progress: (Progress) async throws -> Void = { _ in }
    ) async throws -> Progress {
        var totals = Progress(cursor: cursor)
        var next = cursor
        repeat {
            try Task.checkCancellation()
            let batch = try await source.exportRecords(after: next, limit: batchSize, now: clock.now)
            for outcome in try await copyAll(batch.records) {
                switch outcome {
                case .copied: totals.copied += 1
                case .alreadyCurrent: totals.alreadyCurrent += 1
                case .ended: totals.ended += 1
                }
            }
            next = batch.nextCursor
            totals.cursor = next
            try await progress(totals)
        } while next != nil
        return totals
    }

    /// Checks that the target holds every live record of the source at the same or a newer
    /// version, calling `progress` with the number checked after each batch.
    public func verify(progress: (Int) async throws -> Void = { _ in }) async throws -> Verification {
        var result = Verification()
        var cursor: String?
        repeat {
            let now = clock.now
            let batch = try await source.exportRecords(after: cursor, limit: batchSize, now: now)
            let copies = try await target.load(batch.records.map(\.key), now: now)
            for record in batch.records {
                let copy = copies[record.key]
                result.checked += 1
                if let copy, copy.version >= record.version { continue }
                // Ended in the source since it was exported: nothing to miss.
                guard try await source.load(record.key, now: now) != nil else { continue }
                result.missing += 1
                if result.missingExamples.count < 10 { result.missingExamples.append(record.key.handle) }
            }
            cursor = batch.nextCursor
            try await progress(result.checked)
        } while cursor != nil
        return result
    }

    enum Outcome {
        case copied, alreadyCurrent, ended
    }

    /// Copies a batch: one bulk look-up in the target, one bulk insert of what it lacks,
    /// compare-and-set for what it holds older, then one bulk read of the source to follow
    /// records that changed or ended meanwhile.
    private func copyAll(_ exported: [StoredSession]) async throws -> [Outcome] {
        var unique: [SessionKey: StoredSession] = [:]
        for record in exported where (unique[record.key]?.version ?? 0) <= record.version {
            unique[record.key] = record
        }
        let records = Array(unique.values)
        let now = clock.now
        let existing = try await target.load(records.map(\.key), now: now)
        let missing = records.filter { existing[$0.key] == nil }
        let inserted = try await target.insertNew(missing, now: now)
        var outcomes: [SessionKey: Outcome] = [:]
        var individually: [StoredSession] = []
        for record in records {
            if inserted.contains(record.key) {
                outcomes[record.key] = .copied
            } else if let copy = existing[record.key], copy.version >= record.version {
                outcomes[record.key] = .alreadyCurrent
            } else {
                individually.append(record)
            }
        }
        for (key, wrote) in try await inParallel(
            individually,
            { (record: StoredSession) in
                (record.key, try await put(record, now: now))
            }
        ) {
            outcomes[key] = wrote ? .copied : .alreadyCurrent
        }
        // Read the source again: a write or an end that raced the copy must reach the target.
        let current = try await source.load(records.map(\.key), now: clock.now)
        let changed = records.filter { current[$0.key]?.version != $0.version }
        for (key, outcome) in try await inParallel(
            changed,
            { (record: StoredSession) in
                (record.key, try await copy(record))
            }
        ) {
            outcomes[key] = outcome == .alreadyCurrent ? outcomes[key] : outcome
        }
        return Array(outcomes.values)
    }

    /// Runs `body` on every element, `concurrency` at a time.
    private func inParallel<Element: Sendable, Result: Sendable>(
        _ elements: [Element],
        _ body: @escaping @Sendable (Element) async throws -> Result
    ) async throws -> [Result] {
        var results: [Result] = []
        for start in stride(from: 0, to: elements.count, by: concurrency) {
            try await withThrowingTaskGroup(of: Result.self) { group in
                for element in elements[start..<min(start + concurrency, elements.count)] {
                    group.addTask { try await body(element) }
                }
                for try await result in group { results.append(result) }
            }
        }
        return results
    }

    /// Copies one record, then follows the source until the target holds what the source holds.
    func copy(_ exported: StoredSession) async throws -> Outcome {
        var record = exported
        var wrote = false
        for _ in 0..<10 {
            let now = clock.now
            wrote = try await put(record, now: now) || wrote
            // Read the source again: a write or an end that raced the copy must reach the target.
            guard let current = try await source.load(record.key, now: clock.now) else {
                try await target.delete(record.key, now: clock.now)
                return .ended
            }
            if current.version == record.version { return wrote ? .copied : .alreadyCurrent }
            record = current
        }
        throw CloakroomError(
            .versionConflict,
            "session \(exported.key.handle) kept changing while it was copied; run the migration again to copy it"
        )
    }

    /// Writes `record` unless the target holds it at the same or a newer version; returns whether
    /// it wrote.
    private func put(_ record: StoredSession, now: Date) async throws -> Bool {
        // Most records are new to the target: try the insert first, look only on a clash.
        do {
            try await target.insert(record, now: now)
            return true
        } catch let error as CloakroomError where error.code == .duplicateKey {}
        for _ in 0..<10 {
            if let existing = try await target.load(record.key, now: now) {
                guard existing.version < record.version else { return false }
                if try await target.compareAndSet(record, expectedVersion: existing.version, now: now) { return true }
            } else {
                do {
                    try await target.insert(record, now: now)
                    return true
                } catch let error as CloakroomError where error.code == .duplicateKey {
                    continue
                }
            }
        }
        throw CloakroomError(
            .versionConflict,
            "session \(record.key.handle) kept changing in the target while it was copied; run the migration again"
        )
    }
}
