import Foundation

/// One record of the memory store, packed: the key inline, the times and version as plain words,
/// and what most sessions lack (sign-in time, client facts, token state) behind one shared
/// reference that is `nil` when all of it is absent.
///
/// A ``StoredSession`` spreads the same fields over about 170 bytes inline plus a heap array for
/// the key; a slot is 112 bytes and reads back into a ``StoredSession`` without allocating.
struct SessionSlot: Sendable {
    /// The rarely present metadata, kept out of line and shared between versions of a record
    /// while it does not change.
    final class Extras: Sendable {
        let authenticatedAt: Date?
        let ip: String?
        let userAgent: String?
        let device: String?
        let tokens: SessionTokenState?

        /// The metadata's rarely present fields, or `nil` when it has none.
        static func of(_ metadata: SessionMetadata, reusing previous: Extras?) -> Extras? {
            if let previous, previous.matches(metadata) { return previous }
            guard
                metadata.authenticatedAt != nil || metadata.ip != nil || metadata.userAgent != nil
                    || metadata.device != nil || metadata.tokens != nil
            else { return nil }
            return Extras(metadata)
        }

        private init(_ metadata: SessionMetadata) {
            authenticatedAt = metadata.authenticatedAt
            ip = metadata.ip
            userAgent = metadata.userAgent
            device = metadata.device
            tokens = metadata.tokens
        }

        private func matches(_ metadata: SessionMetadata) -> Bool {
            authenticatedAt == metadata.authenticatedAt && ip == metadata.ip && userAgent == metadata.userAgent
                && device == metadata.device && tokens == metadata.tokens
        }
    }

    /// No neighbour in the user's chain.
    static let none: Int32 = -1

    var key: PackedSessionKey
    var idleDeadline: Date
    var absoluteDeadline: Date
    var createdAt: Date
    var lastSeenAt: Date
    var version: UInt64
    var userID: String?
    var payload: [UInt8]
    var extras: Extras?
    /// The slots before and after this one among its user's records (``none`` at either end).
    var previousOfUser: Int32 = none
    var nextOfUser: Int32 = none

    /// Packs a record, sharing `previous`'s extras when they are unchanged.
    init(_ session: StoredSession, reusing previous: Extras? = nil) {
        key = PackedSessionKey(session.key)
        idleDeadline = session.idleDeadline
        absoluteDeadline = session.absoluteDeadline
        createdAt = session.metadata.createdAt
        lastSeenAt = session.metadata.lastSeenAt
        version = session.version
        userID = session.userID
        payload = session.payload
        extras = Extras.of(session.metadata, reusing: previous)
    }

    /// The earlier of the two deadlines.
    var deadline: Date { min(idleDeadline, absoluteDeadline) }

    /// Whether the record is alive at `now`.
    func isLive(at now: Date) -> Bool { deadline > now }

    /// The record as a ``StoredSession``; `key` is the caller's copy of the slot's key, which
    /// spares rebuilding its bytes.
    func stored(key: SessionKey) -> StoredSession {
        StoredSession(
            key: key,
            userID: userID,
            payload: payload,
            metadata: SessionMetadata(
                createdAt: createdAt,
                lastSeenAt: lastSeenAt,
                authenticatedAt: extras?.authenticatedAt,
                ip: extras?.ip,
                userAgent: extras?.userAgent,
                device: extras?.device,
                tokens: extras?.tokens
            ),
            idleDeadline: idleDeadline,
            absoluteDeadline: absoluteDeadline,
            version: version
        )
    }

    /// The record as a ``StoredSession``, its key rebuilt from the slot.
    var stored: StoredSession { stored(key: key.sessionKey) }
}
