#if Vapor
    import Cloakroom
    import CloakroomWeb
    import Foundation
    import Vapor

    /// Vapor's `SessionDriver` on any Cloakroom store: `req.session` as Vapor documents it, kept the
    /// way Cloakroom keeps sessions.
    ///
    /// Install it with `app.sessions.use(.cloakroom)` (an in-memory store) or
    /// `app.sessions.use(.cloakroom(manager))`. Compared with Vapor's own drivers:
    /// - A request that changes nothing writes nothing: Vapor's `SessionsMiddleware` calls
    ///   ``updateSession(_:to:for:)`` on every request that has a session, and the driver compares the
    ///   data with what it read.
    /// - Only the keys a request changed are written, so two requests changing different keys of one
    ///   session both keep their change.
    /// - An unknown or malformed cookie, or a request that only looked at `req.session`, makes no
    ///   record: an empty session is never stored.
    /// - A sign-in, a switch of user or a sign-out through `req.auth` with `SessionAuthenticatable`
    ///   (a change of a `_…Session` key) gives the session a new ID; the old one stops working on
    ///   every instance at once (the defence against session fixation). The signed-in user is
    ///   recorded, so their sessions can be listed and ended together.
    /// - IDs are 256-bit and stored only as hashes; idle and absolute expiry and the touch interval
    ///   follow the manager's ``Cloakroom/SessionPolicy``.
    ///
    /// Values are Vapor's strings, stored as JSON strings; a value another part of the app stored as
    /// other JSON (a number set through `req.cloakroom`) reads as its JSON text.
    public struct CloakroomSessionDriver: AsyncSessionDriver {
        /// The sessions behind the driver.
        public let manager: SessionManager

        /// A driver over `manager`.
        public init(manager: SessionManager) {
            self.manager = manager
        }

        /// Stores a new session holding `data`; an empty one is not stored (see the type's notes).
        public func createSession(_ data: Vapor.SessionData, for request: Request) async throws -> Vapor.SessionID {
            let values = data.snapshot
            guard !values.isEmpty else {
                request.storage[CookieNeedKey.self] = .unchanged
                return Self.unstoredID(for: request)
            }
            let issued = try await manager.create(
                userID: VaporSessionValues.user(in: values),
                data: VaporSessionValues.data(values),
                client: request.cloakroomClient
            )
            request.storage[CookieNeedKey.self] = .newID
            return Vapor.SessionID(string: issued.id.encoded)
        }

        /// The data of the live session with this ID, or `nil` (unknown, expired, malformed or
        /// unreadable: the visitor starts afresh).
        public func readSession(_ sessionID: Vapor.SessionID, for request: Request) async throws -> Vapor.SessionData? {
            guard let id = try? Cloakroom.SessionID(parsing: sessionID.string) else { return nil }
            let resumed: (session: Cloakroom.Session, touched: Bool)?
            do {
                let client = manager.policy.clientChange.watchesClient ? request.cloakroomClient : nil
                resumed = try await manager.resumeNotingTouch(id, client: client)
            } catch let error as CloakroomError where error.code == .corruptRecord || error.code == .decryptionFailed {
                resumed = nil
            }
            guard let (session, touched) = resumed else { return nil }
            let values = VaporSessionValues.strings(session.data)
            request.storage[ReadSessionKey.self] = ReadSession(id: id, session: session, values: values)
            // The touch moved the idle deadline, which a persistent cookie's expiry follows.
            request.storage[CookieNeedKey.self] = touched ? .newExpiry : .unchanged
            return Vapor.SessionData(initialData: values)
        }

        /// Writes the keys this request changed; nothing when it changed none. A change of the
        /// signed-in user gives the session a new ID, which is returned.
        public func updateSession(
            _ sessionID: Vapor.SessionID,
            to data: Vapor.SessionData,
            for request: Request
        ) async throws -> Vapor.SessionID {
            guard let id = try? Cloakroom.SessionID(parsing: sessionID.string) else {
                return try await createSession(data, for: request)
            }
            let read = request.storage[ReadSessionKey.self].flatMap { $0.id == id ? $0 : nil }
            let before = read?.values ?? [:]
            let after = data.snapshot
            // Unchanged: the need the read recorded (a touch, or none) stands.
            if before == after { return sessionID }
            let changes = VaporSessionValues.changes(from: before, to: after)
            let user = VaporSessionValues.user(in: after)
            if user != VaporSessionValues.user(in: before) {
                return try await changeUser(of: id, to: user, changes: changes, data: after, for: request)
            }
            do {
                _ = try await manager.update(id, changes: changes, basedOn: read?.session)
                request.storage[CookieNeedKey.self] = .newExpiry
                return sessionID
            } catch let error as CloakroomError where error.code == .sessionNotFound {
                // Ended meanwhile (signed out everywhere, expired): what this request changed starts
                // a new anonymous session; the user it held is not brought back.
                var fresh = Cloakroom.SessionData()
                try changes.applyAll(to: &fresh)
                return try await createSession(
                    Vapor.SessionData(initialData: VaporSessionValues.strings(fresh)),
                    for: request
                )
            }
        }

        /// Ends the session everywhere.
        public func deleteSession(_ sessionID: Vapor.SessionID, for request: Request) async throws {
            request.storage[CookieNeedKey.self] = .clear
            guard let id = try? Cloakroom.SessionID(parsing: sessionID.string) else { return }
            _ = try await manager.end(id)
        }

        /// Sign-in or switch: rotate to a new ID signed in as `user`; sign-out: end the session and
        /// keep the rest of its data under a new anonymous one. A CSRF token never crosses over.
        private func changeUser(
            of id: Cloakroom.SessionID,
            to user: String?,
            changes: SessionChanges,
            data: [String: String],
            for request: Request
        ) async throws -> Vapor.SessionID {
            var remaining = data
            remaining[SessionHandle.csrfTokenKey] = nil
            if let user {
                var changes = changes
                changes.set[SessionHandle.csrfTokenKey] = nil
                changes.unset.insert(SessionHandle.csrfTokenKey)
                do {
                    let issued = try await manager.rotate(
                        id,
                        signingIn: user,
                        client: request.cloakroomClient,
                        changes: changes
                    )
                    request.storage[CookieNeedKey.self] = .newID
                    return Vapor.SessionID(string: issued.id.encoded)
                } catch let error as CloakroomError where error.code == .sessionNotFound {
                    return try await createSession(Vapor.SessionData(initialData: remaining), for: request)
                }
            }
            _ = try await manager.end(id)
            let fresh = try await createSession(Vapor.SessionData(initialData: remaining), for: request)
            // Nothing left to keep: the client's cookie names the ended session.
            if request.storage[CookieNeedKey.self] == .unchanged { request.storage[CookieNeedKey.self] = .clear }
            return fresh
        }

        /// What Vapor's middleware gets back for a session that is not stored: the client's own
        /// cookie (so nothing it holds changes) or, without one, a fresh ID no record has.
        private static func unstoredID(for request: Request) -> Vapor.SessionID {
            if let sent = request.cookies[request.application.sessions.configuration.cookieName]?.string {
                return Vapor.SessionID(string: sent)
            }
            return Vapor.SessionID(string: Cloakroom.SessionID.generate().encoded)
        }
    }

    /// The session this request read, to compare the data Vapor hands back with.
    struct ReadSession: Sendable {
        let id: Cloakroom.SessionID
        let session: Cloakroom.Session
        let values: [String: String]
    }

    enum ReadSessionKey: StorageKey {
        typealias Value = ReadSession
    }

    /// What the cookie Vapor's middleware sets after the driver's work is worth to the client, for
    /// ``CloakroomSessionsMiddleware`` to drop it when it is worth nothing.
    enum CookieNeed: Sendable {
        /// The client's cookie already says it all (nothing stored, or an untouched session).
        case unchanged
        /// Same ID, but the idle deadline moved: a cookie with an expiry needs the new one.
        case newExpiry
        /// A new ID: the cookie must be sent.
        case newID
        /// The session ended: the client should forget its cookie.
        case clear
    }

    enum CookieNeedKey: StorageKey {
        typealias Value = CookieNeed
    }
#endif
