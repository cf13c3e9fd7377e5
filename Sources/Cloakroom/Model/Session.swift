import Foundation

/// A live session as the manager hands it out: its header and decoded data, never the ID.
///
/// The header's fields read and write directly: `session.userID`, `session.version`,
/// `session.idleDeadline` (see ``SessionHeader``).
public struct Session: HasSessionHeader, Sendable, Hashable {
    /// The key, user, metadata, deadlines and version of the record this was read from or
    /// written as.
    public var header: SessionHeader
    /// The decoded data.
    public var data: SessionData

    /// Creates a session from its header and data.
    public init(header: SessionHeader, data: SessionData) {
        self.header = header
        self.data = data
    }

    /// Creates a session value field by field.
    public init(
        key: SessionKey,
        userID: String?,
        data: SessionData,
        metadata: SessionMetadata,
        idleDeadline: Date,
        absoluteDeadline: Date,
        version: UInt64
    ) {
        self.init(
            header: SessionHeader(
                key: key,
                userID: userID,
                metadata: metadata,
                idleDeadline: idleDeadline,
                absoluteDeadline: absoluteDeadline,
                version: version
            ),
            data: data
        )
    }
}
