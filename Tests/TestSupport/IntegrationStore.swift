import Cloakroom
import CloakroomPostgres
import CloakroomRedis
import CloakroomSQLite
import CloakroomTesting
import Foundation
import Testing

/// The stores the integration tests run on. Stores made with one name share their records (one
/// file, schema or key prefix), as instances of an app on several hosts would.
public enum IntegrationStore: String, Sendable, CaseIterable {
    case memory, sqlite, file, postgres, redis, redisCluster

    /// A new instance over the backend named `name`; a server's address is required (the tests
    /// that use one carry the `needsServer` trait).
    public func make(name: String, in folder: TemporaryFolder) throws -> any SessionStore {
        switch self {
        case .memory:
            return MemorySessionStore()
        case .sqlite:
            return try SQLiteSessionStore(path: folder.path("\(name).sqlite"))
        case .file:
            return try FileSessionStore(directory: folder.url.appendingPathComponent(name))
        case .postgres:
            let url = try #require(try TestServers.postgres())
            return try PostgresSessionStore(
                configuration: try PostgresStoreConfiguration(
                    url: url + "?sslmode=disable&schema=\(name)&timeout=20s",
                    setting: "CLOAKROOM_TEST_POSTGRES"
                )
            )
        case .redis:
            let url = try #require(try TestServers.redis())
            return RedisSessionStore(
                configuration: try RedisStoreConfiguration(url: url + "?timeout=5s&prefix=\(name):")
            )
        case .redisCluster:
            let url = try #require(try TestServers.redisCluster())
            return RedisSessionStore(
                configuration: try RedisStoreConfiguration(url: url + "?timeout=5s&prefix=\(name):")
            )
        }
    }
}
