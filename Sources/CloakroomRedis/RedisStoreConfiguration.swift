import Cloakroom
import Foundation
import NIOSSL
import RESP

/// Where and how the Redis store connects, parsed from a `redis://`, `rediss://` or
/// `redis-cluster://` URL.
///
/// ```
/// redis://[user:password@]host[:port][/db][?pool_size=4&timeout=2s&prefix=cloakroom:]
/// rediss://…[?tls_ca=/path/ca.pem]               (TLS, certificate verified against the
///                                                 system's roots or the given CA file)
/// redis-cluster://[user:password@]host:port,host:port…[?tls=true&…]
/// ```
public struct RedisStoreConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// One server, or the seed nodes of a cluster.
    public enum Topology: Sendable {
        /// A standalone server (or a primary behind a proxy).
        case standalone(RESPConnectionConfiguration)
        /// A Redis Cluster, reached through any of these nodes.
        case cluster(seeds: [RESPConnectionConfiguration])
    }

    /// The servers.
    public var topology: Topology
    /// Connections per server.
    public var poolSize: Int
    /// How long a connection attempt or a reply may take (`timeout`, default 2 s).
    public var timeout: Duration
    /// What every key the store writes starts with (`prefix`, default `cloakroom:`).
    public var keyPrefix: String
    /// The URL this configuration was parsed from (or an equivalent one); it identifies the
    /// configuration.
    public var url: String

    /// Creates a configuration.
    public init(
        topology: Topology,
        poolSize: Int = 4,
        timeout: Duration = .seconds(2),
        keyPrefix: String = "cloakroom:"
    ) {
        self.topology = topology
        switch topology {
        case .standalone(let server): url = "redis://\(server.address)"
        case .cluster(let seeds): url = "redis-cluster://" + seeds.map(\.address).joined(separator: ",")
        }
        self.poolSize = poolSize
        self.timeout = timeout
        self.keyPrefix = keyPrefix
    }

    /// Parses a store URL; `setting` names the setting in error messages.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` naming what is wrong.
    public init(url: String, setting: String = "CLOAKROOM_STORE") throws(CloakroomError) {
        func invalid(_ what: String) -> CloakroomError {
            CloakroomError(.invalidConfiguration, "\(setting): \(what)")
        }
        let schemes = ["redis://", "rediss://", "redis-cluster://"]
        guard let scheme = schemes.first(where: { url.hasPrefix($0) }) else {
            throw invalid("expected redis://, rediss:// or redis-cluster:// URL, got '\(Self.redacted(url))'")
        }
        self.url = url
        var rest = Substring(url.dropFirst(scheme.count))
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                let name = String(parts[0])
                guard parts.count == 2, !parts[1].isEmpty else {
                    throw invalid("query parameter '\(name)' needs a value")
                }
                query[name] = String(parts[1]).removingPercentEncoding ?? String(parts[1])
            }
            rest = rest[..<mark]
        }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = String(credentials[..<colon]).removingPercentEncoding ?? ""
                username = user.isEmpty ? nil : user
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding
            } else {
                password = String(credentials).removingPercentEncoding
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard scheme != "redis-cluster://" else {
                    throw invalid("a cluster has only database 0; remove '/\(path)'")
                }
                guard let number = Int(path), (0...15_999).contains(number) else {
                    throw invalid("database must be a number like /0, got '/\(path)'")
                }
                database = number
            }
        }
        let known: Set = ["pool_size", "timeout", "prefix", "tls", "tls_ca"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw invalid("unknown query parameter '\(unknown)'; known: pool_size, timeout, prefix, tls, tls_ca")
        }
        poolSize = 4
        if let text = query["pool_size"] {
            guard let size = Int(text), (1...256).contains(size) else {
                throw invalid("pool_size must be a number from 1 to 256, got '\(text)'")
            }
            poolSize = size
        }
        timeout = .seconds(2)
        if let text = query["timeout"] {
            guard let duration = DurationText.parse(text), duration > .zero, duration < .seconds(86_400) else {
                throw invalid("timeout must be a duration like 500ms or 2s, got '\(text)'")
            }
            timeout = duration
        }
        keyPrefix = query["prefix"] ?? "cloakroom:"
        var useTLS = scheme == "rediss://"
        if let text = query["tls"] {
            guard ["true", "false"].contains(text) else { throw invalid("tls must be true or false, got '\(text)'") }
            useTLS = text == "true"
        }
        var tls: TLSConfiguration?
        if useTLS {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile = query["tls_ca"] {
                guard FileManager.default.isReadableFile(atPath: caFile) else {
                    throw invalid("tls_ca: no readable CA file at '\(caFile)'")
                }
                configuration.trustRoots = .file(caFile)
            }
            tls = configuration
        } else if query["tls_ca"] != nil {
            throw invalid("tls_ca needs TLS: use rediss:// (or tls=true for a cluster)")
        }
        let hosts = rest.split(separator: ",", omittingEmptySubsequences: false)
        guard scheme == "redis-cluster://" || hosts.count == 1 else {
            throw invalid("several hosts need redis-cluster://, got '\(Self.redacted(url))'")
        }
        var nodes: [RESPConnectionConfiguration] = []
        for hostPort in hosts {
            var host = String(hostPort)
            var port = 6379
            if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
                host = String(hostPort[..<colon])
                guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(number) else {
                    throw invalid("port must be a number from 1 to 65535 in '\(hostPort)'")
                }
                port = number
            }
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else {
                throw invalid("missing host in '\(Self.redacted(url))', e.g. redis://127.0.0.1:6379")
            }
            nodes.append(
                RESPConnectionConfiguration(
                    host: host,
                    port: port,
                    tls: tls,
                    username: username,
                    password: password,
                    database: database,
                    connectTimeout: timeout,
                    commandTimeout: timeout
                )
            )
        }
        topology = scheme == "redis-cluster://" ? .cluster(seeds: nodes) : .standalone(nodes[0])
    }

    /// The URL without its password, safe to log.
    public var description: String { Self.redacted(url) }

    /// Whether two configurations name the same URL.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.url == rhs.url }

    /// Hashes the configuration's URL.
    public func hash(into hasher: inout Hasher) { hasher.combine(url) }

    /// The URL with any password replaced by `***`, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].lastIndex(of: "@") else {
            return url
        }
        let credentials = url[schemeEnd.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else {
            return url.replacingCharacters(in: schemeEnd.upperBound..<at, with: "***")
        }
        return url.replacingCharacters(in: url.index(after: colon)..<at, with: "***")
    }
}
