import Foundation

/// What a listing shows of a session: everything but its data.
public struct SessionSummary: Sendable, Hashable {
    /// The session's key in the stores.
    public var key: SessionKey
    /// The session's user.
    public var userID: String?
    /// Times, IP and user agent.
    public var metadata: SessionMetadata
    /// The sliding deadline.
    public var idleDeadline: Date
    /// The fixed deadline.
    public var absoluteDeadline: Date
    /// The stored version.
    public var version: UInt64

    /// A short public name for the session.
    public var handle: String { key.handle }

    /// The summary of a stored record.
    public init(_ stored: StoredSession) {
        self.key = stored.key
        self.userID = stored.userID
        self.metadata = stored.metadata
        self.idleDeadline = stored.idleDeadline
        self.absoluteDeadline = stored.absoluteDeadline
        self.version = stored.version
    }
}
