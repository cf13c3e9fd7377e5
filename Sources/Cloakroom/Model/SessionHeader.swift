import Foundation

/// Everything Cloakroom knows about a session besides its data: the fields that a live
/// ``Session``, a ``StoredSession``, a listing and every store's record share, declared once.
///
/// ``Session`` and ``StoredSession`` read and write these fields directly (`session.userID` is
/// `session.header.userID`); a listing (``SessionSummary``) is a header alone.
public struct SessionHeader: Sendable, Hashable {
    /// The session's key in the stores.
    public var key: SessionKey
    /// The user the session belongs to; `nil` for anonymous sessions.
    public var userID: String?
    /// Times, IP and user agent.
    public var metadata: SessionMetadata
    /// The sliding deadline: the session dies when idle past it.
    public var idleDeadline: Date
    /// The fixed deadline: the session dies at this time however busy it is.
    public var absoluteDeadline: Date
    /// The version of the stored record; increments on every write, and compare-and-set checks
    /// it.
    public var version: UInt64

    /// Creates a header.
    public init(
        key: SessionKey,
        userID: String?,
        metadata: SessionMetadata,
        idleDeadline: Date,
        absoluteDeadline: Date,
        version: UInt64
    ) {
        self.key = key
        self.userID = userID
        self.metadata = metadata
        self.idleDeadline = idleDeadline
        self.absoluteDeadline = absoluteDeadline
        self.version = version
    }

    /// A short public name for the session (see ``SessionKey/handle``).
    public var handle: String { key.handle }

    /// The earlier of the two deadlines: the moment the session dies unless touched.
    public var deadline: Date { min(idleDeadline, absoluteDeadline) }

    /// Whether the session is alive at `now` (its deadline is still ahead).
    public func isLive(at now: Date) -> Bool { deadline > now }
}

/// A value built around a ``SessionHeader`` (``Session``, ``StoredSession``), whose fields it
/// reads and writes directly: `session.userID` is `session.header.userID`.
@dynamicMemberLookup
public protocol HasSessionHeader {
    /// The key, user, metadata, deadlines and version.
    var header: SessionHeader { get set }
}

extension HasSessionHeader {
    /// Reads or writes a field of the ``header``.
    @inlinable
    public subscript<Value>(dynamicMember field: WritableKeyPath<SessionHeader, Value>) -> Value {
        get { header[keyPath: field] }
        set { header[keyPath: field] = newValue }
    }

    /// Reads a derived value of the ``header`` (``SessionHeader/handle``,
    /// ``SessionHeader/deadline``).
    @inlinable
    public subscript<Value>(dynamicMember field: KeyPath<SessionHeader, Value>) -> Value {
        header[keyPath: field]
    }
}

/// What a listing shows of a session: its header, everything but its data.
public typealias SessionSummary = SessionHeader
