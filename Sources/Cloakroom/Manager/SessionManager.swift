import Foundation
import Logging
import Metrics
import Tracing

/// The single entry point to sessions: create, resume, update, rotate, end and list.
///
/// The manager applies the ``SessionPolicy``, the ``SessionCipher`` and the events; the
/// ``SessionStore`` behind it only keeps records. It is a value type holding references to
/// `Sendable` parts: copy it freely between tasks.
public struct SessionManager: Sendable {
    /// A freshly created or rotated session with the ID to hand to the client.
    public struct IssuedSession: Sendable {
        /// The new ID; give it to the client and nowhere else.
        public var id: SessionID
        /// The session as stored.
        public var session: Session
    }

    /// The manager's parts, behind one reference: a request copies the manager several times
    /// (into its session handle and the closures that handle makes), and each copy is then one
    /// retain instead of one per part.
    private final class Parts: Sendable {
        let store: any SessionStore
        let policy: SessionPolicy
        let cipher: SessionCipher
        let clock: any SessionClock
        let events: any SessionEventSink
        /// Whether events are made at all: not for the discarding sink (the default).
        let recordsEvents: Bool
        let logger: Logger
        let calls: MeteredStoreCalls
        let operations: OperationMetrics<ManagerOperation>
        let writers = SessionWriteQueue()

        init(
            store: any SessionStore,
            policy: SessionPolicy,
            cipher: SessionCipher,
            clock: any SessionClock,
            events: any SessionEventSink,
            logger: Logger,
            calls: MeteredStoreCalls,
            operations: OperationMetrics<ManagerOperation>
        ) {
            self.store = store
            self.policy = policy
            self.cipher = cipher
            self.clock = clock
            self.events = events
            recordsEvents = !(events is DiscardingEventSink)
            self.logger = logger
            self.calls = calls
            self.operations = operations
        }
    }

    private let parts: Parts

    /// The store the manager keeps sessions in.
    public var store: any SessionStore { parts.store }
    /// The rules applied to every session.
    public var policy: SessionPolicy { parts.policy }
    /// Seals data at rest.
    public var cipher: SessionCipher { parts.cipher }
    /// Where the manager reads the time.
    public var clock: any SessionClock { parts.clock }
    /// Where events go.
    public var events: any SessionEventSink { parts.events }
    var logger: Logger { parts.logger }
    /// The store calls, counted, timed and traced.
    var calls: MeteredStoreCalls { parts.calls }
    /// The manager's own operations, counted, timed and traced.
    var operations: OperationMetrics<ManagerOperation> { parts.operations }
    /// Queues this process's writers of one session so that they do not race each other.
    var writers: SessionWriteQueue { parts.writers }

    /// Sends an event to ``events``. With the discarding sink (the default) the event is never
    /// made: its handle is a string built per event, on every touch and write.
    private func record(_ event: @autoclosure () -> SessionEvent) {
        guard parts.recordsEvents else { return }
        events.record(event())
    }

    /// How often an update is retried after losing a compare-and-set race before it gives up.
    static let maximumUpdateAttempts = 1000

    /// Creates a manager.
    ///
    /// Its operations and store calls are counted and timed through `metricsFactory`, and each is a
    /// span of `tracer` (`cloakroom.session.<operation>`, with `cloakroom.store.<operation>` spans
    /// under it) in the trace of the calling task's `ServiceContext`. Both default to what
    /// `MetricsSystem` and `InstrumentationSystem` were bootstrapped with when the manager is made.
    ///
    /// - Throws: ``CloakroomError/Code/invalidConfiguration`` when the policy's values do not fit.
    public init(
        store: any SessionStore,
        policy: SessionPolicy = SessionPolicy(),
        cipher: SessionCipher = .plaintext,
        clock: any SessionClock = SystemSessionClock(),
        events: any SessionEventSink = DiscardingEventSink(),
        logger: Logger = .cloakroomDisabled,
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        tracer: any Tracer = InstrumentationSystem.tracer
    ) throws(CloakroomError) {
        try policy.validate()
        parts = Parts(
            store: store,
            policy: policy,
            cipher: cipher,
            clock: clock,
            events: events,
            logger: logger,
            calls: MeteredStoreCalls(store: store, cipher: cipher, factory: metricsFactory, tracer: tracer),
            operations: OperationMetrics(
                prefix: "cloakroom_session_operations",
                factory: metricsFactory,
                spanPrefix: "cloakroom.session",
                tracer: tracer
            )
        )
    }

