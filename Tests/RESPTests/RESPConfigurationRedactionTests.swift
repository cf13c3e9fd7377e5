import RESP
import Testing

@Suite("RESP configuration never shows its password")
struct RESPConfigurationRedactionTests {
    @Test("description, debug description, dump and mirror name the server, never the password")
    func redacted() {
        let configuration = RESPConnectionConfiguration(
            host: "cache.internal",
            port: 6380,
            username: "app",
            password: "pw-s3cret"
        )
        var dumped = ""
        dump(configuration, to: &dumped)
        let mirrored = Mirror(reflecting: configuration).children.map { "\($0.value)" }.joined()
        for text in [dumped, mirrored, String(reflecting: configuration), "\(configuration)"] {
            #expect(!text.contains("s3cret"), "\(text)")
            #expect(text.contains("cache.internal:6380"))
        }
        #expect("\(configuration)" == "redis://app@cache.internal:6380/0 (password set)")
    }
}
