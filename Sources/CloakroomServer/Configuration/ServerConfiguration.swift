import Cloakroom
import CloakroomTokens
import Configuration
import Foundation
import Logging
import SystemPackage

/// Everything `cloakroomd` needs to start, read from flags, the environment and an optional
/// JSON file (in that order of precedence). Every default is the safe choice.
public struct ServerConfiguration: Sendable {
    /// The address to listen on. Default: `127.0.0.1`.
    public var host: String = "127.0.0.1"
    /// The port to listen on. Default: `8080`; `0` picks a free one.
    public var port: Int = 8080
    /// Where sessions live. Default: SQLite under the data folder.
    public var store: StoreLocation = .sqlite(path: "./cloakroom-data/sessions.sqlite")
    /// A durable store behind ``store``, which then serves as the fast one (the replicated
    /// composition). Default: none.
    public var durableStore: StoreLocation?
    /// Stores to fall back to, in order, while the one before is down. Default: none.
    public var fallbackStores: [StoreLocation] = []
    /// Whether a fallback may be a memory store, whose sessions die with the process. Default: no.
    public var allowVolatileFallback = false
    /// Folder for the default database and the generated API key file.
    public var dataDirectory: String = "./cloakroom-data"
    /// The session rules.
    public var policy = SessionPolicy()
    /// The encryption key ring; empty means data is stored in clear.
    public var encryptionKeys: [EncryptionKey] = []
    /// The API keys file; `nil` means `<data dir>/api-keys.json`, created on first start.
    public var apiKeysFile: String?
    /// The JWT signing keys file; `nil` means `<data dir>/jwt-keys.json`, created on first start.
    public var jwtKeysFile: String?
    /// The algorithm of the signing key created on first start. Default: ES256.
    public var jwtAlgorithm: SigningAlgorithm = .es256
    /// Access and refresh token rules.
    public var tokenOptions = TokenOptions()
    /// Rate-limit buckets by name. Default: `login` at 5 per minute.
    public var limits: [String: RateLimit] = ["login": try! RateLimit(limit: 5, period: .seconds(60))]
    /// Whether the demo sign-in and its "Your sessions" page are served. Default: no.
    public var demoSignIn = false
    /// The password of every demo account.
    public var demoPassword = "demo"
    /// Whether page cookies leave out `Secure` (and the `__Host-` prefix). Default: no.
    public var insecureCookies = false
    /// A file to append session events to as JSON lines.
    public var eventsFile: String?
    /// With a PostgreSQL store, how long audit events are kept in `cloakroom_events`; zero turns
    /// the audit table off. Default: 90 days.
    public var auditRetention: Duration = .seconds(90 * 86_400)
    /// How often memory the C allocator keeps but no longer uses is given back to the system (see
    /// ``HeapTrimService``); zero turns it off. Default: a minute.
    public var heapTrimInterval: Duration = .seconds(60)
    /// The lowest log level printed.
    public var logLevel: Logger.Level = .info
    /// The OpenTelemetry collector to export traces to over OTLP/HTTP (`http://host:4318`); none
    /// by default, and then traces are exported only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    public var otelEndpoint: String?

    /// A configuration with every default.
    public init() {}

    /// The largest request body accepted: room for the largest data plus the rest of a request.
    public var maximumBodySize: Int { policy.maximumDataSize * 2 + 16 * 1024 }

    /// The JWT signing keys file in use.
    public var resolvedJWTKeysFile: String { jwtKeysFile ?? "\(dataDirectory)/jwt-keys.json" }

    /// The API keys file in use.
    public var resolvedAPIKeysFile: String { apiKeysFile ?? "\(dataDirectory)/api-keys.json" }

