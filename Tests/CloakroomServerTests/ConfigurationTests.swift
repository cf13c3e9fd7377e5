import Cloakroom
import CloakroomServer
import CloakroomTesting
import CloakroomTokens
import Foundation
import Logging
import Testing

@Suite("cloakroomd configuration")
struct ConfigurationTests {
    func load(_ environment: [String: String], _ arguments: [String] = []) async throws -> ServerConfiguration {
        try await ServerConfiguration.load(arguments: ["cloakroomd"] + arguments, environment: environment)
    }

    @Test func defaultsAreSafe() async throws {
        let configuration = try await load([:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.store == .sqlite(path: "./cloakroom-data/sessions.sqlite"))
        #expect(configuration.encryptionKeys.isEmpty)
    }

    @Test func environmentNamesFromTheDesign() async throws {
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        let old = Data(repeating: 9, count: 32).base64EncodedString()
        let configuration = try await load([
            "CLOAKROOM_LISTEN": "0.0.0.0:9000",
            "CLOAKROOM_STORE": "file:/tmp/sessions",
            "CLOAKROOM_IDLE_TIMEOUT": "2s",
            "CLOAKROOM_ABSOLUTE_TIMEOUT": "5s",
            "CLOAKROOM_TOUCH_INTERVAL": "1s",
            "CLOAKROOM_MAX_SESSIONS_PER_USER": "3",
            "CLOAKROOM_ENCRYPTION_KEYS": "new:\(key),old:\(old)",
            "CLOAKROOM_LOG_LEVEL": "debug",
            "CLOAKROOM_OTEL_ENDPOINT": "http://collector:4318",
        ])
        #expect(configuration.host == "0.0.0.0" && configuration.port == 9000)
        #expect(configuration.store == .file(directory: "/tmp/sessions"))
        #expect(configuration.policy.idleTimeout == .seconds(2))
        #expect(configuration.policy.absoluteTimeout == .seconds(5))
        #expect(configuration.policy.touchInterval == .seconds(1))
        #expect(configuration.policy.maximumSessionsPerUser == 3)
        #expect(configuration.encryptionKeys.map(\.id) == ["new", "old"])
        #expect(configuration.logLevel == .debug)
        #expect(configuration.otelEndpoint == "http://collector:4318")
    }

    @Test func tokenAndLimitSettings() async throws {
        let defaults = try await load([:])
        #expect(defaults.jwtAlgorithm == .es256)
        #expect(defaults.tokenOptions.accessTokenLifetime == .seconds(900))
        #expect(defaults.tokenOptions.refreshGracePeriod == .seconds(10))
        #expect(defaults.limits == ["login": try RateLimit(parsing: "5/1m")])
        #expect(defaults.resolvedJWTKeysFile == "./cloakroom-data/jwt-keys.json")
        let configuration = try await load([
            "CLOAKROOM_JWT_ALGORITHM": "eddsa",
            "CLOAKROOM_JWT_ISSUER": "https://sessions.example",
            "CLOAKROOM_JWT_AUDIENCE": "api",
            "CLOAKROOM_ACCESS_TOKEN_TTL": "5m",
            "CLOAKROOM_REFRESH_GRACE_PERIOD": "0s",
            "CLOAKROOM_LIMITS": "login=10/1h, api=100/1s",
            "CLOAKROOM_JWT_KEYS_FILE": "/etc/cloakroom/jwt.json",
        ])
        #expect(configuration.jwtAlgorithm == .eddsa)
        #expect(configuration.tokenOptions.issuer == "https://sessions.example")
        #expect(configuration.tokenOptions.audience == "api")
        #expect(configuration.tokenOptions.accessTokenLifetime == .seconds(300))
        #expect(configuration.tokenOptions.refreshGracePeriod == .zero)
        #expect(
            configuration.limits == ["login": try RateLimit(parsing: "10/1h"), "api": try RateLimit(parsing: "100/1s")]
        )
        #expect(configuration.resolvedJWTKeysFile == "/etc/cloakroom/jwt.json")
    }