    // MARK: Create

    /// Creates a session, optionally for a user, and returns it with its new ID.
    ///
    /// When the user already holds ``SessionPolicy/maximumSessionsPerUser`` sessions, the policy's
    /// ``SessionPolicy/OverflowBehavior`` applies.
    public func create(
        userID: String? = nil,
        data: SessionData = SessionData(),
        client: ClientInfo = ClientInfo()
    ) async throws -> IssuedSession {
        try await operations.measure(.create) {
            if let userID { try policy.validate(userID: userID) }
            let now = clock.now
            let json = try encode(data)
            let metadata = SessionMetadata(
                createdAt: now,
                lastSeenAt: now,
                authenticatedAt: userID == nil ? nil : now,
                ip: client.ip,
                userAgent: client.userAgent,
                device: DeviceLabel.label(for: client.userAgent)
            )
            let absoluteDeadline = now.addingTimeInterval(policy.absoluteTimeout.seconds)
            let id = SessionID.generate()
            let stored = StoredSession(
                key: id.key,
                userID: userID,
                payload: try cipher.seal(json, for: id.key),
                metadata: metadata,
                idleDeadline: policy.idleDeadline(usedAt: now, absoluteDeadline: absoluteDeadline),
                absoluteDeadline: absoluteDeadline,
                version: 1
            )
            try await insert(stored, now: now)
            record(SessionEvent(kind: .created, time: now, handle: id.key.handle, userID: userID, ip: client.ip))
            return IssuedSession(id: id, session: Session(header: stored.header, data: data))
        }
    }

    /// Inserts a new record; one for a user goes through the store's atomic per-user limit, and
    /// each session that limit ends is reported.
    private func insert(_ stored: StoredSession, now: Date) async throws {
        guard let userID = stored.userID, let limit = policy.userSessionLimit else {
            try await calls.insert(stored, now: now)
            return
        }
        for key in try await calls.insert(stored, within: limit, now: now) {
            record(SessionEvent(kind: .ended, time: now, handle: key.handle, userID: userID, reason: .evicted))
        }
    }

    // MARK: Resume

    /// The live session with this ID, or `nil`.
    ///
    /// Records activity (last seen, sliding idle deadline) at most once per
    /// ``SessionPolicy/touchInterval``, so most resumes are a single read.
    ///
    /// - Parameters:
    ///   - id: the ID the client sent.
    ///   - client: the client making this request, when known: compared with the one the
    ///     session last saw, and what a change does is ``SessionPolicy/clientChange``'s choice
    ///     (by default the new IP and user agent are recorded and a
    ///     ``SessionEvent/Kind/clientChanged`` event is emitted; ``ClientChangePolicy/Reaction/end``
    ///     makes this resume find no session).
    public func resume(_ id: SessionID, client: ClientInfo? = nil) async throws -> Session? {
        try await resumeNotingTouch(id, client: client)?.session
    }

