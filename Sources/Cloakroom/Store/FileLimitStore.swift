import Foundation

/// Rate limits in the file store's folder: `limits/<hex>` holds the theoretical arrival time as a
/// decimal number. Each step runs under the store's writer lock, so processes sharing the folder
/// share the limits. A file that cannot be read counts as a full bucket.
extension FileSessionStore: LimitStore {
    func limitPath(_ key: LimitKey) -> String { directory.path + "/limits/" + key.hex }

    /// One rate-limit step for a bucket (see `CellRate`), applied atomically.
    public func advanceArrival(_ key: LimitKey, by increment: Int64, tolerance: Int64, now: Int64) async throws
        -> CellRate.Step
    {
        let path = limitPath(key)
        return try withWriterLock { () throws(CloakroomError) -> CellRate.Step in
            let stored = FileManager.default.contents(atPath: path).flatMap {
                Int64(String(decoding: $0, as: UTF8.self))
            }
            let (step, store) = CellRate.step(stored: stored, increment: increment, tolerance: tolerance, now: now)
            if let store {
                guard FileManager.default.createFile(atPath: path, contents: Data(String(store).utf8)) else {
                    throw CloakroomError(
                        .storeUnavailable,
                        "file store cannot write \(path); check the folder is writable"
                    )
                }
            }
            return step
        }
    }

    /// Forgets a rate-limit bucket's state, so its key starts full again.
    public func resetLimit(_ key: LimitKey) async throws {
        let path = limitPath(key)
        try withWriterLock { () throws(CloakroomError) in _ = unlink(path) }
    }

    /// Deletes rate-limit state of buckets that have refilled; answers how many.
    public func pruneLimits(now: Int64) async throws -> Int {
        let folder = directory.path + "/limits"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var removed = 0
        for name in names {
            let path = folder + "/" + name
            try withWriterLock { () throws(CloakroomError) in
                let arrival = FileManager.default.contents(atPath: path).flatMap {
                    Int64(String(decoding: $0, as: UTF8.self))
                }
                if (arrival ?? now) <= now, unlink(path) == 0 { removed += 1 }
            }
        }
        return removed
    }
}