    @Test(arguments: [
        ("CLOAKROOM_JWT_ALGORITHM", "HS256", "ES256, EdDSA or RS256"),
        ("CLOAKROOM_ACCESS_TOKEN_TTL", "2d", "from 1s to 24h"),
        ("CLOAKROOM_ACCESS_TOKEN_TTL", "soon", "a duration"),
        ("CLOAKROOM_REFRESH_GRACE_PERIOD", "1h", "at most 5m"),
        ("CLOAKROOM_LIMITS", "login", "name=LIMIT/PERIOD"),
        ("CLOAKROOM_LIMITS", "Login=5/1m", "name=LIMIT/PERIOD"),
        ("CLOAKROOM_LIMITS", "login=0/1m", "1 to 1000000"),
        ("CLOAKROOM_LIMITS", "login=5/fast", "LIMIT/PERIOD such as 5/1m"),
    ])
    func badTokenAndLimitSettingsNameTheSetting(_ name: String, _ value: String, _ expected: String) async throws {
        do {
            _ = try await load([name: value])
            Issue.record("\(name)=\(value) was accepted")
        } catch let error as CloakroomError {
            #expect(error.message.contains(name), "\(error.message)")
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func theHeapIsTrimmedEveryMinuteUnlessTurnedOff() async throws {
        #expect(try await load([:]).heapTrimInterval == .seconds(60))
        #expect(try await load(["CLOAKROOM_HEAP_TRIM_INTERVAL": "10s"]).heapTrimInterval == .seconds(10))
        #expect(try await load(["CLOAKROOM_HEAP_TRIM_INTERVAL": "0s"]).heapTrimInterval == .zero)
        await #expect(throws: CloakroomError.self) { try await load(["CLOAKROOM_HEAP_TRIM_INTERVAL": "often"]) }
    }

    @Test func flagsWinOverEnvironmentWhichWinsOverTheFile() async throws {
        let folder = try TemporaryFolder()
        let file = folder.path("cloakroom.json")
        try Data(#"{"store": "memory", "idleTimeout": "10m", "absoluteTimeout": "2h", "maxSessionsPerUser": 4}"#.utf8)
            .write(
                to: URL(fileURLWithPath: file)
            )
        let configuration = try await load(
            ["CLOAKROOM_CONFIG_FILE": file, "CLOAKROOM_IDLE_TIMEOUT": "20m", "CLOAKROOM_STORE": "sqlite:/tmp/x.db"],
            ["--store", "memory:50"]
        )
        #expect(configuration.store == .memory(maximumCount: 50))
        #expect(configuration.policy.idleTimeout == .seconds(1200))
        #expect(configuration.policy.absoluteTimeout == .seconds(7200))
        #expect(configuration.policy.maximumSessionsPerUser == 4)
    }

    @Test(arguments: [
        ("CLOAKROOM_IDLE_TIMEOUT", "2 s", "CLOAKROOM_IDLE_TIMEOUT"),
        ("CLOAKROOM_IDLE_TIMEOUT", "0s", "CLOAKROOM_IDLE_TIMEOUT"),
        ("CLOAKROOM_ABSOLUTE_TIMEOUT", "forever", "CLOAKROOM_ABSOLUTE_TIMEOUT"),
        ("CLOAKROOM_TOUCH_INTERVAL", "1h", "CLOAKROOM_TOUCH_INTERVAL"),
        ("CLOAKROOM_LISTEN", "localhost", "CLOAKROOM_LISTEN"),
        ("CLOAKROOM_LISTEN", "127.0.0.1:99999", "CLOAKROOM_LISTEN"),
        ("CLOAKROOM_STORE", "localhost", "CLOAKROOM_STORE"),
        ("CLOAKROOM_STORE", "redis://127.0.0.1:99999", "CLOAKROOM_STORE"),
        ("CLOAKROOM_STORE", "redis://h?pool_size=0", "CLOAKROOM_STORE"),
        ("CLOAKROOM_STORE", "redis://a:1,b:2", "CLOAKROOM_STORE"),
        ("CLOAKROOM_STORE", "postgres://h/db", "CLOAKROOM_STORE"),
        ("CLOAKROOM_STORE", "memory:0", "CLOAKROOM_STORE"),
        ("CLOAKROOM_STORE", "memory:5000000000", "CLOAKROOM_STORE"),
        ("CLOAKROOM_STORE_DURABLE", "memory", "CLOAKROOM_STORE_DURABLE"),
        ("CLOAKROOM_STORE_DURABLE", "mysql://db", "CLOAKROOM_STORE_DURABLE"),
        ("CLOAKROOM_STORE_FALLBACK", "memory", "CLOAKROOM_ALLOW_VOLATILE_FALLBACK"),
        ("CLOAKROOM_STORE_FALLBACK", "sqlite:/tmp/a nowhere", "CLOAKROOM_STORE_FALLBACK"),
        ("CLOAKROOM_ALLOW_VOLATILE_FALLBACK", "perhaps", "CLOAKROOM_ALLOW_VOLATILE_FALLBACK"),
        ("CLOAKROOM_MAX_SESSIONS_PER_USER", "0", "CLOAKROOM_MAX_SESSIONS_PER_USER"),
        ("CLOAKROOM_MAX_SESSIONS_PER_USER", "many", "CLOAKROOM_MAX_SESSIONS_PER_USER"),
        ("CLOAKROOM_ENCRYPTION_KEYS", "nocolon", "CLOAKROOM_ENCRYPTION_KEYS"),
        ("CLOAKROOM_ENCRYPTION_KEYS", "k:c2hvcnQ=", "CLOAKROOM_ENCRYPTION_KEYS"),
        ("CLOAKROOM_LOG_LEVEL", "loud", "CLOAKROOM_LOG_LEVEL"),
        ("CLOAKROOM_OTEL_ENDPOINT", "collector:4318", "CLOAKROOM_OTEL_ENDPOINT"),
        ("CLOAKROOM_OTEL_ENDPOINT", "grpc://collector:4317", "CLOAKROOM_OTEL_ENDPOINT"),
        ("CLOAKROOM_CONFIG_FILE", "/nonexistent/cloakroom.json", "CLOAKROOM_CONFIG_FILE"),
    ])
    func invalidSettingsNameTheSetting(_ name: String, _ value: String, _ expected: String) async throws {
        let error = await #expect(throws: CloakroomError.self) { try await load([name: value]) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }

    @Test func compositionsAreConfiguredByName() async throws {
        let configuration = try await load([
            "CLOAKROOM_STORE": "redis://127.0.0.1:6379",
            "CLOAKROOM_STORE_DURABLE": "postgres://cloakroom@db:5432/sessions",
            "CLOAKROOM_STORE_FALLBACK": "sqlite:/var/lib/cloakroom/fallback.sqlite  memory:1000",
            "CLOAKROOM_ALLOW_VOLATILE_FALLBACK": "true",
        ])
        let topology = configuration.storeTopology
        guard case .redis = topology.primary, case .postgres = topology.durable else {
            Issue.record("unexpected topology \(topology)")
            return
        }
        #expect(
            topology.fallbacks == [.sqlite(path: "/var/lib/cloakroom/fallback.sqlite"), .memory(maximumCount: 1000)]
        )
        #expect("\(topology)".contains(" + durable postgres://"))
    }

    @Test func aComposedTopologyOpensAsOneStore() async throws {
        let folder = try TemporaryFolder()
        let store = try await StoreTopology(
            primary: .memory(maximumCount: 10),
            durable: .sqlite(path: folder.path("durable.sqlite")),
            fallbacks: [.file(directory: folder.path("fallback"))]
        ).open()
        #expect(store.name == "memory+sqlite>file")
        #expect((store as? any ComposedSessionStore)?.isDegraded == false)
        await store.close()
    }

    @Test func misspelledSettingsAreReported() {
        let names = ServerConfiguration.unknownEnvironmentNames(in: [
            "CLOAKROOM_IDLE_TIMOUT": "2s", "CLOAKROOM_STORE": "memory", "CLOAKROOM_TEST_REDIS": "redis://x",
            "HOME": "/",
        ])
        #expect(names == ["CLOAKROOM_IDLE_TIMOUT"])
    }

    @Test func encryptionKeyMaterialNeverAppearsInErrors() async throws {
        let secretish = "k:" + Data(repeating: 1, count: 31).base64EncodedString()
        let error = await #expect(throws: CloakroomError.self) {
            try await load(["CLOAKROOM_ENCRYPTION_KEYS": secretish])
        }
        #expect(error?.message.contains(String(secretish.dropFirst(2))) == false)
    }

    @Test func apiKeysFileIsCreatedOnceAndOnlyHashesAreStored() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("keys/api-keys.json")
        let (ring, secret) = try APIKeyRing.loadOrCreate(path: path)
        let newSecret = try #require(secret)
        #expect(ring.key(forSecret: newSecret)?.scopes.contains(.admin) == true)
        let stored = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!stored.contains(newSecret))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let (again, noSecret) = try APIKeyRing.loadOrCreate(path: path)
        #expect(noSecret == nil)
        #expect(again.key(forSecret: newSecret) != nil)
        #expect(again.key(forSecret: newSecret + "x") == nil)
    }

