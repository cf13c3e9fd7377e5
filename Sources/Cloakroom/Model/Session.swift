import Foundation

/// A live session as the manager hands it out: decoded data and public facts, never the ID.
public struct Session: Sendable, Hashable {
    /// The session's key in the stores.
    public var key: SessionKey
    /// The user the session belongs to; `nil` for anonymous sessions.
    public var userID: String?
    /// The decoded data.
    public var data: SessionData
    /// Times, IP and user agent.
    public var metadata: SessionMetadata
    /// The sliding deadline.
    public var idleDeadline: Date
    /// The fixed deadline.
    public var absoluteDeadline: Date
    /// The version of the stored record this was read from or written as.
    public var version: UInt64

    /// A short public name for the session (see ``SessionKey/handle``).
    public var handle: String { key.handle }

    /// Creates a session value.
    public init(
        key: SessionKey,
        userID: String?,
        data: SessionData,
        metadata: SessionMetadata,
        idleDeadline: Date,
        absoluteDeadline: Date,
        version: UInt64
    ) {
        self.key = key
        self.userID = userID
        self.data = data
        self.metadata = metadata
        self.idleDeadline = idleDeadline
        self.absoluteDeadline = absoluteDeadline
        self.version = version
    }
}
