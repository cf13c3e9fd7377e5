import Cloakroom
import Foundation
import Logging
import RESP

/// A store in Redis or Redis Cluster: one hash per session with an expiry, and per user a sorted
/// set of session keys.
///
/// ## Keys
///
/// - `{prefix}s:{key hex}`: a hash with the version `v`, user `u`, payload `p` (sealed when
///   encryption keys are set), the deadlines `i` (idle) and `a` (absolute), and the metadata:
///   created `c`, last seen `l`, signed in `t` (times in µs since 1970), `ip`, user agent `ua`
///   and device `dv`, and the token state `k` (JSON, only when tokens were issued). No JSON
///   otherwise: a load is one `HMGET` and a few integer parses. Its Redis expiry follows the record's deadline, so Redis drops dead sessions
///   by itself.
/// - `{prefix}u:{user}`: a sorted set of the user's session keys scored by their absolute
///   deadline; entries past it are dropped on every write, and the set expires with its last
///   entry.
/// - `{prefix}l:{user}`: while a new session for the user is inserted under a per-user limit,
///   the lock that makes that insert atomic (see ``insert(_:within:now:)``), with a 5-second
///   lease. **Every key the store writes carries an expiry.**
///
/// A session's own ID never reaches Redis: keys hold its SHA-256 (``Cloakroom/SessionKey``).
///
/// ## Atomicity
///
/// Each write to a session is one Lua script on one key (insert, compare-and-set, touch,
/// delete), so it is atomic on a single server and on a cluster alike. A session and its user's
/// index may sit in different cluster slots, so no script spans both. Instead the index is
/// allowed to hold too much, never too little: a write adds the index entry *before* it writes
/// the session, and a delete removes the session *before* the entry. Listing reads each indexed
/// session and keeps only those that exist, are live and belong to the user; entries that do
/// not are removed on the way. A crash between the two writes therefore leaves at most an index
/// entry that lists nothing, never a session that can be listed but not loaded.
///
/// Loading is one round trip (`HMGET`). Touch never changes the index, because the index
/// scores by the absolute deadline, which touching does not move.
public final class RedisSessionStore: SessionStoreExport {
    /// `redis` or `redis-cluster`.
    public let name: String
    /// What every key the store writes starts with.
    public let keyPrefix: String
    /// The client the store talks through.
    public let client: any RESPClient
    private let prefix: [UInt8]

    /// Creates a store for the configured servers; connections open on first use.
    public convenience init(configuration: RedisStoreConfiguration) {
        switch configuration.topology {
        case .standalone(let server):
            self.init(
                client: RESPConnectionPool(configuration: server, size: configuration.poolSize),
                name: "redis",
                keyPrefix: configuration.keyPrefix
            )
        case .cluster(let seeds):
            self.init(
                client: RESPClusterClient(seeds: seeds, poolSize: configuration.poolSize),
                name: "redis-cluster",
                keyPrefix: configuration.keyPrefix
            )
        }
    }

    /// Creates a store on a client of your own (a pool, a cluster client, or a wrapper that
    /// counts or traces commands).
    public init(client: any RESPClient, name: String = "redis", keyPrefix: String = "cloakroom:") {
        self.client = client
        self.name = name
        self.keyPrefix = keyPrefix
        prefix = Array(keyPrefix.utf8)
    }

    /// Redis expires dead sessions by itself; a pruning pass would only walk the keyspace.
    public var expiresRecordsItself: Bool { true }

    // MARK: Keys and values

    func sessionKey(_ key: SessionKey) -> [UInt8] {
        // One array written once: every store call names its record, and the concatenation of a
        // hex string made four allocations.
        var name: [UInt8] = []
        name.reserveCapacity(prefix.count + 2 + SessionKey.byteCount * 2)
        name += prefix
        name += [UInt8(ascii: "s"), UInt8(ascii: ":")]
        key.appendHex(to: &name)
        return name
    }
    func userKey(_ userID: String) -> [UInt8] { prefix + Array("u:".utf8) + Array(userID.utf8) }

    /// How long Redis keeps a key past its record's deadline, in milliseconds. Every read checks
    /// the deadline against the caller's `now` itself, so a dead record is never returned; the
    /// minute only keeps Redis's own expiry from racing a caller whose clock or request is a little
    /// behind (a record must not vanish while a caller still counts it as live).
    static let expiryGraceMilliseconds: Int64 = 60_000

    /// The compare-and-set script's flag arguments, made once.
    private static let indexed: RESPArgument = "1"
    private static let notIndexed: RESPArgument = "0"

