import Foundation

/// Something that happened to a session. Events name sessions by handle, never by ID.
public struct SessionEvent: Sendable, Hashable, Codable {
    /// What kind of thing happened.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A session was created.
        case created
        /// A session was resumed.
        case resumed
        /// A session got a new ID.
        case rotated
        /// A session's data changed.
        case updated
        /// A session ended; ``SessionEvent/reason`` says why.
        case ended
        /// A used refresh token was presented again.
        case refreshTokenReuse = "refresh_token_reuse"
        /// A request was refused by a rate limit.
        case rateLimited = "rate_limited"
        /// A store composition stopped using one of its stores (``SessionEvent/store``) because it
        /// was failing.
        case storeBypassed = "store_bypassed"
        /// A store composition uses a store (``SessionEvent/store``) again after an outage.
        case storeRestored = "store_restored"
        /// A resume came from another IP address or user agent than the session last saw
        /// (``SessionEvent/ip`` is the new address; see ``ClientChangePolicy``).
        case clientChanged = "client_changed"
    }

    /// Why a session ended.
    public enum EndReason: String, Sendable, Hashable, Codable {
        /// The user signed out.
        case logout
        /// A deadline passed.
        case expired
        /// The per-user limit made room for a newer session.
        case evicted
        /// An operator or "sign out everywhere" ended it.
        case revoked
        /// Rotation replaced it with a new ID.
        case replaced
        /// It was resumed from another client and ``ClientChangePolicy`` ends such sessions.
        case clientChanged = "client_changed"
    }

    /// What happened.
    public var kind: Kind
    /// When it happened.
    public var time: Date
    /// The session's handle (a prefix of its key), never its ID.
    public var handle: String?
    /// The session's user, if any.
    public var userID: String?
    /// Why the session ended, for ``Kind/ended``.
    public var reason: EndReason?
    /// The client's IP address, when known.
    public var ip: String?
    /// The store concerned, for ``Kind/storeBypassed`` and ``Kind/storeRestored``.
    public var store: String?
    /// The rate-limit bucket, for ``Kind/rateLimited`` (never the limited key).
    public var bucket: String?
    /// How many sessions the event stands for, when it reports a batch the store cannot name one
    /// by one (sessions expired and pruned together); `nil` for an event about one session.
    public var count: Int?

    /// Creates an event.
    public init(
        kind: Kind,
        time: Date,
        handle: String? = nil,
        userID: String? = nil,
        reason: EndReason? = nil,
        ip: String? = nil,
        store: String? = nil,
        bucket: String? = nil,
        count: Int? = nil
    ) {
        self.kind = kind
        self.time = time
        self.handle = handle
        self.userID = userID
        self.reason = reason
        self.ip = ip
        self.store = store
        self.bucket = bucket
        self.count = count
    }

    enum CodingKeys: String, CodingKey {
        case kind, time, handle, reason, ip, store, bucket, count
        case userID = "user_id"
    }
}
