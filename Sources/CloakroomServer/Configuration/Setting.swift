/// A setting of `cloakroomd`, with the names it goes by in each source.
///
/// The same setting is `CLOAKROOM_IDLE_TIMEOUT` in the environment, `--idle-timeout` on the
/// command line and `"idleTimeout"` in the JSON configuration file. Flags win over the
/// environment, which wins over the file.
public enum Setting: String, CaseIterable, Sendable {
    case listen
    case store
    case storeDurable
    case storeFallback
    case allowVolatileFallback
    case dataDirectory = "dataDir"
    case idleTimeout
    case absoluteTimeout
    case touchInterval
    case maxSessionsPerUser
    case sessionLimitBehavior
    case onIpChange
    case onUserAgentChange
    case maxDataSize
    case encryptionKeys
    case apiKeysFile
    case jwtKeysFile
    case jwtAlgorithm
    case jwtIssuer
    case jwtAudience
    case accessTokenTtl
    case refreshGracePeriod
    case limits
    case demoSignIn
    case demoPassword
    case insecureCookies
    case eventsFile
    case auditRetention
    case heapTrimInterval
    case logLevel
    case otelEndpoint
    case configFile

    /// The configuration key (the JSON file's field name).
    public var key: String { rawValue }

    /// The environment variable, e.g. `CLOAKROOM_IDLE_TIMEOUT`.
    public var environmentName: String {
        "CLOAKROOM_" + words.joined(separator: "_").uppercased()
    }

    /// The command-line flag, e.g. `--idle-timeout`.
    public var flag: String { "--" + words.joined(separator: "-") }

    /// How error messages name the setting.
    public var displayName: String { "\(environmentName) (\(flag))" }

    private var words: [String] {
        var words: [String] = []
        var current = ""
        for character in rawValue {
            if character.isUppercase, !current.isEmpty {
                words.append(current)
                current = ""
            }
            current.append(character.lowercased())
        }
        words.append(current)
        return words
    }

    /// The default, as the documentation shows it.
    public var defaultDescription: String {
        switch self {
        case .listen: "127.0.0.1:8080"
        case .store: "sqlite:<data dir>/sessions.sqlite"
        case .storeDurable, .storeFallback: "none"
        case .allowVolatileFallback: "false"
        case .dataDirectory: "./cloakroom-data"
        case .idleTimeout: "30m"
        case .absoluteTimeout: "24h"
        case .touchInterval: "60s"
        case .maxSessionsPerUser: "100; 'unlimited' for none"
        case .sessionLimitBehavior: "end-oldest"
        case .onIpChange, .onUserAgentChange: "notify"
        case .maxDataSize: "65536"
        case .encryptionKeys: "none (data stored in clear)"
        case .apiKeysFile: "<data dir>/api-keys.json, created on first start"
        case .jwtKeysFile: "<data dir>/jwt-keys.json, created on first start"
        case .jwtAlgorithm: "ES256"
        case .jwtIssuer, .jwtAudience: "none"
        case .accessTokenTtl: "15m"
        case .refreshGracePeriod: "10s"
        case .limits: "login=5/1m"
        case .demoSignIn: "false"
        case .demoPassword: "demo"
        case .insecureCookies: "false"
        case .eventsFile: "none"
        case .auditRetention: "90d"
        case .heapTrimInterval: "60s"
        case .logLevel: "info"
        case .otelEndpoint: "none"
        case .configFile: "none"
        }
    }

    /// What the setting does.
    public var summary: String {
        switch self {
        case .listen: "host:port to listen on"
        case .store:
            "where sessions live: memory, file:DIR, sqlite:PATH, postgres://user:password@host:port/db, redis://host:port, rediss://host:port or redis-cluster://host:port,host:port"
        case .storeDurable:
            "a durable store behind the store above, which becomes a fast cache: writes are acknowledged once this one has them"
        case .storeFallback:
            "stores to use, in order, while the one before is down (URLs separated by spaces)"
        case .allowVolatileFallback:
            "true lets a fallback be memory, whose sessions are lost when cloakroomd stops"
        case .dataDirectory: "folder for the default SQLite database and the generated API key file"
        case .idleTimeout: "a session dies after this long unused (e.g. 90s, 30m, 24h)"
        case .absoluteTimeout: "a session dies this long after creation, however busy"
        case .touchInterval: "a resume records activity at most this often"
        case .maxSessionsPerUser: "most live sessions one user may hold"
        case .sessionLimitBehavior: "beyond the limit: end-oldest or refuse"
        case .onIpChange:
            "when a resume reports another IP than the session last saw: ignore, record (as last seen), notify (record and emit client_changed), reauthenticate (notify and clear authenticated_at) or end"
        case .onUserAgentChange: "when a resume reports another user agent: the same choices as the IP"
        case .maxDataSize: "largest session data, in bytes of JSON"
        case .encryptionKeys: "id:base64key,... (32-byte AES keys, the first is current)"
        case .apiKeysFile: "JSON array of {name, scopes, sha256} API keys"
        case .jwtKeysFile: "JSON {keys: [{kid, alg, private_key}]} signing access tokens; the first signs, all verify"
        case .jwtAlgorithm: "algorithm of the key created on first start: ES256, EdDSA or RS256"
        case .jwtIssuer: "iss written into access tokens and required of them"
        case .jwtAudience: "aud written into access tokens and required of them"
        case .accessTokenTtl: "how long an access token is valid (never beyond its session)"
        case .refreshGracePeriod:
            "how long a just-replaced refresh token may be presented again (two tabs racing) without ending the session; 0s turns it off"
        case .limits:
            "rate-limit buckets for /v1/limits as name=LIMIT/PERIOD,... (e.g. login=5/1m,api=100/1s); LIMIT at once, refilled evenly over PERIOD"
        case .demoSignIn:
            "serve the demo sign-in at / (any name, the demo password; users become demo:NAME) and its \"Your sessions\" page"
        case .demoPassword: "the password of every demo account"
        case .insecureCookies:
            "send page cookies without Secure and the __Host- prefix, for plain http:// other than localhost; never in production"
        case .eventsFile: "append session events to this file as JSON lines"
        case .auditRetention: "with a postgres:// store, keep events in cloakroom_events this long (0s: no audit table)"
        case .heapTrimInterval:
            "give memory the C allocator keeps but no longer uses back to the system this often (0s: never)"
        case .logLevel: "trace, debug, info, notice, warning, error or critical"
        case .otelEndpoint:
            "export traces over OTLP/HTTP to this collector, e.g. http://localhost:4318 (also on when OTEL_EXPORTER_OTLP_ENDPOINT is set; the OTEL_* variables refine it)"
        case .configFile: "JSON file with any of these settings by key"
        }
    }
}
