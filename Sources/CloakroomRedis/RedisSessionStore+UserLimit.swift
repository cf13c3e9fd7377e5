import Cloakroom
import Foundation
import RESP

/// The per-user session limit on Redis: a lease lock per user.
///
/// A session and its user's index live in different cluster slots, so no single script can count,
/// end and insert. Instead every insert under a limit takes `{prefix}l:{user}` with
/// `SET NX PX` (a random token, a lease of ``userLockLease``), lists, ends and inserts, then
/// releases the lock only if it still holds it. Every instance sharing the Redis takes the same
/// lock, so one user's sign-ins take turns everywhere. The lease frees the lock of an instance
/// that dies holding it; a turn that outlasted it (a stalled instance) could overlap the next
/// one, which the lease's length, far above a turn's few round trips, makes remote.
extension RedisSessionStore {
    /// How long a user's lock holds before Redis frees it by itself.
    static let userLockLease = Duration.seconds(5)

    /// How long an insert waits for a user's lock before giving up.
    static let userLockWait = Duration.seconds(5)

    func userLockKey(_ userID: String) -> [UInt8] { Array(keyPrefix.utf8) + Array("l:".utf8) + Array(userID.utf8) }

    /// Inserts a new record for its user within the per-user limit, in one atomic step (see the protocol requirement).
    public func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws
        -> [SessionKey]
    {
        guard let userID = session.userID else {
            try await insert(session, now: now)
            return []
        }
        return try await holdingLock(ofUser: userID) {
            try await insertMakingRoom(session, ofUser: userID, within: limit, now: now)
        }
    }

    /// Runs `body` holding the user's lock, and releases it however `body` ends.
    private func holdingLock<T>(ofUser userID: String, _ body: () async throws -> T) async throws -> T {
        let lockKey = userLockKey(userID)
        let token = RESPArgument(SessionID.generate().key.hex)
        let clock = ContinuousClock()
        let giveUp = clock.now.advanced(by: Self.userLockWait)
        var pauseMicroseconds = 200
        while true {
            let reply = try await call("lock the user's sessions") {
                try await client.send(
                    RESPCommand(
                        "SET",
                        RESPArgument(bytes: lockKey),
                        token,
                        "NX",
                        "PX",
                        RESPArgument(Int(Self.userLockLease.components.seconds * 1000))
                    ),
                    key: lockKey
                )
            }
            if !reply.isNull { break }
            guard clock.now < giveUp else {
                throw CloakroomError(
                    .versionConflict,
                    "another request held this user's session lock in \(name) for \(Self.userLockWait); retry the request"
                )
            }
            try await Task.sleep(for: .microseconds(Int.random(in: 0...pauseMicroseconds)))
            pauseMicroseconds = min(pauseMicroseconds * 2, 20_000)
        }
        do {
            let value = try await body()
            try await unlock(lockKey, token: token)
            return value
        } catch {
            try? await unlock(lockKey, token: token)
            throw error
        }
    }

    private func unlock(_ lockKey: [UInt8], token: RESPArgument) async throws {
        _ = try await call("unlock the user's sessions") {
            try await client.run(RedisScripts.unlock, keys: [lockKey], arguments: [token])
        }
    }
}
