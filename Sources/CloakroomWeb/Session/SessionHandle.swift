import Cloakroom
import Foundation
import Synchronization

/// One request's view of its session: loaded on first use, changed in memory, saved once by the
/// framework integration's session middleware after the handler returns.
///
/// The same handle serves every framework: Hummingbird's `context.session` and Vapor's
/// `req.cloakroom` are this type.
///
/// A request that never asks costs no store call; one that only reads costs one load (and, at
/// most once per ``Cloakroom/SessionPolicy/touchInterval``, the touch that slides the idle
/// deadline); one that changes nothing writes nothing and gets no `Set-Cookie`. Changes are
/// recorded key by key, so two requests changing different keys of one session both survive.
///
/// The handle is a reference shared by every copy of the request context, so changes a handler
/// makes are seen by the middleware that saves them.
public final class SessionHandle: Sendable {
    /// What the middleware must tell the client once the request is done.
    package enum CookieAction: Equatable {
        /// Nothing: the client's cookie is still right.
        case none
        /// Send the session's ID with this expiry. `issued`: the ID is new in this request (a
        /// session cookie must be sent too); otherwise only the deadline moved.
        case set(id: SessionID, expires: Date, issued: Bool)
        /// Tell the client to forget the cookie.
        case clear
    }

    struct State {
        /// The ID the client sent or the one issued during this request.
        var id: SessionID?
        /// Whether the store was asked for the session behind ``id``.
        var loaded = false
        /// The session as last read or written; `nil` when there is none.
        var session: Session?
        /// Keys set or removed and not yet saved.
        var changes = SessionChanges()
        /// A new ID was issued during this request: the client must learn it.
        var issued = false
        /// The session's idle deadline moved: a persistent cookie's `Expires` must follow.
        var deadlineMoved = false
        /// The idle deadline when the session was loaded: what the client's `Expires` says.
        var loadedIdleDeadline: Date?
        /// The session was ended during this request.
        var ended = false
        /// The client sent a session cookie.
        var sentCookie = false
        /// Stored values this request read (`nil`: absent), first read of each key: what a
        /// strict save expects to find still stored. Kept only under
        /// ``SessionConflictPolicy/refuseStaleReads``; merging saves never look at them.
        var readValues: [String: JSONValue?] = [:]
    }

    let manager: SessionManager?
    let conflicts: SessionConflictPolicy
    /// Who is asking, worked out only when a session is created, rotated or resumed under a
    /// policy that compares clients (``ClientChangePolicy``).
    let describeClient: @Sendable () -> ClientInfo
    let state: Mutex<State>

    /// The data key holding the CSRF token of the session.
    public static let csrfTokenKey = "_csrf"

    /// A handle with no middleware behind it; every operation throws until the integration's
    /// session middleware replaces it. Request contexts start with this one.
    public convenience init() {
        self.init(manager: nil, cookieValue: nil, client: { ClientInfo() })
    }

    /// A request's handle, as a session middleware makes it.
    ///
    /// - Parameters:
    ///   - manager: the sessions; `nil` for a handle whose every operation throws.
    ///   - cookieValue: the session cookie the client sent, if any; a malformed one means "no
    ///     session" and is never looked up.
    ///   - conflicts: what a stale read meets when it is saved.
    ///   - client: who is asking, worked out only when needed.
    package init(
        manager: SessionManager?,
        cookieValue: Substring?,
        conflicts: SessionConflictPolicy = .mergeByKey,
        client: @escaping @Sendable () -> ClientInfo
    ) {
        self.manager = manager
        self.conflicts = conflicts
        self.describeClient = client
        var initial = State()
        initial.sentCookie = cookieValue != nil
        // A malformed cookie is "no session": nothing is looked up and nothing is created.
        if let cookieValue, let id = try? SessionID(parsing: cookieValue) {
            initial.id = id
        } else {
            initial.loaded = true
        }
        state = Mutex(initial)
    }

    // MARK: Reading

