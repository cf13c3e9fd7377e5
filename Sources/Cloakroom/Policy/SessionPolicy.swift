import Foundation

/// The rules the manager applies to every session. The defaults are the safe choice.
public struct SessionPolicy: Sendable, Hashable {
    /// What happens when a user who already holds ``SessionPolicy/maximumSessionsPerUser``
    /// sessions signs in once more.
    public enum OverflowBehavior: Sendable, Hashable {
        /// End the session used least recently, then create the new one.
        case endLeastRecentlyUsed
        /// Refuse the new session with ``CloakroomError/Code/tooManySessions``.
        case refuse
    }

    /// A session dies after this long without use (sliding). Default: 30 minutes.
    public var idleTimeout: Duration
    /// A session dies this long after it was created, however busy. Default: 24 hours.
    public var absoluteTimeout: Duration
    /// A resume writes "last seen" and slides the idle deadline at most this often, so reads stay
    /// reads. Default: 60 seconds; must be shorter than the idle timeout.
    public var touchInterval: Duration
    /// The most live sessions one user may hold. Default: 100, so that one account (or a script
    /// signing in with it in a loop) cannot fill the store; raise it as needed, or set `nil` for
    /// no limit.
    public var maximumSessionsPerUser: Int?
    /// What happens beyond ``maximumSessionsPerUser``. Default: end the least recently used.
    public var overflowBehavior: OverflowBehavior
    /// The largest encoded session data, in bytes of JSON. Default: 64 KiB.
    public var maximumDataSize: Int
    /// The longest user ID, in bytes of UTF-8. Default: 256.
    public var maximumUserIDLength: Int
    /// What a resume does when the client's IP or user agent changed. Default: record the new
    /// ones and emit an event.
    public var clientChange: ClientChangePolicy

    /// ``maximumSessionsPerUser`` and ``overflowBehavior`` as the limit a store applies, or `nil`
    /// for none.
    public var userSessionLimit: UserSessionLimit? {
        guard let maximumSessionsPerUser, maximumSessionsPerUser > 0 else { return nil }
        return UserSessionLimit(maximum: maximumSessionsPerUser, overflow: overflowBehavior)
    }

    /// The default of ``maximumSessionsPerUser``.
    public static let defaultMaximumSessionsPerUser = 100

    /// Creates a policy; every argument has a safe default.
    public init(
        idleTimeout: Duration = .seconds(30 * 60),
        absoluteTimeout: Duration = .seconds(24 * 3600),
        touchInterval: Duration = .seconds(60),
        maximumSessionsPerUser: Int? = SessionPolicy.defaultMaximumSessionsPerUser,
        overflowBehavior: OverflowBehavior = .endLeastRecentlyUsed,
        maximumDataSize: Int = 64 * 1024,
        maximumUserIDLength: Int = 256,
        clientChange: ClientChangePolicy = ClientChangePolicy()
    ) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.touchInterval = touchInterval
        self.maximumSessionsPerUser = maximumSessionsPerUser
        self.overflowBehavior = overflowBehavior
        self.maximumDataSize = maximumDataSize
        self.maximumUserIDLength = maximumUserIDLength
        self.clientChange = clientChange
    }

    /// The idle deadline of a session used at `now`: the idle timeout from now, never past the
    /// session's absolute deadline. The one place this rule is written; every write that records
    /// use of a session (create, update, touch, rotate, client change) asks here.
    public func idleDeadline(usedAt now: Date, absoluteDeadline: Date) -> Date {
        min(now.addingTimeInterval(idleTimeout.seconds), absoluteDeadline)
    }

    /// Checks that the values fit together.
    ///
    /// - Throws: ``CloakroomError/Code/invalidConfiguration`` naming the value that does not.
    public func validate() throws(CloakroomError) {
        guard idleTimeout > .zero else {
            throw CloakroomError(.invalidConfiguration, "idle timeout must be positive, e.g. 30m")
        }
        guard absoluteTimeout > .zero else {
            throw CloakroomError(.invalidConfiguration, "absolute timeout must be positive, e.g. 24h")
        }
        guard touchInterval >= .zero, touchInterval < idleTimeout else {
            throw CloakroomError(
                .invalidConfiguration,
                "touch interval must be at least 0 and shorter than the idle timeout, or sessions would expire while in use"
            )
        }
        if let maximumSessionsPerUser, maximumSessionsPerUser < 1 {
            throw CloakroomError(.invalidConfiguration, "maximum sessions per user must be at least 1")
        }
        guard maximumDataSize >= 2 else {
            throw CloakroomError(.invalidConfiguration, "maximum data size must hold at least an empty object ({})")
        }
        guard maximumUserIDLength >= 1 else {
            throw CloakroomError(.invalidConfiguration, "maximum user ID length must be at least 1")
        }
    }

    /// Checks a user ID: not empty, within ``maximumUserIDLength``, no control characters.
    public func validate(userID: String) throws(CloakroomError) {
        guard !userID.isEmpty, userID.utf8.count <= maximumUserIDLength else {
            throw CloakroomError(
                .invalidUserID,
                "user_id must be 1 to \(maximumUserIDLength) bytes of UTF-8, got \(userID.utf8.count)"
            )
        }
        guard !userID.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw CloakroomError(.invalidUserID, "user_id must not contain control characters")
        }
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
