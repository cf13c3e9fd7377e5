import Cloakroom
import CloakroomTesting
import CloakroomTokens
import Crypto
import Foundation
import Testing

@Suite("Signing keys")
struct SigningKeySetTests {
    @Test func theKeysFileIsCreatedOnceWithModeSixHundredAndReadBack() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("data/jwt-keys.json")
        let (created, wasCreated) = try SigningKeySet.loadOrCreate(path: path)
        #expect(wasCreated)
        #expect(created.current.algorithm == .es256)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let (again, createdAgain) = try SigningKeySet.loadOrCreate(path: path)
        #expect(!createdAgain)
        #expect(again.current.id == created.current.id)
        #expect(again.jwks == created.jwks)
    }

    @Test func instancesStartingTogetherAgreeOnOneKey() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("jwt-keys.json")
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask { try SigningKeySet.loadOrCreate(path: path).keys.current.id }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
    }

    @Test func theJWKSHoldsNoPrivateMaterial() throws {
        let keys = try SigningKeySet(keys: SigningAlgorithm.allCases.map { try SigningKey.generate($0) })
        let json = String(decoding: try JSONEncoder().encode(keys.jwks), as: UTF8.self)
        #expect(!json.contains("\"d\""))
        #expect(!json.contains("PRIVATE"))
        #expect(keys.jwks.keys.map(\.kty) == ["EC", "OKP", "RSA"])
        #expect(keys.jwks.keys.allSatisfy { $0.use == "sig" })
    }

    @Test func keyIDsHaveTheDateAndAreUnique() throws {
        let key = try SigningKey.generate(now: Date(timeIntervalSince1970: 1_795_824_000))  // 2026-11-28
        #expect(key.id.hasPrefix("2026-11-28-") && key.id.count == 19)
        #expect(throws: CloakroomError.self) { try SigningKeySet(keys: [key, key]) }
        #expect(throws: CloakroomError.self) { try SigningKey.generate(id: "has space") }
        #expect(throws: CloakroomError.self) { try SigningKeySet(keys: []) }
    }

    @Test func badKeysFilesNameTheProblemWithoutQuotingKeys() throws {
        let folder = try TemporaryFolder()
        let pem = P256.Signing.PrivateKey().pemRepresentation
        func write(_ text: String) throws -> String {
            let path = folder.path("keys-\(UUID().uuidString).json")
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        func entry(_ kid: String, _ alg: String, _ key: String) -> String {
            let escaped = key.replacingOccurrences(of: "\n", with: "\\n")
            return #"{"kid": "\#(kid)", "alg": "\#(alg)", "private_key": "\#(escaped)"}"#
        }
        let cases: [(String, String)] = [
            ("not json", "must be JSON"),
            (#"{"keys": []}"#, "at least one key"),
            (#"{"keys": [\#(entry("a", "HS256", pem))]}"#, "use ES256, EdDSA or RS256"),
            (#"{"keys": [\#(entry("a", "EdDSA", pem))]}"#, "not an Ed25519 private key"),
            (#"{"keys": [\#(entry("a", "ES256", "garbage"))]}"#, "not a P-256 private key"),
            (#"{"keys": [\#(entry("a", "ES256", pem)), \#(entry("a", "ES256", pem))]}"#, "share the ID"),
        ]
        for (text, expected) in cases {
            let path = try write(text)
            do {
                _ = try SigningKeySet.load(path: path)
                Issue.record("a bad keys file loaded: \(expected)")
            } catch {
                #expect(error.message.contains(expected), "\(error.message)")
                #expect(error.message.contains("CLOAKROOM_JWT_KEYS_FILE"))
                #expect(!error.message.contains("PRIVATE KEY") && !error.message.contains(pem.dropFirst(40).prefix(20)))
            }
        }
        #expect(throws: CloakroomError.self) { try SigningKeySet.load(path: folder.path("missing.json")) }
    }

    @Test func rotationByAddingAKeyIsWrittenAndReadBack() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("jwt-keys.json")
        let (first, _) = try SigningKeySet.loadOrCreate(path: path)
        let rotated = try first.adding(SigningKey.generate(.eddsa, id: "next"))
        try rotated.write(to: path, replacing: true)
        let read = try SigningKeySet.load(path: path)
        #expect(read.keys.map(\.id) == ["next", first.current.id])
        #expect(read.current.algorithm == .eddsa)
    }

    /// Issued tokens verified with swift-crypto alone, from the published JWK: no jwt-kit involved.
    @Test(arguments: [SigningAlgorithm.es256, .eddsa])
    func tokensVerifyAgainstTheJWKSWithoutJWTKit(_ algorithm: SigningAlgorithm) async throws {
        let keys = try SigningKeySet(keys: [SigningKey.generate(algorithm)])
        let fixture = try await TokenFixture(keys: keys)
        let (_, pair) = try await fixture.signIn()
        let jwk = try #require(keys.jwks.keys.first)
        let parts = pair.accessToken.split(separator: ".")
        let input = Data((parts[0] + "." + parts[1]).utf8)
        let signature = try #require(Base64URL.decode(parts[2]))
        switch algorithm {
        case .es256:
            let x = try #require(jwk.x.flatMap { Base64URL.decode($0) })
            let y = try #require(jwk.y.flatMap { Base64URL.decode($0) })
            let publicKey = try P256.Signing.PublicKey(rawRepresentation: x + y)
            let ecdsa = try P256.Signing.ECDSASignature(rawRepresentation: signature)
            #expect(publicKey.isValidSignature(ecdsa, for: input))
            #expect(!publicKey.isValidSignature(ecdsa, for: input + [0]))
        case .eddsa:
            let x = try #require(jwk.x.flatMap { Base64URL.decode($0) })
            let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: x)
            #expect(publicKey.isValidSignature(signature, for: input))
            #expect(!publicKey.isValidSignature(signature, for: input + [0]))
        case .rs256:
            Issue.record("RS256 is verified by PyJWT in scripts/tokens.py")
        }
        let claims = try JSONDecoder().decode(
            AccessTokenClaims.self,
            from: Data(try #require(Base64URL.decode(parts[1])))
        )
        #expect(claims == pair.claims)
    }
}