    /// The live session with this request's changes applied, or `nil` when there is none.
    ///
    /// The first call loads it from the store; later calls answer from memory.
    public func current() async throws -> Session? {
        let manager = try requireManager()
        let pending: SessionID? = state.withLock { $0.loaded ? nil : $0.id }
        if let pending {
            let resumed: (session: Session, touched: Bool)?
            do {
                // Compared with the client the session last saw, when the policy watches it.
                let client = manager.policy.clientChange.watchesClient ? describeClient() : nil
                resumed = try await manager.resumeNotingTouch(pending, client: client)
            } catch let error as CloakroomError where error.code == .corruptRecord || error.code == .decryptionFailed {
                // A record that cannot be read is "no session": the visitor starts afresh.
                resumed = nil
            }
            state.withLock { state in
                guard !state.loaded, state.id == pending else { return }
                state.loaded = true
                let session = resumed?.session
                state.session = session
                if resumed?.touched == true {
                    state.deadlineMoved = true
                    // The touch moved it; the client holds the deadline before the touch.
                    state.loadedIdleDeadline = nil
                } else {
                    state.loadedIdleDeadline = session?.idleDeadline
                }
            }
        }
        return state.withLock { state in
            guard var session = state.session else { return nil }
            state.changes.apply(to: &session.data)
            return session
        }
    }

    /// The signed-in user of the session, or `nil` for anonymous or missing sessions.
    public func userID() async throws -> String? {
        try await current()?.userID
    }

    /// The value under `key` decoded as `T`, or `nil` when the key is absent or there is no
    /// session. Values set during this request are seen at once.
    ///
    /// - Throws: a `DecodingError` when the stored value does not decode as `T`.
    public func get<T: Decodable>(_ type: T.Type = T.self, forKey key: String) async throws -> T? {
        if let local = state.withLock({ $0.changes.set[key] }) {
            return try SessionData([key: local]).decode(T.self, forKey: key)
        }
        if state.withLock({ $0.changes.unset.contains(key) }) { return nil }
        guard let session = try await current() else { return nil }
        if conflicts == .refuseStaleReads {
            let stored = session.data[key]
            state.withLock { state in
                if state.readValues[key] == nil { state.readValues[key] = .some(stored) }
            }
        }
        return try session.data.decode(T.self, forKey: key)
    }

    // MARK: Changing

    /// Stores `value` under `key`; saved when the request ends. Without a session, one is created
    /// then, holding the data set during the request.
    public func set(_ value: some Encodable, forKey key: String) throws {
        var scratch = SessionData()
        try scratch.set(value, forKey: key)
        let encoded = scratch[key]
        state.withLock { state in
            state.changes.unset.remove(key)
            state.changes.set[key] = encoded
        }
    }

    /// Removes `key`; saved when the request ends.
    public func remove(forKey key: String) {
        state.withLock { state in
            state.changes.set[key] = nil
            state.changes.unset.insert(key)
        }
    }

    /// Changes `key` from its latest stored value and saves it at once, before the handler
    /// returns; answers the value saved.
    ///
    /// `transform` gets the value stored now (`nil` when absent) and answers the new one (`nil`
    /// removes the key). When another request saves first, it runs again against their value,
    /// so no concurrent change is lost: a counter incremented by 32 requests at once ends 32
    /// higher, where `get` then `set` would lose most of them. A change of `key` made earlier in
    /// this request (with ``set(_:forKey:)`` or ``remove(forKey:)``) is saved with it, first.
    /// Without a session, one is created when the request ends, holding `transform(nil)`.
    ///
    /// - Parameters:
    ///   - type: the type of the key's value.
    ///   - key: the data key to change.
    ///   - transform: may run more than once; no side effects beyond its result.
    /// - Throws: a `DecodingError` when the stored value is not a `T`, whatever `transform`
    ///   throws, and the store's errors.
    @discardableResult
    public func modify<T: Codable & Sendable>(
        _ type: T.Type = T.self,
        forKey key: String,
        _ transform: @escaping @Sendable (T?) throws -> T?
    ) async throws -> T? {
        let manager = try requireManager()
        _ = try await current()
        let (id, session, pending) = state.withLock { state in
            // An earlier change of the key in this request goes first, in the same save.
            var pending = SessionChanges(modifications: [.typed(key, transform)])
            if let value = state.changes.set.removeValue(forKey: key) { pending.set[key] = value }
            if state.changes.unset.remove(key) != nil { pending.unset.insert(key) }
            return (state.id, state.session, pending)
        }
        if let id, let session {
            do {
                let saved = try await manager.update(id, changes: pending, basedOn: session)
                state.withLock { state in
                    guard state.id == id, !state.ended else { return }
                    state.session = saved
                    state.deadlineMoved = true
                    state.readValues[key] = nil
                }
                return try saved.data.decode(T.self, forKey: key)
            } catch let error as CloakroomError where error.code == .sessionNotFound {
                state.withLock { $0.session = nil }
            }
        }
        // No session yet: nobody else can change it, so the value is simply set.
        var data = SessionData()
        try pending.applyAll(to: &data)
        state.withLock { state in
            state.changes.unset.remove(key)
            state.changes.set[key] = data[key]
            if data[key] == nil { state.changes.unset.insert(key) }
        }
        return try data.decode(T.self, forKey: key)
    }

