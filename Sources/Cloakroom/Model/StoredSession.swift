import Foundation

/// A session as a store keeps it: everything but the data is readable; the data is an opaque
/// payload (sealed by the cipher when keys are configured).
public struct StoredSession: Sendable, Hashable {
    /// The session's key.
    public var key: SessionKey
    /// The user the session belongs to; `nil` for anonymous sessions.
    public var userID: String?
    /// The data as written by the cipher; stores never look inside.
    public var payload: [UInt8]
    /// Times, IP and user agent.
    public var metadata: SessionMetadata
    /// The sliding deadline: the session dies when idle past it.
    public var idleDeadline: Date
    /// The fixed deadline: the session dies at this time however busy it is.
    public var absoluteDeadline: Date
    /// Increments on every write; compare-and-set checks it.
    public var version: UInt64

    /// Creates a stored session.
    public init(
        key: SessionKey,
        userID: String?,
        payload: [UInt8],
        metadata: SessionMetadata,
        idleDeadline: Date,
        absoluteDeadline: Date,
        version: UInt64
    ) {
        self.key = key
        self.userID = userID
        self.payload = payload
        self.metadata = metadata
        self.idleDeadline = idleDeadline
        self.absoluteDeadline = absoluteDeadline
        self.version = version
    }

    /// The earlier of the two deadlines: the moment the session dies unless touched.
    public var deadline: Date { min(idleDeadline, absoluteDeadline) }

    /// Whether the session is alive at `now` (its deadline is still ahead).
    public func isLive(at now: Date) -> Bool { deadline > now }
}