    /// ``resume(_:client:)``, also saying whether this call recorded activity (and so moved the
    /// idle deadline): integrations re-send a cookie's expiry only then.
    package func resumeNotingTouch(_ id: SessionID, client: ClientInfo? = nil) async throws
        -> (session: Session, touched: Bool)?
    {
        try await operations.measure(.resume) {
            let now = clock.now
            guard var stored = try await calls.load(id.key, now: now) else { return nil }
            let data = try decode(stored)
            if let client, let change = policy.clientChange.assess(stored.metadata, against: client) {
                return try await react(to: change, in: stored, data: data, now: now)
            }
            var touched = false
            if now.timeIntervalSince(stored.metadata.lastSeenAt) >= policy.touchInterval.seconds {
                let idleDeadline = policy.idleDeadline(usedAt: now, absoluteDeadline: stored.absoluteDeadline)
                guard try await calls.touch(stored.key, lastSeenAt: now, idleDeadline: idleDeadline, now: now) else {
                    return nil
                }
                stored.metadata.lastSeenAt = now
                stored.idleDeadline = max(stored.idleDeadline, idleDeadline)
                touched = true
                record(SessionEvent(kind: .resumed, time: now, handle: stored.key.handle, userID: stored.userID))
            }
            return (Session(header: stored.header, data: data), touched)
        }
    }

    /// A resume from a client the session had not seen: ends the session, or records the client
    /// as last seen (with the touch this resume is due, in one write) and clears the sign-in time
    /// when the policy asks.
    private func react(
        to change: ClientChangeAssessment,
        in stored: StoredSession,
        data: SessionData,
        now: Date
    ) async throws -> (session: Session, touched: Bool)? {
        let handle = stored.key.handle
        let reaction = change.reaction
        if reaction >= .notify {
            let ip = change.ip ?? stored.metadata.ip
            record(SessionEvent(kind: .clientChanged, time: now, handle: handle, userID: stored.userID, ip: ip))
        }
        if reaction == .end {
            if try await calls.delete(stored.key, now: now) {
                record(
                    SessionEvent(kind: .ended, time: now, handle: handle, userID: stored.userID, reason: .clientChanged)
                )
            }
            return nil
        }
        var next = stored
        if let ip = change.ip { next.metadata.ip = ip }
        if let userAgent = change.userAgent {
            next.metadata.userAgent = userAgent
            next.metadata.device = DeviceLabel.label(for: userAgent)
        }
        if reaction == .reauthenticate { next.metadata.authenticatedAt = nil }
        next.metadata.lastSeenAt = now
        next.idleDeadline = max(
            stored.idleDeadline,
            policy.idleDeadline(usedAt: now, absoluteDeadline: stored.absoluteDeadline)
        )
        next.version = stored.version + 1
        // Losing the race to another writer loses only this record of the client: the next
        // resume compares again. A reaction that clears the sign-in must not be lost, though.
        if try await calls.compareAndSet(next, expectedVersion: stored.version, now: now) {
            return (Session(header: next.header, data: data), true)
        }
        guard reaction == .reauthenticate else { return (Session(header: stored.header, data: data), false) }
        var unsaved = stored
        unsaved.metadata.authenticatedAt = nil
        return (Session(header: unsaved.header, data: data), false)
    }

    /// Resumes from the text a client sent; malformed text means "no session", never an error.
    public func resume(encodedID: some StringProtocol) async throws -> Session? {
        guard let id = try? SessionID(parsing: encodedID) else { return nil }
        return try await resume(id)
    }

    // MARK: Update

