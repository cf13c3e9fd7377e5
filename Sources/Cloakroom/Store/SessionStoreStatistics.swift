import Foundation

/// Extra counts a store can give cheaply, for operators (`cloakroom stats`).
public protocol SessionStoreStatistics: SessionStore {
    /// Records past their deadline that pruning has not yet removed.
    func expiredCount(now: Date) async throws -> Int

    /// The users holding the most live sessions, most first.
    func topUsers(limit: Int, now: Date) async throws -> [(userID: String, sessions: Int)]
}
