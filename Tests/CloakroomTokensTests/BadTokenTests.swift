import Cloakroom
import CloakroomTesting
import CloakroomTokens
import Crypto
import Foundation
import Testing

/// Every kind of bad access token gets its precise reason from verify and `active: false` from
/// introspection, never another error. Tokens are forged here by hand with swift-crypto.
@Suite("Bad tokens")
struct BadTokenTests {
    let privateKey = P256.Signing.PrivateKey()
    let kid = "test-key"

    func fixture(_ options: TokenOptions = TokenOptions()) async throws -> TokenFixture {
        let keys = try SigningKeySet(keys: [SigningKey(id: kid, algorithm: .es256, pem: privateKey.pemRepresentation)])
        return try await TokenFixture(options: options, keys: keys)
    }

    func part(_ json: [String: Any]) throws -> String {
        Base64URL.encode(Array(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])))
    }

    /// A compact JWS with `header` and `claims`, signed by `sign` over the signing input.
    func forge(
        header: [String: Any],
        claims: [String: Any],
        sign: (Data) throws -> [UInt8]
    ) throws -> String {
        let input = try part(header) + "." + part(claims)
        return input + "." + Base64URL.encode(try sign(Data(input.utf8)))
    }

    func es256(_ input: Data) throws -> [UInt8] { Array(try privateKey.signature(for: input).rawRepresentation) }

    /// Claims for the fixture's live session, valid now, with `changes` applied.
    func claims(_ fixture: TokenFixture, session: SessionID, _ changes: [String: Any?] = [:]) -> [String: Any] {
        let now = Int(fixture.clock.now.timeIntervalSince1970)
        var claims: [String: Any] = [
            "sub": "alice", "sid": session.key.hex, "jti": "j1", "iat": now, "exp": now + 600, "scope": "read",
        ]
        for (name, value) in changes { claims[name] = value }
        return claims
    }

    func expectRefused(_ fixture: TokenFixture, _ token: String, _ code: TokenError.Code) async throws {
        do {
            _ = try await fixture.service.verify(token)
            Issue.record("verify accepted a token that should fail with \(code)")
        } catch let error as TokenError {
            #expect(error.code == code, "\(error.message)")
            #expect(!error.message.contains(token))
        }
        let answer = try await fixture.service.introspect(token)
        #expect(!answer.active && answer.reason == code.rawValue && answer.sub == nil)
    }

    @Test func aHandForgedGoodTokenIsAccepted() async throws {
        // The forging helpers are right: with nothing wrong, the token passes.
        let fixture = try await fixture()
        let session = try await fixture.manager.create(userID: "alice")
        let token = try forge(
            header: ["alg": "ES256", "kid": kid],
            claims: claims(fixture, session: session.id),
            sign: es256
        )
        #expect(try await fixture.service.introspect(token).active)
    }

    @Test func unsignedAndWrongAlgorithmTokensAreRefused() async throws {
        let fixture = try await fixture()
        let session = try await fixture.manager.create(userID: "alice")
        let body = claims(fixture, session: session.id)
        let unsigned = try part(["alg": "none", "kid": kid]) + "." + part(body) + "."
        try await expectRefused(fixture, unsigned, .malformed)
        let noneWithSignature = try forge(header: ["alg": "none", "kid": kid], claims: body, sign: es256)
        try await expectRefused(fixture, noneWithSignature, .algorithmMismatch)
        // HS256 keyed with the public key: the classic confusion attack.
        let publicPEM = Array(privateKey.publicKey.pemRepresentation.utf8)
        let confused = try forge(header: ["alg": "HS256", "kid": kid], claims: body) { input in
            Array(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: publicPEM)))
        }
        try await expectRefused(fixture, confused, .algorithmMismatch)
        let otherCurve = try forge(header: ["alg": "ES384", "kid": kid], claims: body, sign: es256)
        try await expectRefused(fixture, otherCurve, .algorithmMismatch)
    }

    @Test func unknownOrMissingKeysAreRefused() async throws {
        let fixture = try await fixture()
        let session = try await fixture.manager.create(userID: "alice")
        let body = claims(fixture, session: session.id)
        try await expectRefused(
            fixture,
            try forge(header: ["alg": "ES256", "kid": "other"], claims: body, sign: es256),
            .unknownKey
        )
        try await expectRefused(fixture, try forge(header: ["alg": "ES256"], claims: body, sign: es256), .unknownKey)
        // Signed by a key nobody knows, under our key's name.
        let stranger = P256.Signing.PrivateKey()
        let impostor = try forge(header: ["alg": "ES256", "kid": kid], claims: body) { input in
            Array(try stranger.signature(for: input).rawRepresentation)
        }
        try await expectRefused(fixture, impostor, .badSignature)
    }

    @Test func tamperedTokensAreRefused() async throws {
        let fixture = try await fixture()
        let (_, pair) = try await fixture.signIn()
        let parts = pair.accessToken.split(separator: ".").map(String.init)
        var payload = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(parts[1])!)) as! [String: Any]
        payload["scope"] = "admin"
        let tamperedPayload = parts[0] + "." + (try part(payload)) + "." + parts[2]
        try await expectRefused(fixture, tamperedPayload, .badSignature)
        var signature = Base64URL.decode(parts[2])!
        signature[5] ^= 0x01
        try await expectRefused(fixture, parts[0] + "." + parts[1] + "." + Base64URL.encode(signature), .badSignature)
        try await expectRefused(
            fixture,
            parts[0] + "." + parts[1] + "." + Base64URL.encode(Array(signature.prefix(10))),
            .badSignature
        )
    }

    @Test func malformedTextIsRefusedBeforeAnyCrypto() async throws {
        let fixture = try await fixture()
        let (_, pair) = try await fixture.signIn()
        let parts = pair.accessToken.split(separator: ".").map(String.init)
        let cases = [
            "", ".", "..", "a.b", "a.b.c.d", "not a token", "a.b!.c", "a.b.c=",
            parts[0] + "=." + parts[1] + "." + parts[2],
            String(repeating: "A", count: 9000),
            parts[0] + "." + parts[1] + "." + parts[2] + String(repeating: "A", count: 9000),
            "e30.e30.AAAA", Base64URL.encode(Array("[1]".utf8)) + ".e30.AAAA", "eyJhbGciOjF9.e30.AAAA",
        ]
        for text in cases {
            try await expectRefused(fixture, text, .malformed)
        }
    }

    @Test func claimsThatAreNotOursAreRefused() async throws {
        let fixture = try await fixture()
        let session = try await fixture.manager.create(userID: "alice")
        for broken: [String: Any?] in [["sid": nil], ["jti": nil], ["exp": "soon"], ["iat": 1.5], ["sid": "ABC"]] {
            let token = try forge(
                header: ["alg": "ES256", "kid": kid],
                claims: claims(fixture, session: session.id, broken),
                sign: es256
            )
            try await expectRefused(fixture, token, .malformed)
        }
    }

    @Test func timesAreChecked() async throws {
        let fixture = try await fixture()
        let session = try await fixture.manager.create(userID: "alice")
        let now = Int(fixture.clock.now.timeIntervalSince1970)
        let expired = try forge(
            header: ["alg": "ES256", "kid": kid],
            claims: claims(fixture, session: session.id, ["exp": now]),
            sign: es256
        )
        try await expectRefused(fixture, expired, .expired)
        let early = try forge(
            header: ["alg": "ES256", "kid": kid],
            claims: claims(fixture, session: session.id, ["nbf": now + 31]),
            sign: es256
        )
        try await expectRefused(fixture, early, .notYetValid)
        let future = try forge(
            header: ["alg": "ES256", "kid": kid],
            claims: claims(fixture, session: session.id, ["iat": now + 31]),
            sign: es256
        )
        try await expectRefused(fixture, future, .notYetValid)
        // Within the clock skew both pass.
        let skewed = try forge(
            header: ["alg": "ES256", "kid": kid],
            claims: claims(fixture, session: session.id, ["nbf": now + 29, "iat": now + 29]),
            sign: es256
        )
        #expect(try await fixture.service.introspect(skewed).active)

        let (_, pair) = try await fixture.signIn()
        fixture.clock.advance(by: .seconds(15 * 60))
        try await expectRefused(fixture, pair.accessToken, .expired)
    }

    @Test func issuerAndAudienceAreRequiredWhereSet() async throws {
        var options = TokenOptions()
        options.issuer = "https://sessions.example"
        options.audience = "api"
        let fixture = try await fixture(options)
        let session = try await fixture.manager.create(userID: "alice")
        let (_, pair) = try await fixture.signIn()
        #expect(pair.claims.iss == "https://sessions.example" && pair.claims.aud == ["api"])
        #expect(try await fixture.service.introspect(pair.accessToken).active)
        let good: [String: Any?] = ["iss": "https://sessions.example", "aud": ["web", "api"]]
        let token = try forge(
            header: ["alg": "ES256", "kid": kid],
            claims: claims(fixture, session: session.id, good),
            sign: es256
        )
        #expect(try await fixture.service.introspect(token).active)
        for (changes, code) in [
            (["iss": "https://evil.example", "aud": "api"], TokenError.Code.wrongIssuer),
            (["aud": "api"], .wrongIssuer),
            (["iss": "https://sessions.example", "aud": "web"], .wrongAudience),
            (["iss": "https://sessions.example"], .wrongAudience),
        ] as [([String: Any?], TokenError.Code)] {
            let token = try forge(
                header: ["alg": "ES256", "kid": kid],
                claims: claims(fixture, session: session.id, changes),
                sign: es256
            )
            try await expectRefused(fixture, token, code)
        }
    }

    @Test func aTokenForAnotherUserOfTheSessionIsRefused() async throws {
        let fixture = try await fixture()
        let session = try await fixture.manager.create(userID: "alice")
        let token = try forge(
            header: ["alg": "ES256", "kid": kid],
            claims: claims(fixture, session: session.id, ["sub": "mallory"]),
            sign: es256
        )
        try await expectRefused(fixture, token, .revoked)
        let unknownSession = try forge(
            header: ["alg": "ES256", "kid": kid],
            claims: claims(fixture, session: SessionID.generate()),
            sign: es256
        )
        try await expectRefused(fixture, unknownSession, .sessionEnded)
    }
}