    /// Signs `user` in: the session gets a new ID (the old one stops working at once, on every
    /// instance), or a new session is created when there is none. The CSRF token starts afresh.
    ///
    /// This is the defence against session fixation; call it on every login and privilege change.
    public func login(user: String) async throws {
        try await reissue(signingIn: user)
    }

    /// Records that the signed-in user proved who they are again (typed their password for a
    /// sensitive action): the session gets a new ID and a new authentication time, as on sign-in.
    ///
    /// - Throws: ``ReauthenticationRequired`` with ``ReauthenticationRequired/Reason/notSignedIn``
    ///   when no user is signed in (sign them in with ``login(user:)`` instead).
    public func reauthenticate() async throws {
        guard let user = try await current()?.userID else {
            throw ReauthenticationRequired(reason: .notSignedIn, window: .zero)
        }
        try await reissue(signingIn: user)
    }

    /// When the signed-in user last signed in or re-authenticated; `nil` without a signed-in user.
    public func authenticatedAt() async throws -> Date? {
        guard let session = try await current(), session.userID != nil else { return nil }
        return session.metadata.authenticatedAt
    }

    /// Lets the request through only when a user signed in (or re-authenticated) within
    /// `window`; call it first in handlers of sensitive actions (OWASP ASVS 7.5.1, 7.5.3).
    ///
    /// - Throws: ``ReauthenticationRequired``, which answers `401` with the code
    ///   `authentication_required` or `reauthentication_required`.
    public func requireRecentAuthentication(within window: Duration) async throws {
        let manager = try requireManager()
        guard let session = try await current(), session.userID != nil else {
            throw ReauthenticationRequired(reason: .notSignedIn, window: window)
        }
        guard session.isRecentlyAuthenticated(within: window, now: manager.clock.now) else {
            throw ReauthenticationRequired(reason: .stale, window: window)
        }
    }

    /// Gives the session a new ID and ends the old one; creates a session when there is none.
    /// The CSRF token starts afresh.
    public func rotate() async throws {
        try await reissue(signingIn: nil)
    }

    private func reissue(signingIn user: String?) async throws {
        let manager = try requireManager()
        _ = try await current()
        let live = state.withLock { state in
            // A token handed out under the old ID must not work under the new one.
            state.changes.set[Self.csrfTokenKey] = nil
            state.changes.unset.remove(Self.csrfTokenKey)
            return state.session == nil ? nil : state.id
        }
        let issued: SessionManager.IssuedSession
        if let live {
            do {
                issued = try await manager.rotate(
                    live,
                    signingIn: user,
                    client: describeClient(),
                    changes: SessionChanges(unset: [Self.csrfTokenKey])
                )
            } catch let error as CloakroomError where error.code == .sessionNotFound {
                issued = try await manager.create(userID: user, client: describeClient())
            }
        } else {
            issued = try await manager.create(userID: user, client: describeClient())
        }
        state.withLock { state in
            state.id = issued.id
            state.session = issued.session
            state.loaded = true
            state.issued = true
            state.ended = false
        }
    }

    /// Ends the session everywhere and tells the client to forget the cookie. Unsaved changes are
    /// dropped. Returns whether a live session was ended.
    @discardableResult
    public func end() async throws -> Bool {
        let manager = try requireManager()
        let id = state.withLock { state in
            let id = state.id
            state.id = nil
            state.session = nil
            state.loaded = true
            state.changes = SessionChanges()
            state.issued = false
            state.ended = true
            return id
        }
        guard let id else { return false }
        return try await manager.end(id)
    }

    /// Ends every other session of the signed-in user ("log out everywhere else"); returns how
    /// many ended. Without a signed-in user there is nothing to end and the answer is 0.
    @discardableResult
    public func endOthers() async throws -> Int {
        let manager = try requireManager()
        guard let session = try await current(), let user = session.userID else { return 0 }
        let id = state.withLock { $0.id }
        return try await manager.endAll(ofUser: user, except: id)
    }

