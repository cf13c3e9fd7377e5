import Cloakroom
import CloakroomPostgres
import CloakroomRedis
import CloakroomTokens
import Testing

@testable import CloakroomServer

/// `dump()`, `Mirror` and `String(reflecting:)` reach logs through debugging and crash reports;
/// none of them may show an ID, a key or a password.
@Suite("Secrets stay out of dumps and reflection")
struct RedactionTests {
    private func everyRendering(of value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        let mirrored = Mirror(reflecting: value).children.map { "\($0.label ?? ""): \($0.value)" }.joined()
        return [dumped, mirrored, String(reflecting: value), String(describing: value)]
    }

    @Test("a session ID shows neither its text nor its bytes")
    func sessionID() {
        let id = SessionID.generate()
        for text in everyRendering(of: id) {
            #expect(!text.contains(id.encoded))
            #expect(!text.contains("bytes"))
            #expect(!text.contains(id.bytes.map(String.init).joined(separator: ", ")))
        }
    }

    @Test("encryption keys and a cipher show key IDs only")
    func encryptionKeys() throws {
        let key = try EncryptionKey(id: "k1", bytes: [UInt8](repeating: 0xAB, count: 32))
        let cipher = try SessionCipher(keys: [key])
        for text in everyRendering(of: key) + everyRendering(of: cipher) {
            #expect(text.contains("k1"))
            #expect(!text.contains("SymmetricKey"))
            #expect(!text.contains("171"))  // 0xAB
        }
    }

    @Test("a signing key shows its ID and algorithm, never the private key")
    func signingKey() throws {
        let key = try SigningKey.generate(.es256, id: "sig-1")
        for text in everyRendering(of: key) {
            #expect(text.contains("sig-1"))
            #expect(!text.contains("PRIVATE KEY"))
            #expect(!text.contains("material"))
        }
    }

    @Test("store configurations and the server's configuration hide passwords")
    func configurations() throws {
        let postgres = try PostgresStoreConfiguration(
            url: "postgres://app:pg-s3cret@localhost:5432/sessions",
            setting: "CLOAKROOM_STORE"
        )
        let redis = try RedisStoreConfiguration(url: "redis://app:redis-s3cret@localhost:6379/0")
        let cluster = try RedisStoreConfiguration(url: "redis-cluster://:cluster-s3cret@a:7000,b:7001")
        var server = ServerConfiguration()
        server.store = .postgres(postgres)
        server.durableStore = .redis(redis)
        server.demoPassword = "demo-s3cret"
        server.encryptionKeys = [try EncryptionKey(id: "k1", bytes: [UInt8](repeating: 0xAB, count: 32))]
        let renderings =
            everyRendering(of: postgres) + everyRendering(of: redis) + everyRendering(of: cluster)
            + everyRendering(of: server)
        for text in renderings {
            #expect(!text.contains("s3cret"), "\(text)")
        }
        // Still useful: the dump names where the stores are.
        #expect(everyRendering(of: server)[0].contains("localhost:5432"))
    }
}
