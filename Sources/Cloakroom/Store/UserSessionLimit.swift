import Foundation

/// The most live sessions one user may hold, applied by a store in the same atomic step as the
/// insert of a new one (``SessionStore/insert(_:within:now:)``), so that concurrent sign-ins,
/// on one instance or many, never leave a user above it.
public struct UserSessionLimit: Sendable, Hashable {
    /// The most live sessions the user may hold, the new one included. At least 1.
    public var maximum: Int
    /// What a new session does when the user already holds ``maximum``.
    public var overflow: SessionPolicy.OverflowBehavior

    /// Creates a limit of `maximum` (at least 1) live sessions per user.
    public init(maximum: Int, overflow: SessionPolicy.OverflowBehavior) {
        precondition(maximum > 0, "a user session limit must allow at least one session")
        self.maximum = maximum
        self.overflow = overflow
    }

    /// The sessions that must end so that one more fits beside `live` (the user's live sessions):
    /// none while there is room, else the least recently used.
    ///
    /// - Throws: ``CloakroomError/Code/tooManySessions`` when the user is full and the overflow
    ///   behaviour is ``SessionPolicy/OverflowBehavior/refuse``.
    public func sessionsToEnd(among live: [StoredSession]) throws(CloakroomError) -> [StoredSession] {
        guard live.count >= maximum else { return [] }
        switch overflow {
        case .refuse:
            throw CloakroomError(
                .tooManySessions,
                "user already has \(live.count) sessions, the most allowed is \(maximum); end one first"
            )
        case .endLeastRecentlyUsed:
            // Ties broken by key, so that every store picks the same victims.
            let oldestFirst = live.sorted {
                ($0.metadata.lastSeenAt, $0.key.hex) < ($1.metadata.lastSeenAt, $1.key.hex)
            }
            return Array(oldestFirst.prefix(live.count - maximum + 1))
        }
    }
}