    /// Applies `changes` to the session's data and saves it.
    ///
    /// Without `ifVersion`, a save that loses a race with another writer reloads the session and
    /// re-applies only these changes, so concurrent updates of different keys all survive. With
    /// `ifVersion`, the update happens only if the stored version is still that one.
    ///
    /// - Parameters:
    ///   - id: the session's ID.
    ///   - changes: the keys to set and remove, and read-modify-write changes.
    ///   - ifVersion: the version the caller last saw, for an update that must not follow anyone
    ///     else's; `nil` for one that merges.
    ///   - known: the session as this request last read it (from ``resume(_:client:)`` or an earlier
    ///     update). The first attempt starts from it instead of reading the store again; if
    ///     anyone changed the session since, the compare-and-set fails and the update goes on
    ///     from a fresh read, so passing a stale session costs a read, never a lost change.
    /// - Throws: ``CloakroomError/Code/sessionNotFound``, ``CloakroomError/Code/versionConflict``,
    ///   ``CloakroomError/Code/dataTooLarge``.
    public func update(
        _ id: SessionID,
        changes: SessionChanges,
        ifVersion: UInt64? = nil,
        basedOn known: Session? = nil
    ) async throws -> Session {
        try await operations.measure(.update) {
            let key = id.key
            return try await writers.withTurn(for: key) {
                try await retryingLostRaces(to: "save") { attempt, now in
                    let stored: StoredSession
                    var data: SessionData
                    let fromKnown =
                        attempt == 0
                        && known.map { $0.key == key && (ifVersion == nil || ifVersion == $0.version) } == true
                    if fromKnown, let known {
                        // The payload is sealed afresh below; only the rest of the record is needed.
                        stored = StoredSession(header: known.header, payload: [])
                        data = known.data
                    } else {
                        guard let loaded = try await calls.load(key, now: now) else { throw Self.notFound }
                        if let ifVersion, loaded.version != ifVersion {
                            throw Self.conflict(expected: ifVersion, actual: loaded.version)
                        }
                        stored = loaded
                        data = try decode(loaded)
                    }
                    try changes.applyAll(to: &data)
                    var next = stored
                    next.payload = try cipher.seal(try encode(data), for: key)
                    next.version = stored.version + 1
                    next.metadata.lastSeenAt = now
                    next.idleDeadline = policy.idleDeadline(usedAt: now, absoluteDeadline: stored.absoluteDeadline)
                    if try await calls.compareAndSet(next, expectedVersion: stored.version, now: now) {
                        record(
                            SessionEvent(kind: .updated, time: now, handle: key.handle, userID: stored.userID)
                        )
                        return .done(Session(header: next.header, data: data))
                    }
                    // A failed start from the caller's copy says nothing yet: read and decide.
                    if let ifVersion, !fromKnown {
                        throw Self.conflict(expected: ifVersion, actual: nil)
                    }
                    return .retry
                }
            }
        }
    }

    /// Changes one data key from its latest stored value and saves it.
    ///
    /// `transform` gets the value stored now (`nil` when absent) and answers the new one (`nil`
    /// removes the key). When another writer saves first, it runs again against their value, so
    /// no concurrent change is lost: 32 requests incrementing a counter at once leave it 32
    /// higher. Reading a value and then calling ``update(_:changes:ifVersion:basedOn:)`` with it
    /// cannot promise that: the later save overwrites the earlier one's value.
    ///
    /// - Parameters:
    ///   - id: the session's ID.
    ///   - type: the type of the key's value.
    ///   - key: the data key to change.
    ///   - known: the session as this request last read it; see
    ///     ``update(_:changes:ifVersion:basedOn:)``.
    ///   - transform: may run more than once; it must have no side effects beyond its result.
    /// - Returns: the saved session and the key's value in it.
    /// - Throws: ``CloakroomError/Code/sessionNotFound``, ``CloakroomError/Code/dataTooLarge``,
    ///   a `DecodingError` when the stored value is not a `Value`, and whatever `transform` throws.
    public func modify<Value: Codable & Sendable>(
        _ id: SessionID,
        _ type: Value.Type = Value.self,
        forKey key: String,
        basedOn known: Session? = nil,
        _ transform: @escaping @Sendable (Value?) throws -> Value?
    ) async throws -> (session: Session, value: Value?) {
        let changes = SessionChanges(modifications: [.typed(key, transform)])
        let session = try await update(id, changes: changes, basedOn: known)
        return (session, try session.data.decode(Value.self, forKey: key))
    }

    // MARK: Rotate

