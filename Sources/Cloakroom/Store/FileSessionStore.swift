import Crypto
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A store of one JSON file per session in a folder, safe for several processes on one host.
///
/// Layout under the folder:
/// - `sessions/<key hex>.json`: the record. Written to `tmp/`, fsynced, then renamed into place,
///   so a reader or a crash sees the old file or the new one, never half of one.
/// - `users/<SHA-256 of user ID>/<key hex>`: empty marker files, the per-user index. A marker is
///   written before its record and removed after it, so the index may briefly hold a marker
///   whose record is gone (listing skips and removes it) but never misses a live record.
/// - `limits/<SHA-256 of bucket and key>`: rate-limit state, one decimal number per file (see
///   ``CellRate``), written under the same lock.
/// - `.lock`: writers hold an exclusive `flock` on it, which serialises writers across processes.
///
/// Counting and pruning scan the folder; this store suits one host and modest numbers of
/// sessions. Use SQLite for more.
public final class FileSessionStore: SessionStoreExport {
    /// The folder the store keeps its files in.
    public let directory: URL
    /// `file`.
    public let name = "file"

    private let sessionsPath: String
    private let usersPath: String
    private let temporaryPath: String
    private let lockDescriptor: Int32
    // Serialises writers inside this process; `flock` serialises them across processes.
    private let writerLock = Mutex(())

    /// Opens (creating if needed) a store in `directory`.
    ///
    /// - Throws: ``CloakroomError/Code/storeUnavailable`` when the folder cannot be created or locked.
    public init(directory: URL) throws(CloakroomError) {
        self.directory = directory
        let base = directory.path
        sessionsPath = base + "/sessions"
        usersPath = base + "/users"
        temporaryPath = base + "/tmp"
        for path in [base, sessionsPath, usersPath, temporaryPath, base + "/limits"] {
            do {
                try PrivateFile.createFolder(path)
            } catch {
                throw CloakroomError(.storeUnavailable, "file store folder cannot be made: \(error)")
            }
        }
        let descriptor = open(base + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CloakroomError(.storeUnavailable, "file store lock '\(base)/.lock' cannot be opened (errno \(errno))")
        }
        lockDescriptor = descriptor
    }

    deinit {
        Glibc.close(lockDescriptor)
    }

    // MARK: Contract

    /// The live record with this key, or `nil`.
    public func load(_ key: SessionKey, now: Date) async throws -> StoredSession? {
        guard let session = try read(key), session.isLive(at: now) else { return nil }
        return session
    }

    /// Up to `limit` live records after `cursor`, in a stable order, and the cursor to go on from.
    public func exportRecords(after cursor: String?, limit: Int, now: Date) async throws -> ExportBatch {
        let keys = allKeys().map { ($0.hex, $0) }.filter { cursor == nil || $0.0 > cursor! }
            .sorted { $0.0 < $1.0 }.prefix(limit).map(\.1)
        var records: [StoredSession] = []
        for key in keys {
            if let session = try read(key), session.isLive(at: now) { records.append(session) }
        }
        return .orderedByKey(records, scanned: keys, limit: limit)
    }

    /// Inserts a new record; a live one with the same key is a `duplicateKey` error.
    public func insert(_ session: StoredSession, now: Date) async throws {
        try withWriterLock { () throws(CloakroomError) in
            if let existing = try? read(session.key), existing.isLive(at: now) {
                throw CloakroomError(.duplicateKey, "a session with handle \(session.key.handle) already exists")
            }
            try write(session, replacing: nil)
        }
    }

    /// Under the writer lock, which `flock` extends to every process sharing the folder.
    public func insert(_ session: StoredSession, within limit: UserSessionLimit, now: Date) async throws
        -> [SessionKey]
    {
        try withWriterLock { () throws(CloakroomError) in
            if let existing = try? read(session.key), existing.isLive(at: now) {
                throw CloakroomError(.duplicateKey, "a session with handle \(session.key.handle) already exists")
            }
            var ended: [SessionKey] = []
            if let userID = session.userID {
                // An unreadable record counts as nobody's: it is neither ended nor counted.
                let live = markers(ofUser: userID).compactMap { key in
                    (try? read(key)).flatMap { $0.isLive(at: now) && $0.userID == userID ? $0 : nil }
                }
                for victim in try limit.sessionsToEnd(among: live) {
                    try remove(victim.key, userID: userID)
                    ended.append(victim.key)
                }
            }
            try write(session, replacing: nil)
            return ended
        }
    }

