import Cloakroom
import CloakroomRedis
import RESP
import Testing

@Suite("Redis store URLs")
struct RedisStoreConfigurationTests {
    @Test func standaloneWithEverything() throws {
        let configuration = try RedisStoreConfiguration(
            url: "redis://app:s%40cret@cache.internal:6380/2?pool_size=8&timeout=750ms&prefix=shop:"
        )
        guard case .standalone(let server) = configuration.topology else {
            Issue.record("not standalone")
            return
        }
        #expect(server.host == "cache.internal" && server.port == 6380 && server.database == 2)
        #expect(server.username == "app" && server.password == "s@cret" && server.tls == nil)
        #expect(server.commandTimeout == .milliseconds(750) && server.connectTimeout == .milliseconds(750))
        #expect(configuration.poolSize == 8 && configuration.keyPrefix == "shop:")
        #expect(!configuration.description.contains("s%40cret") && configuration.description.contains("***"))
    }

    @Test func defaultsPasswordOnlyAndTLS() throws {
        let configuration = try RedisStoreConfiguration(url: "rediss://:pw@10.0.0.7")
        guard case .standalone(let server) = configuration.topology else {
            Issue.record("not standalone")
            return
        }
        #expect(server.port == 6379 && server.username == nil && server.password == "pw" && server.tls != nil)
        #expect(configuration.poolSize == 4 && configuration.timeout == .seconds(2))
        #expect(configuration.keyPrefix == "cloakroom:")
    }

    @Test func clusterSeeds() throws {
        let configuration = try RedisStoreConfiguration(url: "redis-cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:7002")
        guard case .cluster(let seeds) = configuration.topology else {
            Issue.record("not a cluster")
            return
        }
        #expect(seeds.map(\.address) == ["10.0.0.1:7000", "10.0.0.2:7001", "::1:7002"])
    }

    @Test(arguments: [
        "localhost", "redis://", "redis://h:0", "redis://h:port", "redis://h/db", "redis://h/16000",
        "redis://h?pool_size=x", "redis://h?timeout=fast", "redis://h?tls=maybe", "redis://h?colour=blue",
        "redis://h?pool_size", "redis://a:1,b:2", "redis-cluster://a:1,b:2/1", "redis-cluster://a:1,,b:2",
    ])
    func invalidURLsSayWhatIsWrong(_ url: String) {
        let error = #expect(throws: CloakroomError.self) {
            try RedisStoreConfiguration(url: url, setting: "CLOAKROOM_STORE")
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.hasPrefix("CLOAKROOM_STORE: ") == true)
    }

    @Test func passwordsNeverAppearInErrors() {
        let error = #expect(throws: CloakroomError.self) {
            try RedisStoreConfiguration(url: "redis://user:hunter2@h:1,h:2")
        }
        #expect(error?.message.contains("hunter2") == false)
    }
}