    /// Gives the session a new ID and kills the old one; optionally signs a user in at the same
    /// time (the fixation defence for logins and privilege changes).
    ///
    /// An update that races the rotation is never lost: it either lands first and is carried into
    /// the new session, or lands after and fails with ``CloakroomError/Code/sessionNotFound``.
    ///
    /// - Parameters:
    ///   - id: the session's current ID, dead once this returns.
    ///   - userID: the user to sign in (recorded as a fresh authentication); `nil` keeps the
    ///     session's user.
    ///   - client: the client, whose IP and user agent the new session records.
    ///   - changes: applied to the new session's data in the same step, so nothing bound to the
    ///     old ID (a CSRF token, say) is ever readable under the new one.
    /// - Throws: ``CloakroomError/Code/sessionNotFound`` when the old ID is not live.
    public func rotate(
        _ id: SessionID,
        signingIn userID: String? = nil,
        client: ClientInfo? = nil,
        changes: SessionChanges = SessionChanges()
    ) async throws -> IssuedSession {
        try await operations.measure(.rotate) {
            if let userID { try policy.validate(userID: userID) }
            return try await writers.withTurn(for: id.key) {
                try await retryingLostRaces(to: "rotate it") { _, now in
                    guard let stored = try await calls.load(id.key, now: now) else { throw Self.notFound }
                    var data = try decode(stored)
                    try changes.applyAll(to: &data)
                    let newID = SessionID.generate()
                    let next = try rotated(
                        stored,
                        to: newID.key,
                        data: data,
                        signingIn: userID,
                        client: client,
                        now: now
                    )
                    // Signing in to another user counts against that user's limit; the same user
                    // only swaps one session for another.
                    if next.userID != stored.userID {
                        try await insert(next, now: now)
                    } else {
                        try await calls.insert(next, now: now)
                    }
                    // Retire the old record only if nobody changed it since it was copied: a
                    // compare-and-set to an already-expired tombstone. If another request wrote in
                    // between, drop the copy and start over so that its change is carried along.
                    var tombstone = stored
                    tombstone.version = stored.version + 1
                    tombstone.idleDeadline = now
                    tombstone.absoluteDeadline = now
                    let retired: Bool
                    do {
                        retired = try await calls.compareAndSet(tombstone, expectedVersion: stored.version, now: now)
                    } catch {
                        _ = try? await calls.delete(next.key, now: now)
                        throw error
                    }
                    guard retired else {
                        _ = try? await calls.delete(next.key, now: now)
                        return .retry
                    }
                    // The tombstone is already dead to every reader; deleting it only reclaims space.
                    _ = try? await calls.delete(stored.key, now: now)
                    record(
                        SessionEvent(
                            kind: .ended,
                            time: now,
                            handle: stored.key.handle,
                            userID: stored.userID,
                            reason: .replaced
                        )
                    )
                    record(SessionEvent(kind: .rotated, time: now, handle: next.key.handle, userID: next.userID))
                    return .done(IssuedSession(id: newID, session: Session(header: next.header, data: data)))
                }
            }
        }
    }

    /// The record a rotation writes under the new key.
    private func rotated(
        _ stored: StoredSession,
        to key: SessionKey,
        data: SessionData,
        signingIn userID: String?,
        client: ClientInfo?,
        now: Date
    ) throws(CloakroomError) -> StoredSession {
        var next = stored
        next.key = key
        next.payload = try cipher.seal(try encode(data), for: key)
        next.version = stored.version + 1
        next.metadata.lastSeenAt = now
        next.idleDeadline = policy.idleDeadline(usedAt: now, absoluteDeadline: stored.absoluteDeadline)
        // Tokens name the old key, so none of them can reach the new session: forget them.
        next.metadata.tokens = nil
        if let userID {
            next.userID = userID
            next.metadata.authenticatedAt = now
        }
        if let client {
            next.metadata.ip = client.ip ?? next.metadata.ip
            next.metadata.userAgent = client.userAgent ?? next.metadata.userAgent
            next.metadata.device = DeviceLabel.label(for: next.metadata.userAgent)
        }
        return next
    }

