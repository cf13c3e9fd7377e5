import Cloakroom
import Foundation

/// How to reach PostgreSQL, parsed from `postgres://user:password@host:port/database?…`.
///
/// Query parameters:
/// - `sslmode`: `disable`, `prefer` (the default: TLS when the server offers it), `require`
///   (TLS, certificate not verified) or `verify-full` (TLS with certificate and host name checked).
/// - `pool_size`: most connections per instance (default 10).
/// - `timeout`: how long one store call may take, connecting included, before it fails as
///   unavailable (default `5s`; `ms`, `s` and `m` units).
/// - `schema`: the schema holding Cloakroom's tables (default `public`).
public struct PostgresStoreConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is protected.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, plain otherwise.
        case prefer
        /// TLS always; the certificate is not verified.
        case require
        /// TLS always, with the certificate chain and host name verified.
        case verifyFull = "verify-full"
    }

    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The user to log in as.
    public var username: String
    /// The password, if any. Never printed.
    public var password: String?
    /// The database.
    public var database: String
    /// TLS use.
    public var tlsMode: TLSMode
    /// Most connections per instance.
    public var poolSize: Int
    /// How long one store call may take.
    public var timeout: Duration
    /// The schema holding the tables.
    public var schema: String

    /// Creates a configuration; the defaults are those of a URL without query parameters.
    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String? = nil,
        database: String,
        tlsMode: TLSMode = .prefer,
        poolSize: Int = 10,
        timeout: Duration = .seconds(5),
        schema: String = "public"
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tlsMode = tlsMode
        self.poolSize = poolSize
        self.timeout = timeout
        self.schema = schema
    }

    /// Parses a `postgres://` or `postgresql://` URL; `setting` names the setting in errors.
    ///
    /// Errors never repeat the URL, which may hold a password.
    public init(url text: String, setting: String) throws(CloakroomError) {
        func invalid(_ what: String) -> CloakroomError {
            CloakroomError(
                .invalidConfiguration,
                "\(setting): \(what); expected postgres://user:password@host:port/database?sslmode=prefer&pool_size=10"
            )
        }
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme)
        else { throw invalid("not a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else { throw invalid("the URL names no host") }
        guard let username = components.user, !username.isEmpty else { throw invalid("the URL names no user") }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { throw invalid("the URL names no database") }
        self.init(
            host: host,
            port: components.port ?? 5432,
            username: username.removingPercentEncoding ?? username,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database
        )
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw invalid("sslmode must be disable, prefer, require or verify-full, got '\(value.prefix(20))'")
                }
                tlsMode = mode
            case "pool_size":
                guard let size = Int(value), (1...1000).contains(size) else {
                    throw invalid("pool_size must be a number from 1 to 1000, got '\(value.prefix(20))'")
                }
                poolSize = size
            case "timeout":
                guard let duration = DurationText.parse(value), duration > .zero, duration < .seconds(86_400) else {
                    throw invalid("timeout must be a duration such as 500ms or 5s, got '\(value.prefix(20))'")
                }
                timeout = duration
            case "schema":
                guard !value.isEmpty, value.utf8.count <= 63, value.utf8.allSatisfy(Self.isIdentifierByte) else {
                    throw invalid("schema must be 1-63 lowercase letters, digits or '_', got '\(value.prefix(20))'")
                }
                schema = value
            default:
                throw invalid(
                    "unknown parameter '\(item.name.prefix(30))' (known: sslmode, pool_size, timeout, schema)"
                )
            }
        }
    }

    /// Lowercase letters, digits and `_`: a schema name that needs no quoting.
    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"): true
        default: false
        }
    }

    /// The URL without its password, safe to log.
    public var description: String {
        let credentials = password == nil ? username : "\(username):***"
        return "postgres://\(credentials)@\(host):\(port)/\(database)?sslmode=\(tlsMode.rawValue)&pool_size=\(poolSize)"
            + (schema == "public" ? "" : "&schema=\(schema)")
    }
}