    /// The signed-in user's live sessions, most recently used first (for a "your sessions"
    /// page); empty without a signed-in user. Each ``Cloakroom/SessionHeader/handle`` can end
    /// one through ``Cloakroom/SessionManager/end(handle:ofUser:)``; ``isCurrent(_:)`` tells this
    /// request's own.
    public func sessions() async throws -> [SessionSummary] {
        let manager = try requireManager()
        guard let user = try await current()?.userID else { return [] }
        return try await manager.sessions(ofUser: user)
    }

    /// Whether `summary` is this request's own session.
    public func isCurrent(_ summary: SessionSummary) -> Bool {
        state.withLock { $0.id?.key == summary.key }
    }

    // MARK: CSRF

    /// The session's CSRF token, created (and saved with the session) on first use.
    ///
    /// Put it into every form that changes something, as a hidden field named
    /// ``CSRFRules/formField`` (``csrfField(creatingSession:)`` writes one), or send it in the
    /// ``CSRFRules/headerName`` header; the integration's CSRF middleware checks it.
    public func csrfToken() async throws -> String {
        if let existing = try await get(String.self, forKey: Self.csrfTokenKey), existing.utf8.count == 43 {
            return existing
        }
        let token = SessionID.generate().encoded
        try set(token, forKey: Self.csrfTokenKey)
        return token
    }

    /// A hidden form field holding the CSRF token, ready to put inside a `<form>`.
    ///
    /// - Parameter creatingSession: whether a visitor without a session gets one to hold the
    ///   token. By default (`false`) a visitor without a session gets an empty string and no
    ///   record is made, so a page anyone may see (a sign-in form) creates nothing, and
    ///   the CSRF middleware judges their post by its origin alone. Pass `true` where an anonymous
    ///   visitor's form must carry a token of its own.
    public func csrfField(creatingSession: Bool = false) async throws -> String {
        if !creatingSession, try await current() == nil { return "" }
        return "<input type=\"hidden\" name=\"\(CSRFRules.formField)\" value=\""
            + (try await csrfToken()) + "\">"
    }

    /// The stored CSRF token without creating one; `nil` when the session has none.
    package func storedCSRFToken() async throws -> String? {
        try await get(String.self, forKey: Self.csrfTokenKey)
    }

    // MARK: Saving

    /// Saves what the request changed and says what the client must be told. Called once, by the
    /// middleware, after the handler.
    package func commit() async throws -> CookieAction {
        guard let manager else { return .none }
        let snapshot = state.withLock { $0 }
        if snapshot.ended { return snapshot.sentCookie ? .clear : .none }
        var issued = snapshot.issued
        var session = snapshot.session
        var id = snapshot.id
        var deadlineMoved = snapshot.deadlineMoved
        if !snapshot.changes.isEmpty {
            let knownMissing = snapshot.loaded && snapshot.session == nil
            if let current = id, !knownMissing {
                var changes = snapshot.changes
                if conflicts == .refuseStaleReads {
                    for (key, value) in snapshot.readValues
                    where changes.set[key] != nil || changes.unset.contains(key) {
                        changes.expectedValues[key] = value
                    }
                }
                do {
                    session = try await manager.update(current, changes: changes, basedOn: snapshot.session)
                    deadlineMoved = true
                } catch let error as CloakroomError where error.code == .sessionNotFound {
                    session = nil
                }
            }
            if session == nil || knownMissing {
                var data = SessionData()
                snapshot.changes.apply(to: &data)
                let created = try await manager.create(data: data, client: describeClient())
                (id, session, issued) = (created.id, created.session, true)
            }
        }
        if let id, let session, issued || deadlineMoved {
            // `Expires` has whole seconds: a write within the second the client already holds
            // changes nothing it would see.
            let unchanged =
                !issued
                && snapshot.loadedIdleDeadline.map {
                    Int($0.timeIntervalSince1970) == Int(session.idleDeadline.timeIntervalSince1970)
                } == true
            return unchanged ? .none : .set(id: id, expires: session.idleDeadline, issued: issued)
        }
        if snapshot.sentCookie, snapshot.loaded, session == nil { return .clear }
        return .none
    }

    /// After a failed handler: ends a session issued during the request, whose ID would
    /// otherwise live on unseen by the client. Its other changes are not saved.
    package func endIssuedSession() async {
        let issued = state.withLock { $0.issued ? $0.id : nil }
        if let issued, let manager { _ = try? await manager.end(issued) }
    }

    private func requireManager() throws -> SessionManager {
        guard let manager else {
            throw CloakroomError(
                .invalidConfiguration,
                "no Cloakroom session middleware ran for this request; add CloakroomSessionMiddleware in front of the route"
            )
        }
        return manager
    }
}