    // MARK: Record changes

    /// What a ``SessionManager/changeRecord(_:recordingActivity:_:)`` body decided.
    public enum RecordChange<Result: Sendable>: Sendable {
        /// Save the changed record, then return the result.
        case save(Result)
        /// Keep the record as it is and return the result.
        case keep(Result)
    }

    /// Reads the live record with `key`, lets `body` change it, and saves it with compare-and-set,
    /// re-running `body` on a fresh read whenever another writer got there first.
    ///
    /// This is how integrations (token grants, refresh rotation, revocation lists) keep their own
    /// state in a session's metadata without lost updates. The payload is never decoded here.
    ///
    /// - Parameters:
    ///   - key: the record's key.
    ///   - recordingActivity: whether a save also counts as use of the session (last seen and the
    ///     sliding idle deadline move, as on an update).
    ///   - body: gets the record and the time of this attempt; must not have side effects beyond
    ///     its result, since it may run more than once.
    /// - Returns: the body's result, or `nil` when no live session has the key.
    public func changeRecord<Result: Sendable>(
        _ key: SessionKey,
        recordingActivity: Bool,
        _ body: (inout StoredSession, Date) throws -> RecordChange<Result>
    ) async throws -> Result? {
        try await operations.measure(.changeRecord) {
            try await writers.withTurn(for: key) {
                try await retryingLostRaces(to: "save") { _, now -> RaceOutcome<Result?> in
                    guard let stored = try await calls.load(key, now: now) else { return .done(nil) }
                    var next = stored
                    switch try body(&next, now) {
                    case .keep(let result):
                        return .done(result)
                    case .save(let result):
                        next.key = stored.key
                        next.version = stored.version + 1
                        if recordingActivity {
                            next.metadata.lastSeenAt = now
                            next.idleDeadline = policy.idleDeadline(
                                usedAt: now,
                                absoluteDeadline: stored.absoluteDeadline
                            )
                        }
                        if try await calls.compareAndSet(next, expectedVersion: stored.version, now: now) {
                            return .done(result)
                        }
                        return .retry
                    }
                }
            }
        }
    }

    // MARK: End

    /// Ends the session; returns whether a live one was ended.
    @discardableResult
    public func end(_ id: SessionID, reason: SessionEvent.EndReason = .logout) async throws -> Bool {
        try await operations.measure(.end) {
            let now = clock.now
            // The user is read first so the event can name them (a store's delete answers only
            // whether it deleted); a record's user never changes under its key.
            let userID = try await calls.load(id.key, now: now)?.userID
            let ended = try await calls.delete(id.key, now: now)
            if ended {
                record(
                    SessionEvent(kind: .ended, time: now, handle: id.key.handle, userID: userID, reason: reason)
                )
            }
            return ended
        }
    }

    /// Ends the user's session whose handle is `handle`; returns whether one was ended.
    @discardableResult
    public func end(handle: String, ofUser userID: String) async throws -> Bool {
        try await operations.measure(.end) {
            try policy.validate(userID: userID)
            guard handle.utf8.count == SessionKey.handleLength, Hex.decode(handle) != nil else { return false }
            let now = clock.now
            let match = try await calls.sessions(ofUser: userID, now: now).first { $0.key.handle == handle }
            guard let match, try await calls.delete(match.key, now: now) else { return false }
            record(SessionEvent(kind: .ended, time: now, handle: handle, userID: userID, reason: .revoked))
            return true
        }
    }