    /// Reads the configuration from command-line arguments, environment variables and the
    /// configuration file named by `CLOAKROOM_CONFIG_FILE` / `--config-file`.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` naming the first setting
    ///   that cannot be used and what was expected.
    public static func load(
        arguments: [String] = CommandLine.arguments,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(CloakroomError) -> ServerConfiguration {
        let commandLine = CommandLineArgumentsProvider(arguments: arguments)
        let variables = EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "cloakroom")
        var providers: [any ConfigProvider] = [commandLine, variables]
        let early = ConfigReader(providers: providers)
        if let path = early.string(forKey: ConfigKey(Setting.configFile.key)), !path.isEmpty {
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(path)))
            } catch {
                throw CloakroomError(
                    .invalidConfiguration,
                    "\(Setting.configFile.displayName): cannot read JSON configuration file '\(path)': \(error)"
                )
            }
        }
        return try ServerConfiguration(reader: SettingsReader(ConfigReader(providers: providers)))
    }

    init(reader: SettingsReader) throws(CloakroomError) {
        if let listen = reader.string(.listen) {
            (host, port) = try Self.parseListen(listen)
        }
        if let folder = reader.string(.dataDirectory) {
            guard !folder.isEmpty else { throw reader.invalid(.dataDirectory, "a folder path", folder) }
            dataDirectory = folder
        }
        store = .sqlite(path: "\(dataDirectory)/sessions.sqlite")
        if let url = reader.string(.store) {
            store = try StoreLocation(parsing: url, setting: Setting.store.displayName)
        }
        if let url = reader.string(.storeDurable), !url.isEmpty {
            let durable = try StoreLocation(parsing: url, setting: Setting.storeDurable.displayName)
            if case .memory = durable {
                throw CloakroomError(
                    .invalidConfiguration,
                    "\(Setting.storeDurable.displayName): a durable store must keep sessions across restarts; use sqlite:PATH, file:DIR or postgres://…, not memory"
                )
            }
            durableStore = durable
        }
        if let value = try reader.boolean(.allowVolatileFallback) { allowVolatileFallback = value }
        if let value = try reader.boolean(.demoSignIn) { demoSignIn = value }
        if let value = try reader.boolean(.insecureCookies) { insecureCookies = value }
        if let value = reader.string(.demoPassword) {
            guard !value.isEmpty, value.count <= 128 else {
                throw reader.invalid(
                    .demoPassword,
                    "1 to 128 characters",
                    "a value of \(value.count) characters (not shown)"
                )
            }
            demoPassword = value
        }
        if let list = reader.string(.storeFallback) {
            // URLs never hold spaces, while redis-cluster:// ones hold commas: spaces separate.
            for url in list.split(whereSeparator: \.isWhitespace) {
                let fallback = try StoreLocation(parsing: String(url), setting: Setting.storeFallback.displayName)
                if case .memory = fallback, !allowVolatileFallback {
                    throw CloakroomError(
                        .invalidConfiguration,
                        "\(Setting.storeFallback.displayName): sessions created on a memory fallback are lost when cloakroomd stops; set \(Setting.allowVolatileFallback.environmentName)=true to accept that, or fall back to sqlite:PATH"
                    )
                }
                fallbackStores.append(fallback)
            }
        }
        if let value = reader.string(.idleTimeout) { policy.idleTimeout = try reader.duration(.idleTimeout, value) }
        if let value = reader.string(.absoluteTimeout) {
            policy.absoluteTimeout = try reader.duration(.absoluteTimeout, value)
        }
        if let value = reader.string(.touchInterval) {
            policy.touchInterval = try reader.duration(.touchInterval, value, allowZero: true)
        }
        if let value = reader.string(.maxSessionsPerUser) {
            if value == "unlimited" {
                policy.maximumSessionsPerUser = nil
            } else {
                guard let count = Int(value), count >= 1 else {
                    throw reader.invalid(.maxSessionsPerUser, "a whole number of at least 1, or 'unlimited'", value)
                }
                policy.maximumSessionsPerUser = count
            }
        }
        if let value = reader.string(.sessionLimitBehavior) {
            switch value {
            case "end-oldest": policy.overflowBehavior = .endLeastRecentlyUsed
            case "refuse": policy.overflowBehavior = .refuse
            default: throw reader.invalid(.sessionLimitBehavior, "end-oldest or refuse", value)
            }
        }
        for (setting, field) in [
            (Setting.onIpChange, \ClientChangePolicy.ipChange), (.onUserAgentChange, \.userAgentChange),
        ] {
            guard let value = reader.string(setting) else { continue }
            guard let reaction = ClientChangePolicy.Reaction(rawValue: value) else {
                let names = ClientChangePolicy.Reaction.allCases.map(\.rawValue).joined(separator: ", ")
                throw reader.invalid(setting, "one of \(names)", value)
            }
            policy.clientChange[keyPath: field] = reaction
        }
        if let value = reader.string(.maxDataSize) {
            guard let size = Int(value), size >= 2, size <= 16 * 1024 * 1024 else {
                throw reader.invalid(.maxDataSize, "a number of bytes from 2 to 16777216", value)
            }
            policy.maximumDataSize = size
        }
        do {
            try policy.validate()
        } catch {
            throw CloakroomError(
                .invalidConfiguration,
                "\(Setting.idleTimeout.displayName), \(Setting.absoluteTimeout.displayName), \(Setting.touchInterval.displayName): \(error.message)"
            )
        }
        if let entries = reader.list(.encryptionKeys) {
            encryptionKeys = try Self.parseEncryptionKeys(entries)
        }
        apiKeysFile = reader.string(.apiKeysFile).flatMap { $0.isEmpty ? nil : $0 }
        eventsFile = reader.string(.eventsFile).flatMap { $0.isEmpty ? nil : $0 }
        try readTokenSettings(reader)
        if let entries = reader.list(.limits) {
            limits = try Self.parseLimits(entries, reader: reader)
        }
        if let value = reader.string(.auditRetention) {
            auditRetention = try reader.duration(.auditRetention, value, allowZero: true)
        }
        if let value = reader.string(.heapTrimInterval) {
            heapTrimInterval = try reader.duration(.heapTrimInterval, value, allowZero: true)
        }
        if let value = reader.string(.logLevel) {
            guard let level = Logger.Level(rawValue: value.lowercased()) else {
                throw reader.invalid(.logLevel, "trace, debug, info, notice, warning, error or critical", value)
            }
            logLevel = level
        }
        if let value = reader.string(.otelEndpoint), !value.isEmpty {
            guard let url = URL(string: value), ["http", "https"].contains(url.scheme?.lowercased()),
                url.host?.isEmpty == false
            else {
                throw reader.invalid(.otelEndpoint, "an http:// or https:// URL such as http://localhost:4318", value)
            }
            otelEndpoint = value
        }
    }

    private mutating func readTokenSettings(_ reader: SettingsReader) throws(CloakroomError) {
        jwtKeysFile = reader.string(.jwtKeysFile).flatMap { $0.isEmpty ? nil : $0 }
        if let value = reader.string(.jwtAlgorithm) {
            guard let algorithm = SigningAlgorithm(name: value) else {
                throw reader.invalid(.jwtAlgorithm, "ES256, EdDSA or RS256", value)
            }
            jwtAlgorithm = algorithm
        }
        if let value = reader.string(.jwtIssuer), !value.isEmpty { tokenOptions.issuer = value }
        if let value = reader.string(.jwtAudience), !value.isEmpty { tokenOptions.audience = value }
        if let value = reader.string(.accessTokenTtl) {
            let lifetime = try reader.duration(.accessTokenTtl, value)
            guard lifetime >= .seconds(1), lifetime <= .seconds(86_400) else {
                throw reader.invalid(
                    .accessTokenTtl,
                    "a duration from 1s to 24h (refresh tokens carry longer use)",
                    value
                )
            }
            tokenOptions.accessTokenLifetime = lifetime
        }
        if let value = reader.string(.refreshGracePeriod) {
            let grace = try reader.duration(.refreshGracePeriod, value, allowZero: true)
            guard grace <= .seconds(300) else {
                throw reader.invalid(.refreshGracePeriod, "a duration of at most 5m (longer lets a thief in)", value)
            }
            tokenOptions.refreshGracePeriod = grace
        }
    }

    /// `CLOAKROOM_*` variables that name no setting (typos, most likely), to warn about at start.
    public static func unknownEnvironmentNames(in environment: [String: String]) -> [String] {
        let known = Set(Setting.allCases.map(\.environmentName))
        return environment.keys.filter { name in
            name.hasPrefix("CLOAKROOM_") && !name.hasPrefix("CLOAKROOM_TEST_") && !known.contains(name)
        }.sorted()
    }

    /// Parses `host:port`, `[v6]:port` or `:port`.
    static func parseListen(_ text: String) throws(CloakroomError) -> (String, Int) {
        let invalid = CloakroomError(
            .invalidConfiguration,
            "\(Setting.listen.displayName): expected host:port such as 127.0.0.1:8080, got '\(text.prefix(80))'"
        )
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw invalid }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
        guard !host.contains(" ") else { throw invalid }
        return (host, port)
    }

    /// Parses `name=LIMIT/PERIOD` entries.
    static func parseLimits(_ entries: [String], reader: SettingsReader) throws(CloakroomError) -> [String: RateLimit] {
        var limits: [String: RateLimit] = [:]
        for entry in entries where !entry.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard parts.count == 2, RateLimiter.isValidBucketName(String(parts[0])) else {
                throw reader.invalid(.limits, "name=LIMIT/PERIOD entries with names of a-z 0-9 _ . -", entry)
            }
            do {
                limits[String(parts[0])] = try RateLimit(parsing: parts[1])
            } catch {
                throw CloakroomError(.invalidConfiguration, "\(Setting.limits.displayName): \(error.message)")
            }
        }
        return limits
    }

    /// Parses the `CLOAKROOM_ENCRYPTION_KEYS` form, `id:base64key` entries separated by commas;
    /// the first is the current key. Errors never echo key material.
    public static func encryptionKeys(parsing text: String) throws(CloakroomError) -> [EncryptionKey] {
        try parseEncryptionKeys(text.split(separator: ",").map(String.init))
    }

    /// Parses `id:base64key` entries; the first is the current key.
    static func parseEncryptionKeys(_ entries: [String]) throws(CloakroomError) -> [EncryptionKey] {
        var keys: [EncryptionKey] = []
        for entry in entries where !entry.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let bytes = Data(base64Encoded: String(parts[1])) else {
                // Never echo the entry: it holds key material.
                throw CloakroomError(
                    .invalidConfiguration,
                    "\(Setting.encryptionKeys.displayName): expected id:base64key entries separated by commas (create a key with `openssl rand -base64 32`); entry \(keys.count + 1) is not of that form"
                )
            }
            do {
                keys.append(try EncryptionKey(id: String(parts[0]), bytes: bytes))
            } catch {
                throw CloakroomError(.invalidConfiguration, "\(Setting.encryptionKeys.displayName): \(error.message)")
            }
        }
        do {
            _ = try SessionCipher(keys: keys)
        } catch {
            throw CloakroomError(.invalidConfiguration, "\(Setting.encryptionKeys.displayName): \(error.message)")
        }
        return keys
    }
}

