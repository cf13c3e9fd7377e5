import Crypto
import Foundation

/// Where rate-limit state lives: one theoretical arrival time per bucket and key (see
/// ``CellRate``). Memory, SQLite, PostgreSQL and Redis stores implement it; the limit
/// conformance suite in `CloakroomTesting` checks each.
public protocol LimitStore: Sendable {
    /// Atomically, for `key`: `base = max(stored TAT, now)`; if `base + increment − now ≤
    /// tolerance`, store `base + increment` (kept at least until that time) and answer
    /// `(allowed: true, arrival: base + increment)`; otherwise change nothing and answer
    /// `(allowed: false, arrival: base)`. Times are microseconds since 1970.
    func advanceArrival(_ key: LimitKey, by increment: Int64, tolerance: Int64, now: Int64) async throws
        -> CellRate.Step

    /// Forgets `key`'s state, so its bucket is full again.
    func resetLimit(_ key: LimitKey) async throws

    /// Removes state whose TAT is past (it means a full bucket); returns how many entries went.
    /// Stores whose entries expire by themselves return 0.
    func pruneLimits(now: Int64) async throws -> Int
}

/// A bucket and key as stores know them: the SHA-256 of both, so that keys (IPs, user names) of
/// any length and bytes take 32 bytes and never reach a store in clear.
public struct LimitKey: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// The key of `key` in `bucket`.
    public init(bucket: String, key: String) {
        var input = Array(bucket.utf8)
        input.append(0)
        input.append(contentsOf: key.utf8)
        bytes = SHA256.hash(data: input).withUnsafeBytes { Array($0) }
    }

    /// Lowercase hex.
    public var hex: String { Hex.encode(bytes) }

    /// The first 16 hex characters.
    public var description: String { String(hex.prefix(16)) }
}