    /// Ends all of the user's sessions except the one with ID `except`; returns how many ended.
    public func endAll(ofUser userID: String, except: SessionID? = nil) async throws -> Int {
        try await operations.measure(.endAll) {
            try policy.validate(userID: userID)
            let now = clock.now
            // Listed first so that each ended session gets its own event; the delete itself
            // stays one atomic store call.
            let listed = try await calls.sessions(ofUser: userID, now: now).filter { $0.key != except?.key }
            let ended = try await calls.deleteAll(ofUser: userID, except: except?.key, now: now)
            for session in listed.prefix(ended) {
                record(
                    SessionEvent(kind: .ended, time: now, handle: session.key.handle, userID: userID, reason: .revoked)
                )
            }
            if ended > listed.count {
                // Created between the listing and the delete: known only by number.
                record(
                    SessionEvent(kind: .ended, time: now, userID: userID, reason: .revoked, count: ended - listed.count)
                )
            }
            return ended
        }
    }

    // MARK: List

    /// The user's live sessions, most recently used first.
    public func sessions(ofUser userID: String) async throws -> [SessionSummary] {
        try await operations.measure(.list) {
            try policy.validate(userID: userID)
            return try await calls.sessions(ofUser: userID, now: clock.now)
                .map(\.header)
                .sorted { $0.metadata.lastSeenAt > $1.metadata.lastSeenAt }
        }
    }

    // MARK: Helpers

    /// What one attempt of a read-modify-write came to.
    private enum RaceOutcome<Result> {
        /// Finished with this result.
        case done(Result)
        /// Lost a compare-and-set to another writer: read again and redo.
        case retry
    }

    /// Runs `attempt` until it finishes, backing off between lost races (see
    /// ``backOff(after:)``); each attempt gets its number and the clock's time. The one retry
    /// loop of every read-modify-write (update, rotate, record changes).
    ///
    /// - Throws: ``CloakroomError/Code/versionConflict`` after ``maximumUpdateAttempts`` lost
    ///   races, naming `action` ("save", "rotate it").
    private func retryingLostRaces<Result>(
        to action: String,
        _ attempt: (_ number: Int, _ now: Date) async throws -> RaceOutcome<Result>
    ) async throws -> Result {
        for number in 0..<Self.maximumUpdateAttempts {
            if number > 0 { try await Self.backOff(after: number) }
            if case .done(let result) = try await attempt(number, clock.now) { return result }
        }
        throw CloakroomError(
            .versionConflict,
            "the session kept changing under \(Self.maximumUpdateAttempts) attempts to \(action); retry the request"
        )
    }

    /// Waits before retrying a lost compare-and-set: a random time up to a cap that doubles with
    /// each attempt (from 0.1 ms to 12.8 ms), so writers contending for one session spread out
    /// instead of colliding again, and every one of them eventually wins.
    static func backOff(after attempt: Int) async throws {
        if attempt == 1 {
            await Task.yield()
            return
        }
        let capMicroseconds = 100 << min(attempt - 2, 7)
        try await Task.sleep(for: .microseconds(Int.random(in: 0...capMicroseconds)))
    }

    private func encode(_ data: SessionData) throws(CloakroomError) -> [UInt8] {
        let json = try data.encodedJSON()
        guard json.count <= policy.maximumDataSize else {
            throw CloakroomError(
                .dataTooLarge,
                "session data would be \(json.count) bytes of JSON, the most allowed is \(policy.maximumDataSize); store less"
            )
        }
        return json
    }

    private func decode(_ stored: StoredSession) throws(CloakroomError) -> SessionData {
        let json = try cipher.openedBytes(stored.payload, for: stored.key)
        do {
            return try SessionData.decode(json: json)
        } catch {
            throw CloakroomError(
                .corruptRecord,
                "stored session \(stored.key.handle) holds data that is not a JSON object"
            )
        }
    }

    private static let notFound = CloakroomError(
        .sessionNotFound,
        "no live session has this ID; it expired, ended or never existed"
    )

    private static func conflict(expected: UInt64, actual: UInt64?) -> CloakroomError {
        let found = actual.map { "it is now at version \($0)" } ?? "it changed while saving"
        return CloakroomError(
            .versionConflict,
            "the session is no longer at version \(expected) (\(found)); reload it and apply the change again"
        )
    }
}
