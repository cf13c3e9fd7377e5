import Foundation

/// Addresses of the real servers a test run provides (`scripts/test-servers` exports them).
///
/// Test plumbing of this repository, not part of the shipped kit (`CloakroomTesting`): suites
/// that need a server say so with the ``Testing/Trait/needsServer(_:)`` trait.
///
/// Outside CI a missing address means "not available here" and the caller returns early; under
/// `CI=true` it is an error, so a broken test setup can never pass as a skipped test.
public enum TestServers {
    /// A required server's address is missing under `CI=true`.
    public struct Missing: Error, CustomStringConvertible {
        /// The environment variable that should have held the address.
        public var variable: String
        /// What to fix.
        public var description: String {
            "\(variable) is not set but CI=true: scripts/test-servers must start this server"
        }
    }

    /// Whether this run is CI's (`CI=true`).
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether `variable` holds an address.
    public static func isSet(_ variable: String) -> Bool {
        !(ProcessInfo.processInfo.environment[variable] ?? "").isEmpty
    }

    /// The URL in `variable`; `nil` outside CI when it is unset; throws ``Missing`` under CI.
    public static func url(_ variable: String) throws -> String? {
        if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return value }
        if isCI { throw Missing(variable: variable) }
        print("\(variable) is not set; run through scripts/test to include the tests that need it")
        return nil
    }

    /// `CLOAKROOM_TEST_POSTGRES`, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
    public static func postgres() throws -> String? { try url("CLOAKROOM_TEST_POSTGRES") }

    /// `CLOAKROOM_TEST_REDIS`, e.g. `redis://127.0.0.1:6379`.
    public static func redis() throws -> String? { try url("CLOAKROOM_TEST_REDIS") }

    /// `CLOAKROOM_TEST_REDIS_TLS` (e.g. `rediss://localhost:6380`) and the path of the CA file that
    /// signed its certificate, `CLOAKROOM_TEST_REDIS_TLS_CA`.
    public static func redisTLS() throws -> (url: String, caFile: String)? {
        guard let url = try url("CLOAKROOM_TEST_REDIS_TLS") else { return nil }
        guard let ca = ProcessInfo.processInfo.environment["CLOAKROOM_TEST_REDIS_TLS_CA"], !ca.isEmpty else {
            throw Missing(variable: "CLOAKROOM_TEST_REDIS_TLS_CA")
        }
        return (url, ca)
    }

    /// `CLOAKROOM_TEST_REDIS_CLUSTER`, e.g. `redis-cluster://127.0.0.1:7001,127.0.0.1:7002`.
    public static func redisCluster() throws -> String? { try url("CLOAKROOM_TEST_REDIS_CLUSTER") }
}
