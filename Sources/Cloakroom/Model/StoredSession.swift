import Foundation

/// A session as a store keeps it: the header is readable; the data is an opaque payload (sealed
/// by the cipher when keys are configured).
///
/// The header's fields read and write directly: `stored.userID`, `stored.version`,
/// `stored.deadline` (see ``SessionHeader``).
public struct StoredSession: HasSessionHeader, Sendable, Hashable {
    /// The key, user, metadata, deadlines and version.
    public var header: SessionHeader
    /// The data as written by the cipher; stores never look inside.
    public var payload: [UInt8]

    /// Creates a stored session from its header and payload.
    public init(header: SessionHeader, payload: [UInt8]) {
        self.header = header
        self.payload = payload
    }

    /// Creates a stored session field by field.
    public init(
        key: SessionKey,
        userID: String?,
        payload: [UInt8],
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
            payload: payload
        )
    }

    /// Whether the session is alive at `now` (its deadline is still ahead).
    public func isLive(at now: Date) -> Bool { header.isLive(at: now) }
}