    /// Milliseconds from `now` until `deadline`, rounded up, plus the grace; at least 1.
    static func ttl(_ deadline: Date, now: Date) -> Int64 {
        max(1, Int64((deadline.timeIntervalSince(now) * 1000).rounded(.up)) + expiryGraceMilliseconds)
    }

    /// Runs `body`, turning Redis failures into ``Cloakroom/CloakroomError/Code/storeUnavailable``.
    func call<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RESPError {
            throw CloakroomError(
                .storeUnavailable,
                "\(name) at \(client.serverDescription) failed \(operation): \(error.message); check that Redis is running and reachable"
            )
        }
    }

    // MARK: Contract

    /// The live record with this key, or `nil`.
    public func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        let redisKey = sessionKey(key)
        let reply = try await call("load") {
            try await client.send(RedisRecordLayout.loadCommand(redisKey), key: redisKey)
        }
        guard let session = try RedisRecordLayout.record(key: key, from: reply, store: name), session.isLive(at: now)
        else { return nil }
        return session
    }

    /// Inserts a new record; a live one with the same key is a `duplicateKey` error.
    public func insert(_ session: StoredSession, now: Date) async throws {
        var arguments = [
            RESPArgument(RedisRecordLayout.microseconds(now)), RESPArgument(Self.ttl(session.deadline, now: now)),
        ]
        try RedisRecordLayout.appendFields(of: session, to: &arguments)
        if let userID = session.userID { try await index(session, userID: userID, now: now) }
        let redisKey = sessionKey(session.key)
        let written = try await call("insert") {
            try await client.run(RedisScripts.insert, keys: [redisKey], arguments: arguments)
        }
        guard written.int == 1 else {
            throw CloakroomError(.duplicateKey, "a live session with this key already exists in \(name)")
        }
    }

    /// One round trip when the user and absolute deadline stay as they were (every update); when
    /// they change, the script declines, the session is indexed, and the script runs again.
    public func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        var arguments = [
            RESPArgument(RedisRecordLayout.microseconds(now)), RESPArgument(Self.ttl(session.deadline, now: now)),
            RESPArgument(expectedVersion), "0",
        ]
        try RedisRecordLayout.appendFields(of: session, to: &arguments)
        let redisKey = sessionKey(session.key)
        let needsIndex = session.userID != nil && session.isLive(at: now)
        func attempt(indexed: Bool) async throws -> Int64? {
            // The fourth argument tells the script whether the user's index is already right.
            arguments[3] = indexed ? Self.indexed : Self.notIndexed
            return try await call("compare-and-set") {
                try await client.run(RedisScripts.compareAndSet, keys: [redisKey], arguments: arguments).int
            }
        }
        var written = try await attempt(indexed: !needsIndex)
        if written == 2, let userID = session.userID {
            try await index(session, userID: userID, now: now)
            written = try await attempt(indexed: true)
        }
        return written == 1
    }

    /// Records activity on a live record without changing its version (see the protocol requirement).
    public func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        let redisKey = sessionKey(key)
        let touched = try await call("touch") {
            try await client.run(
                RedisScripts.touch,
                keys: [redisKey],
                arguments: [
                    RESPArgument(RedisRecordLayout.microseconds(now)),
                    RESPArgument(RedisRecordLayout.microseconds(lastSeenAt)),
                    RESPArgument(RedisRecordLayout.microseconds(idleDeadline)),
                    RESPArgument(Self.expiryGraceMilliseconds),
                ]
            )
        }
        return touched.int == 1
    }

    /// Deletes the record; answers whether a live one was there.
    @discardableResult
    public func delete(_ key: SessionKey, now: Date) async throws -> Bool {
        let (live, userID) = try await delete(key, ofUser: nil, now: now)
        if let userID { try await unindex([key], userID: userID) }
        return live
    }

    /// The user's live records.
    public func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        let indexKey = userKey(userID)
        let members = try await call("list the user's sessions") {
            try await client.send(
                RESPCommand(
                    "ZRANGEBYSCORE",
                    RESPArgument(bytes: indexKey),
                    RESPArgument("(\(RedisRecordLayout.microseconds(now))"),
                    "+inf"
                ),
                key: indexKey
            )
        }
        let keys = (members.elements ?? []).compactMap { $0.string.flatMap { SessionKey(hex: Substring($0)) } }
        let loaded = try await withThrowingTaskGroup(of: (SessionKey, StoredSession?).self) { group in
            for key in keys {
                group.addTask { (key, try await self.load(key, now: now)) }
            }
            var loaded: [(SessionKey, StoredSession?)] = []
            for try await result in group { loaded.append(result) }
            return loaded
        }
        let stale = loaded.filter { $0.1 == nil || $0.1?.userID != userID }.map(\.0)
        if !stale.isEmpty { try? await unindex(stale, userID: userID) }
        return loaded.compactMap { $0.1?.userID == userID ? $0.1 : nil }
    }

    /// Deletes the user's live records but `except`; answers how many went.
    public func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        let indexKey = userKey(userID)
        let members = try await call("list the user's sessions") {
            try await client.send(RESPCommand("ZRANGE", RESPArgument(bytes: indexKey), "0", "-1"), key: indexKey)
        }
        let keys = (members.elements ?? []).compactMap { $0.string.flatMap { SessionKey(hex: Substring($0)) } }
            .filter { $0 != except }
        let deleted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for key in keys {
                group.addTask { try await self.delete(key, ofUser: userID, now: now).live }
            }
            var count = 0
            for try await live in group where live { count += 1 }
            return count
        }
        if !keys.isEmpty { try await unindex(keys, userID: userID) }
        return deleted
    }

    /// Walks every primary's keyspace with `SCAN`: meant for maintenance, since Redis expires
    /// dead sessions by itself (see ``expiresRecordsItself``).
    public func pruneExpired(now: Date, limit: Int) async throws -> Int {
        var pruned = 0
        try await scanSessions { keys, client in
            for key in keys where pruned < limit {
                let deleted = try await client.run(
                    RedisScripts.prune,
                    keys: [key],
                    arguments: [RESPArgument(RedisRecordLayout.microseconds(now))]
                )
                if deleted.int == 1 { pruned += 1 }
            }
            return pruned < limit
        }
        return pruned
    }

    /// Walks every primary's keyspace with `SCAN` and reads each session's deadlines: meant for
    /// statistics, not for a request path.
    public func count(now: Date) async throws -> Int {
        var live = 0
        let nowMicroseconds = RedisRecordLayout.microseconds(now)
        try await scanSessions { keys, client in
            let deadlines = try await withThrowingTaskGroup(of: RESPValue.self) { group in
                for key in keys {
                    group.addTask {
                        try await client.send(RESPCommand("HMGET", RESPArgument(bytes: key), "i", "a"), key: key)
                    }
                }
                var replies: [RESPValue] = []
                for try await reply in group { replies.append(reply) }
                return replies
            }
            for reply in deadlines {
                let values = (reply.elements ?? []).compactMap(\.int)
                if values.count == 2, min(values[0], values[1]) > nowMicroseconds { live += 1 }
            }
            return true
        }
        return live
    }

    /// Loads the store's scripts into every primary with `SCRIPT LOAD`, so that no call pays
    /// for sending a script's source. Optional: a script missing on the server is sent on first
    /// use anyway.
    public func loadScripts() async throws {
        try await call("load scripts") {
            for primary in try await client.primaries() {
                for script in RedisScripts.all {
                    _ = try await primary.send(RESPCommand("SCRIPT", "LOAD", RESPArgument(script.source)), key: nil)
                }
            }
        }
    }

    /// Whether the store answers, with a detail fit for operators.
    public func health() async -> StoreHealth {
        do {
            for primary in try await client.primaries() {
                _ = try await primary.send(RESPCommand("PING"), key: nil)
            }
            return StoreHealth(store: name, isHealthy: true)
        } catch let error as RESPError {
            return StoreHealth(store: name, isHealthy: false, detail: "\(client.serverDescription): \(error.message)")
        } catch {
            return StoreHealth(
                store: name,
                isHealthy: false,
                detail: "\(client.serverDescription): health check failed"
            )
        }
    }

    /// Closes the store's connections or files; later calls fail.
    public func close() async {
        await client.close()
    }

    // MARK: Helpers

    /// Adds the session to its user's index, before the session itself is written.
    private func index(_ session: StoredSession, userID: String, now: Date) async throws {
        let indexKey = userKey(userID)
        _ = try await call("index the session") {
            try await client.run(
                RedisScripts.indexAdd,
                keys: [indexKey],
                arguments: [
                    RESPArgument(RedisRecordLayout.microseconds(now)), RESPArgument(session.key.hex),
                    RESPArgument(RedisRecordLayout.microseconds(session.absoluteDeadline)),
                    RESPArgument(Self.expiryGraceMilliseconds),
                ]
            )
        }
    }

    /// Removes sessions from a user's index, after the sessions themselves are gone.
    private func unindex(_ keys: [SessionKey], userID: String) async throws {
        let indexKey = userKey(userID)
        _ = try await call("remove from the index") {
            try await client.send(
                RESPCommand("ZREM", [RESPArgument(bytes: indexKey)] + keys.map { RESPArgument($0.hex) }),
                key: indexKey
            )
        }
    }

    private func delete(_ key: SessionKey, ofUser userID: String?, now: Date) async throws -> (
        live: Bool, userID: String?
    ) {
        let redisKey = sessionKey(key)
        let reply = try await call("delete") {
            try await client.run(
                RedisScripts.delete,
                keys: [redisKey],
                arguments: [RESPArgument(RedisRecordLayout.microseconds(now)), RESPArgument(userID ?? "")]
            )
        }
        let elements = reply.elements ?? []
        let owner = elements.count > 1 ? elements[1].string : nil
        return (elements.first?.int == 1, owner?.isEmpty == false ? owner : nil)
    }

    /// Walks each primary in turn with `SCAN`; the cursor is `primary:scan cursor`, primaries in
    /// the order of their addresses. `SCAN` may return a key twice; a migration copies
    /// idempotently.
    public func exportRecords(after cursor: String?, limit: Int, now: Date) async throws -> ExportBatch {
        let pattern = RESPArgument(bytes: prefix.flatMap { [UInt8(ascii: "\\"), $0] } + Array("s:*".utf8))
        let parts = cursor?.split(separator: ":").map(String.init) ?? ["0", "0"]
        guard parts.count == 2, var node = Int(parts[0]) else {
            throw CloakroomError(.invalidConfiguration, "'\(cursor ?? "")' is not a cursor of a Redis export")
        }
        var scanCursor = parts[1]
        return try await call("export") {
            let primaries = try await client.primaries().sorted { $0.serverDescription < $1.serverDescription }
            var records: [StoredSession] = []
            // SCAN's COUNT bounds the work of one call, not its matches: in a keyspace shared
            // with other data a call may match nothing, so scan on until the batch is full.
            while node < primaries.count && records.count < limit {
                let primary = primaries[node]
                let reply = try await primary.send(
                    RESPCommand(
                        "SCAN",
                        RESPArgument(scanCursor),
                        "MATCH",
                        pattern,
                        "COUNT",
                        RESPArgument(String(max(limit, 100)))
                    ),
                    key: nil
                )
                guard let parts = reply.elements, parts.count == 2, let next = parts[0].string else {
                    throw RESPError(.unexpectedReply, "SCAN did not answer a cursor and keys")
                }
                let keys = (parts[1].elements ?? []).compactMap(\.bytes).compactMap { redisKey -> SessionKey? in
                    guard redisKey.count == prefix.count + 2 + SessionKey.byteCount * 2 else { return nil }
                    return SessionKey(hex: String(decoding: redisKey.suffix(SessionKey.byteCount * 2), as: UTF8.self))
                }
                records += try await liveRecords(keys, on: primary, now: now)
                scanCursor = next
                if scanCursor == "0" { node += 1 }
            }
            return ExportBatch(records: records, nextCursor: node < primaries.count ? "\(node):\(scanCursor)" : nil)
        }
    }

    /// The live records of `keys`, read from `primary` with concurrent `HMGET`s.
    private func liveRecords(_ keys: [SessionKey], on primary: any RESPClient, now: Date) async throws
        -> [StoredSession]
    {
        try await withThrowingTaskGroup(of: StoredSession?.self) { group in
            for key in keys {
                group.addTask {
                    let redisKey = self.sessionKey(key)
                    let fields = try await primary.send(RedisRecordLayout.loadCommand(redisKey), key: redisKey)
                    return try RedisRecordLayout.record(key: key, from: fields, store: self.name).flatMap {
                        $0.isLive(at: now) ? $0 : nil
                    }
                }
            }
            var records: [StoredSession] = []
            for try await record in group { if let record { records.append(record) } }
            return records
        }
    }

    /// Calls `body` with batches of session keys from each primary until it returns `false`.
    private func scanSessions(_ body: ([[UInt8]], any RESPClient) async throws -> Bool) async throws {
        let pattern = RESPArgument(bytes: prefix.flatMap { [UInt8(ascii: "\\"), $0] } + Array("s:*".utf8))
        try await call("scan") {
            for primary in try await client.primaries() {
                var cursor = "0"
                repeat {
                    let reply = try await primary.send(
                        RESPCommand("SCAN", RESPArgument(cursor), "MATCH", pattern, "COUNT", "1000"),
                        key: nil
                    )
                    guard let parts = reply.elements, parts.count == 2, let next = parts[0].string else {
                        throw RESPError(.unexpectedReply, "SCAN did not answer a cursor and keys")
                    }
                    cursor = next
                    let keys = (parts[1].elements ?? []).compactMap(\.bytes)
                    if !keys.isEmpty, try await !body(keys, primary) { return }
                } while cursor != "0"
            }
        }
    }
}
