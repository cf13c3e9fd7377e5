import Cloakroom
import Foundation
import Logging

/// The operations behind the `cloakroom` command-line tool, against any store URL.
public struct StoreAdministration: Sendable {
    /// The store operated on.
    public let store: any SessionStore
    let clock: any SessionClock

    /// Opens the store at `location`; run it (`withRunning(_:)`) while you use it.
    public init(
        location: StoreLocation,
        clock: any SessionClock = SystemSessionClock(),
        logger: Logger = .cloakroomDisabled
    ) throws {
        self.store = try location.open(logger: logger)
        self.clock = clock
    }

    /// Counts of a store.
    public struct Statistics: Sendable, Hashable, Codable {
        /// Sessions whose deadlines are ahead.
        public var liveSessions: Int
        /// Records past their deadline that pruning has not yet removed, when the store can tell.
        public var expiredAwaitingPrune: Int?
        /// The users with the most live sessions, when the store can tell.
        public var topUsers: [UserCount]?

        /// Creates statistics.
        public init(liveSessions: Int, expiredAwaitingPrune: Int?, topUsers: [UserCount]? = nil) {
            self.liveSessions = liveSessions
            self.expiredAwaitingPrune = expiredAwaitingPrune
            self.topUsers = topUsers
        }

        enum CodingKeys: String, CodingKey {
            case liveSessions = "live_sessions"
            case expiredAwaitingPrune = "expired_awaiting_prune"
            case topUsers = "top_users"
        }
    }

    /// A user and how many live sessions they hold.
    public struct UserCount: Sendable, Hashable, Codable {
        /// The user.
        public var userID: String
        /// Their live sessions.
        public var sessions: Int

        /// Creates a count.
        public init(userID: String, sessions: Int) {
            self.userID = userID
            self.sessions = sessions
        }

        enum CodingKeys: String, CodingKey {
            case userID = "user_id"
            case sessions
        }
    }

    /// Live and expired counts, and the `top` users by live sessions.
    public func statistics(top: Int = 10) async throws -> Statistics {
        let now = clock.now
        let live = try await store.count(now: now)
        guard let detailed = store as? any SessionStoreStatistics else {
            return Statistics(liveSessions: live, expiredAwaitingPrune: nil)
        }
        return Statistics(
            liveSessions: live,
            expiredAwaitingPrune: try await detailed.expiredCount(now: now),
            topUsers: try await detailed.topUsers(limit: top, now: now).map {
                UserCount(userID: $0.userID, sessions: $0.sessions)
            }
        )
    }

    /// Prunes every expired record in batches, reporting the running total after each batch.
    ///
    /// The batch size and the rest between batches default to the store's own
    /// (``Cloakroom/SessionStore/pruneBatchSize``, ``Cloakroom/SessionStore/pruneBatchPause``).
    public func prune(
        batchSize: Int? = nil,
        pause: Duration? = nil,
        progress: (Int) -> Void
    ) async throws -> Int {
        try await PruningService(store: store, clock: clock, batchSize: batchSize, batchPause: pause)
            .pruneOnce(progress: progress)
    }

    /// Ends all of a user's sessions, except the one whose handle is `exceptHandle`.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/sessionNotFound`` when `exceptHandle` names no
    ///   live session of the user (so a typo never ends the session meant to be kept).
    public func endUser(_ userID: String, exceptHandle: String?) async throws -> Int {
        try SessionPolicy().validate(userID: userID)
        let now = clock.now
        var keep: SessionKey?
        if let exceptHandle {
            keep = try await store.sessions(ofUser: userID, now: now).first { $0.key.handle == exceptHandle }?.key
            guard keep != nil else {
                throw CloakroomError(
                    .sessionNotFound,
                    "user has no live session with handle '\(exceptHandle)'; list them with the HTTP API first"
                )
            }
        }
        return try await store.deleteAll(ofUser: userID, except: keep, now: now)
    }
}