    @Test func bearerHeadersNameTheirKeyInAnyCaseOfTheSchemeAndNothingElse() {
        let (secret, key) = APIKey.generate(name: "app", scopes: [.sessions])
        let (otherSecret, other) = APIKey.generate(name: "other", scopes: [.tokens])
        let upper = APIKey(name: "upper", scopes: [.admin], sha256: key.sha256.uppercased())
        let ring = APIKeyRing(keys: [upper, key, other])
        for scheme in ["Bearer ", "bearer ", "BEARER ", "bEaReR "] {
            #expect(ring.key(forAuthorization: scheme + secret)?.name == "app")
            #expect(ring.key(forAuthorization: scheme + otherSecret)?.name == "other")
        }
        for refused in [
            "Bearer\t" + secret, "Bearer  " + secret, "Basic " + secret, "Bearer " + secret + " ", "Bearer",
            "Bearer ", "Bearer " + String(secret.dropLast()), "Bearer" + secret, "Bearerx" + secret,
            "Bearer\0" + secret,
        ] {
            #expect(ring.key(forAuthorization: refused) == nil, "\(refused.prefix(8))")
        }
        #expect(ring.key(forAuthorization: nil) == nil)
        // An entry whose hash is not lowercase hex matches nothing, not even its own secret.
        #expect(ring.key(forSecret: secret)?.name == "app")
        #expect(APIKeyRing(keys: [upper]).key(forSecret: secret) == nil)
    }

    @Test(arguments: [
        "not json", "{}", #"[{"name": "a", "scopes": ["sessions"], "sha256": "XYZ"}]"#,
        #"[{"name": "a", "scopes": ["root"], "sha256": "00"}]"#,
    ])
    func badAPIKeysFilesAreRefused(_ contents: String) throws {
        let folder = try TemporaryFolder()
        let path = folder.path("keys.json")
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CloakroomError.self) { try APIKeyRing.load(path: path) }
    }
}
