import Foundation

/// What a session remembers about the tokens issued for it: its refresh-token chains and the
/// access tokens revoked one by one.
///
/// It travels inside ``SessionMetadata`` so that every store keeps it with the session, every
/// write of it is a compare-and-set of the session, and ending the session forgets it. It holds
/// only hashes of refresh tokens, never a token.
public struct SessionTokenState: Sendable, Hashable, Codable {
    /// The refresh-token chains, oldest first; each was started by one token grant.
    public var refreshChains: [RefreshChain]
    /// Access tokens revoked by `jti`, with the time each would have expired.
    public var revokedTokenIDs: [String: Date]
    /// Every access token issued at or before this time is revoked (set when the per-session list
    /// of revoked IDs would overflow).
    public var revokedIssuedThrough: Date?

    /// Creates a state.
    public init(
        refreshChains: [RefreshChain] = [],
        revokedTokenIDs: [String: Date] = [:],
        revokedIssuedThrough: Date? = nil
    ) {
        self.refreshChains = refreshChains
        self.revokedTokenIDs = revokedTokenIDs
        self.revokedIssuedThrough = revokedIssuedThrough
    }

    /// Whether nothing is remembered, so the state can be dropped from the record.
    public var isEmpty: Bool {
        refreshChains.isEmpty && revokedTokenIDs.isEmpty && revokedIssuedThrough == nil
    }

    enum CodingKeys: String, CodingKey {
        case refreshChains = "r"
        case revokedTokenIDs = "j"
        case revokedIssuedThrough = "t"
    }
}

/// One chain of single-use refresh tokens: the current one, the one it replaced, and short
/// fingerprints of all spent before that.
public struct RefreshChain: Sendable, Hashable, Codable {
    /// SHA-256 of the secret of the token that may be used next.
    public var current: Data
    /// SHA-256 of the secret of the token that ``current`` replaced.
    public var previous: Data?
    /// The current token's secret, sealed with a key derived from the previous token's secret, so
    /// that only a holder of the previous token can read it (to answer a racing duplicate refresh).
    public var sealedSuccessor: Data?
    /// When ``previous`` was replaced.
    public var rotatedAt: Date?
    /// The first ``RefreshChain/fingerprintLength`` bytes of the SHA-256 of each secret spent
    /// before ``previous``, oldest first, concatenated.
    public var spent: Data
    /// How many times the chain has been rotated.
    public var rotations: Int
    /// When the chain was started.
    public var createdAt: Date
    /// The scope granted with the chain, carried into every access token it refreshes.
    public var scope: String?

    /// Bytes of a spent token's fingerprint: 64 bits, so guessing one takes about 2⁶⁴ tries.
    public static let fingerprintLength = 8

    /// Creates a chain.
    public init(
        current: Data,
        previous: Data? = nil,
        sealedSuccessor: Data? = nil,
        rotatedAt: Date? = nil,
        spent: Data = Data(),
        rotations: Int = 0,
        createdAt: Date,
        scope: String? = nil
    ) {
        self.current = current
        self.previous = previous
        self.sealedSuccessor = sealedSuccessor
        self.rotatedAt = rotatedAt
        self.spent = spent
        self.rotations = rotations
        self.createdAt = createdAt
        self.scope = scope
    }

    enum CodingKeys: String, CodingKey {
        case current = "c"
        case previous = "p"
        case sealedSuccessor = "s"
        case rotatedAt = "t"
        case spent = "h"
        case rotations = "n"
        case createdAt = "a"
        case scope = "o"
    }
}