    /// Replaces the live record if its version is `expectedVersion`; answers whether it did.
    public func compareAndSet(_ session: StoredSession, expectedVersion: UInt64, now: Date) async throws -> Bool {
        try withWriterLock { () throws(CloakroomError) in
            guard let current = try read(session.key), current.isLive(at: now), current.version == expectedVersion
            else { return false }
            try write(session, replacing: current)
            return true
        }
    }

    /// Records activity on a live record without changing its version (see the protocol requirement).
    public func touch(_ key: SessionKey, lastSeenAt: Date, idleDeadline: Date, now: Date) async throws -> Bool {
        try withWriterLock { () throws(CloakroomError) in
            guard var current = try read(key), current.isLive(at: now) else { return false }
            let previous = current
            current.metadata.lastSeenAt = max(current.metadata.lastSeenAt, lastSeenAt)
            current.idleDeadline = max(current.idleDeadline, idleDeadline)
            try write(current, replacing: previous)
            return true
        }
    }

    /// Deletes the record; answers whether a live one was there.
    @discardableResult
    public func delete(_ key: SessionKey, now: Date) async throws -> Bool {
        try withWriterLock { () throws(CloakroomError) in
            let current = try? read(key)
            try remove(key, userID: current?.userID)
            return current?.isLive(at: now) ?? false
        }
    }

    /// The user's live records.
    public func sessions(ofUser userID: String, now: Date) async throws -> [StoredSession] {
        var live: [StoredSession] = []
        var stale: [SessionKey] = []
        for key in markers(ofUser: userID) {
            switch Result(catching: { () throws(CloakroomError) in try read(key) }) {
            case .success(let session?) where session.isLive(at: now) && session.userID == userID:
                live.append(session)
            case .success:
                stale.append(key)
            case .failure:
                continue  // A corrupt record stays listed nowhere, but is not deleted behind the operator's back.
            }
        }
        if !stale.isEmpty {
            try withWriterLock { () throws(CloakroomError) in
                for key in stale where (try? read(key))?.isLive(at: now) != true {
                    unlink(markerPath(userID: userID, key: key))
                }
            }
        }
        return live
    }

    /// Deletes the user's live records but `except`; answers how many went.
    public func deleteAll(ofUser userID: String, except: SessionKey?, now: Date) async throws -> Int {
        try withWriterLock { () throws(CloakroomError) in
            var ended = 0
            for key in markers(ofUser: userID) where key != except {
                let current = try? read(key)
                guard current == nil || current?.userID == userID else { continue }
                try remove(key, userID: userID)
                if current?.isLive(at: now) == true { ended += 1 }
            }
            return ended
        }
    }

    /// Deletes up to `limit` expired records; answers how many.
    public func pruneExpired(now: Date, limit: Int) async throws -> Int {
        try withWriterLock { () throws(CloakroomError) in
            var pruned = 0
            for key in allKeys() {
                guard pruned < limit else { break }
                guard let session = try? read(key), !session.isLive(at: now) else { continue }
                try remove(key, userID: session.userID)
                pruned += 1
            }
            return pruned
        }
    }

    /// The number of live records.
    public func count(now: Date) async throws -> Int {
        allKeys().reduce(0) { count, key in
            ((try? read(key))?.isLive(at: now) == true) ? count + 1 : count
        }
    }

    /// Whether the store answers, with a detail fit for operators.
    public func health() async -> StoreHealth {
        if access(sessionsPath, R_OK | W_OK | X_OK) == 0 {
            return StoreHealth(store: name, isHealthy: true)
        }
        return StoreHealth(store: name, isHealthy: false, detail: "folder \(sessionsPath) is not readable and writable")
    }

    /// Closes the store's connections or files; later calls fail.
    public func close() async {}

    // MARK: Files

    private func recordPath(_ key: SessionKey) -> String { "\(sessionsPath)/\(key.hex).json" }

    private func userDirectory(_ userID: String) -> String {
        "\(usersPath)/\(Hex.encode(Array(SHA256.hash(data: Array(userID.utf8)))))"
    }

    private func markerPath(userID: String, key: SessionKey) -> String { "\(userDirectory(userID))/\(key.hex)" }

