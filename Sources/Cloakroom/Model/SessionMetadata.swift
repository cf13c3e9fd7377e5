import Foundation

/// What Cloakroom records about a session besides its data.
public struct SessionMetadata: Sendable, Hashable, Codable {
    /// When the session was created.
    public var createdAt: Date
    /// When the session was last used, recorded at most once per touch interval.
    public var lastSeenAt: Date
    /// When a user last signed in to this session, if one did.
    public var authenticatedAt: Date?
    /// The IP address the session was last seen from (created from, until a resume reports
    /// another; see ``ClientChangePolicy``).
    public var ip: String?
    /// The user agent the session was last seen with, as ``ip``.
    public var userAgent: String?
    /// A short device label derived from the user agent, e.g. "Firefox on Linux".
    public var device: String?
    /// What the session remembers about tokens issued for it; `nil` when none were.
    public var tokens: SessionTokenState?

    /// Creates metadata.
    public init(
        createdAt: Date,
        lastSeenAt: Date,
        authenticatedAt: Date? = nil,
        ip: String? = nil,
        userAgent: String? = nil,
        device: String? = nil,
        tokens: SessionTokenState? = nil
    ) {
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.authenticatedAt = authenticatedAt
        self.ip = ip
        self.userAgent = userAgent
        self.device = device
        self.tokens = tokens
    }

    enum CodingKeys: String, CodingKey {
        case createdAt = "c"
        case lastSeenAt = "l"
        case authenticatedAt = "a"
        case ip = "i"
        case userAgent = "u"
        case device = "d"
        case tokens = "k"
    }
}