/// Reads settings by name from a `ConfigReader` and words errors about them.
struct SettingsReader {
    let reader: ConfigReader

    init(_ reader: ConfigReader) {
        self.reader = reader
    }

    func string(_ setting: Setting) -> String? {
        let key = ConfigKey(setting.key)
        if let value = reader.string(forKey: key) { return value }
        // A JSON file may give numbers as numbers.
        if let value = reader.int(forKey: key) { return String(value) }
        // A flag given a comma-separated value arrives as several values.
        return reader.stringArray(forKey: key)?.joined(separator: ",")
    }

    func list(_ setting: Setting) -> [String]? {
        if let values = reader.stringArray(forKey: ConfigKey(setting.key)) { return values }
        return reader.string(forKey: ConfigKey(setting.key))?.split(separator: ",").map(String.init)
    }

    /// A yes/no setting: `true`, `yes`, `1` or `false`, `no`, `0`, empty; `nil` when absent.
    func boolean(_ setting: Setting) throws(CloakroomError) -> Bool? {
        guard let value = string(setting) else { return nil }
        switch value.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0", "": return false
        default: throw invalid(setting, "true or false", value)
        }
    }

    func duration(_ setting: Setting, _ value: String, allowZero: Bool = false) throws(CloakroomError) -> Duration {
        guard let duration = DurationText.parse(value), allowZero || duration > .zero else {
            throw invalid(setting, "a duration such as 90s, 30m or 24h", value)
        }
        return duration
    }

    func invalid(_ setting: Setting, _ expected: String, _ value: String) -> CloakroomError {
        CloakroomError(.invalidConfiguration, "\(setting.displayName): expected \(expected), got '\(value.prefix(80))'")
    }
}
