import Cloakroom
import CloakroomPostgres
import CloakroomRedis
import CloakroomSQLite
import Foundation
import Logging

/// Where sessions live, parsed from a store URL such as `sqlite:./data/sessions.sqlite`.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// In this process's memory, holding at most `maximumCount` sessions.
    case memory(maximumCount: Int)
    /// One file per session in a folder.
    case file(directory: String)
    /// An SQLite database file.
    case sqlite(path: String)
    /// A PostgreSQL database.
    case postgres(PostgresStoreConfiguration)
    /// A Redis server or a Redis Cluster.
    case redis(RedisStoreConfiguration)

    /// Parses a store URL; `setting` names the setting in error messages.
    ///
    /// Accepted: `memory`, `memory:MAX`, `file:DIR`, `sqlite:PATH`, `postgres://…`, `redis://…`,
    /// `rediss://…`, `redis-cluster://host:port,host:port…`.
    public init(parsing text: String, setting: String = Setting.store.displayName) throws(CloakroomError) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text == "memory" {
            self = .memory(maximumCount: 1_000_000)
        } else if text.hasPrefix("memory:") {
            guard let count = Int(text.dropFirst(7)), count > 0, count < Int32.max else {
                throw CloakroomError(
                    .invalidConfiguration,
                    "\(setting): memory:MAX takes a whole number of sessions from 1 to \(Int32.max - 1), got '\(text.dropFirst(7))'"
                )
            }
            self = .memory(maximumCount: count)
        } else if text.hasPrefix("file:"), text.count > 5 {
            self = .file(directory: Self.path(text.dropFirst(5)))
        } else if text.hasPrefix("sqlite:"), text.count > 7 {
            self = .sqlite(path: Self.path(text.dropFirst(7)))
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresStoreConfiguration(url: text, setting: setting))
        } else if ["redis://", "rediss://", "redis-cluster://"].contains(where: {
            text.hasPrefix($0)
        }) {
            self = .redis(try RedisStoreConfiguration(url: text, setting: setting))
        } else {
            throw CloakroomError(
                .invalidConfiguration,
                "\(setting): expected memory, file:DIR, sqlite:PATH, postgres://user:password@host:port/database, redis://host:port, rediss://host:port or redis-cluster://host:port,host:port, got '\(Self.redacted(text))'"
            )
        }
    }

    /// The text as an error message may show it: anything that could hold credentials is cut.
    static func redacted(_ text: String) -> String {
        guard text.contains("@") else { return String(text.prefix(80)) }
        let scheme = text.range(of: "://").map { String(text[..<$0.upperBound]) } ?? ""
        return scheme + "… (rest hidden: it may hold a password)"
    }

    /// `file://DIR` and `file:DIR` both mean the folder DIR.
    private static func path(_ rest: Substring) -> String {
        rest.hasPrefix("//") ? String(rest.dropFirst(2)) : String(rest)
    }

    /// Opens the store. No store connects here: Redis connects on first use, and PostgreSQL
    /// connects and migrates its schema in its `run()`, which the caller runs (a `ServiceGroup`,
    /// or `withRunning(_:)`).
    ///
    /// - Parameter logger: where the store logs; by default nowhere.
    public func open(logger: Logger = .cloakroomDisabled) throws -> any SessionStore {
        switch self {
        case .memory(let maximumCount): MemorySessionStore(maximumCount: maximumCount)
        case .file(let directory): try FileSessionStore(directory: URL(fileURLWithPath: directory))
        case .sqlite(let path): try SQLiteSessionStore(path: path)
        case .postgres(let configuration): try PostgresSessionStore(configuration: configuration, logger: logger)
        case .redis(let configuration): RedisSessionStore(configuration: configuration)
        }
    }

    /// The URL form, e.g. `sqlite:./cloakroom-data/sessions.sqlite`.
    public var description: String {
        switch self {
        case .memory(let maximumCount): "memory:\(maximumCount)"
        case .file(let directory): "file:\(directory)"
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let configuration): configuration.description
        case .redis(let configuration): configuration.description
        }
    }
}