    func withWriterLock<T>(_ body: () throws(CloakroomError) -> T) throws(CloakroomError) -> T {
        try writerLock.withLock { _ throws(CloakroomError) -> T in
            while flock(lockDescriptor, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    throw CloakroomError(.storeUnavailable, "file store lock cannot be taken (errno \(errno))")
                }
            }
            defer { flock(lockDescriptor, LOCK_UN) }
            return try body()
        }
    }

    /// Reads a record; `nil` when there is no file, an error when the file is not a record.
    private func read(_ key: SessionKey) throws(CloakroomError) -> StoredSession? {
        let path = recordPath(key)
        guard let data = FileManager.default.contents(atPath: path) else {
            if access(path, F_OK) == 0 {
                throw CloakroomError(.storeUnavailable, "file store cannot read \(path); check its permissions")
            }
            return nil
        }
        guard let session = try? JSONDecoder().decode(FileRecord.self, from: data).session,
            session.key == key
        else {
            throw CloakroomError.corrupt(name, "file sessions/\(key.hex).json")
        }
        return session
    }

    /// Writes a record durably, keeping the user index in step.
    private func write(_ session: StoredSession, replacing previous: StoredSession?) throws(CloakroomError) {
        if let userID = session.userID {
            try createMarker(userID: userID, key: session.key)
        }
        let bytes: Data
        do {
            bytes = try JSONEncoder().encode(FileRecord(session))
        } catch {
            throw CloakroomError(.invalidData, "session \(session.key.handle) cannot be encoded (\(type(of: error)))")
        }
        try atomicWrite(bytes, to: recordPath(session.key))
        if let previousUser = previous?.userID, previousUser != session.userID {
            unlink(markerPath(userID: previousUser, key: session.key))
        }
    }

    private func remove(_ key: SessionKey, userID: String?) throws(CloakroomError) {
        if unlink(recordPath(key)) != 0 && errno != ENOENT {
            throw CloakroomError(.storeUnavailable, "file store cannot delete a record (errno \(errno))")
        }
        if let userID { unlink(markerPath(userID: userID, key: key)) }
    }

    private func createMarker(userID: String, key: SessionKey) throws(CloakroomError) {
        let folder = userDirectory(userID)
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            throw CloakroomError(.storeUnavailable, "file store cannot create an index folder (errno \(errno))")
        }
        let descriptor = open(markerPath(userID: userID, key: key), O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CloakroomError(.storeUnavailable, "file store cannot write an index entry (errno \(errno))")
        }
        Glibc.close(descriptor)
    }

    private func atomicWrite(_ bytes: Data, to path: String) throws(CloakroomError) {
        do {
            try PrivateFile.write(
                bytes,
                to: path,
                placement: .replace,
                temporaryFolder: temporaryPath,
                creatingFolder: false
            )
        } catch {
            // The reason only: the path names the record.
            throw CloakroomError(
                .storeUnavailable,
                "file store cannot write a record (\(String(cString: strerror(error.code)))); check free space"
            )
        }
    }

    private func markers(ofUser userID: String) -> [SessionKey] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: userDirectory(userID))) ?? []
        return names.compactMap { SessionKey(hex: $0) }
    }

    private func allKeys() -> [SessionKey] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: sessionsPath)) ?? []
        return names.compactMap { name in
            name.hasSuffix(".json") ? SessionKey(hex: name.dropLast(5)) : nil
        }
    }
}

/// The JSON form of a record in the file store: the header's fields and the payload side by side
/// in one object, as files written by every earlier version hold them.
struct FileRecord: Codable {
    var session: StoredSession

    init(_ session: StoredSession) {
        self.session = session
    }

    init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        let hex = try fields.decode(String.self, forKey: .key)
        guard let key = SessionKey(hex: hex) else {
            throw DecodingError.dataCorruptedError(forKey: .key, in: fields, debugDescription: "not a session key")
        }
        session = StoredSession(
            header: SessionHeader(
                key: key,
                userID: try fields.decodeIfPresent(String.self, forKey: .userID),
                metadata: try fields.decode(SessionMetadata.self, forKey: .metadata),
                idleDeadline: try fields.decode(Date.self, forKey: .idleDeadline),
                absoluteDeadline: try fields.decode(Date.self, forKey: .absoluteDeadline),
                version: try fields.decode(UInt64.self, forKey: .version)
            ),
            payload: Array(try fields.decode(Data.self, forKey: .payload))
        )
    }

    func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: CodingKeys.self)
        let header = session.header
        try fields.encode(header.key.hex, forKey: .key)
        try fields.encodeIfPresent(header.userID, forKey: .userID)
        try fields.encode(Data(session.payload), forKey: .payload)
        try fields.encode(header.metadata, forKey: .metadata)
        try fields.encode(header.idleDeadline, forKey: .idleDeadline)
        try fields.encode(header.absoluteDeadline, forKey: .absoluteDeadline)
        try fields.encode(header.version, forKey: .version)
    }

    enum CodingKeys: String, CodingKey {
        case key, payload, metadata, version
        case userID = "user_id"
        case idleDeadline = "idle_deadline"
        case absoluteDeadline = "absolute_deadline"
    }
}
