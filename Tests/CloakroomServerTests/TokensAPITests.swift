import APITestSupport
import Cloakroom
import CloakroomServer
import CloakroomTesting
import CloakroomTokens
import Foundation
import Hummingbird
import Testing

@Suite("Tokens API")
struct TokensAPITests {
    @Test func grantIntrospectEndInactive() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let (id, _) = try await client.create(["user_id": "alice"])
            let grant = try await client.call(.post, "/v1/tokens", json: ["id": id, "scope": "read"])
            #expect(grant.status == .ok)
            #expect(grant.json["token_type"] as? String == "Bearer")
            #expect(grant.json["expires_in"] as? Int == 900)
            #expect(grant.json["scope"] as? String == "read")
            #expect(grant.headers[.cacheControl] == "no-store")
            let access = try #require(grant.json["access_token"] as? String)
            let refresh = try #require(grant.json["refresh_token"] as? String)

            let active = try await client.call(.post, "/v1/tokens/introspect", json: ["token": access])
            #expect(active.status == .ok && active.json["active"] as? Bool == true)
            #expect(active.json["sub"] as? String == "alice" && active.json["scope"] as? String == "read")
            #expect(active.json["token_type"] as? String == "access_token")

            #expect(try await client.call(.post, "/v1/sessions/end", json: ["id": id]).status == .noContent)
            let inactive = try await client.call(.post, "/v1/tokens/introspect", json: ["token": access])
            #expect(inactive.status == .ok && inactive.json["active"] as? Bool == false && inactive.json["sub"] == nil)
            let refreshed = try await client.call(.post, "/v1/tokens/refresh", json: ["refresh_token": refresh])
            #expect(refreshed.status == .unauthorized && refreshed.errorCode == "invalid_refresh_token")
        }
    }

    @Test func refreshRotatesAndAReplayEndsTheSession() async throws {
        let harness = try await APITestHarness(
            tokenOptions: {
                var o = TokenOptions(); o.refreshGracePeriod = .seconds(2); return o
            }()
        )
        try await harness.run { client in
            let (id, _) = try await client.create(["user_id": "bob"])
            let grant = try await client.call(.post, "/v1/tokens", json: ["id": id])
            let first = try #require(grant.json["refresh_token"] as? String)
            let next = try await client.call(.post, "/v1/tokens/refresh", json: ["refresh_token": first])
            #expect(next.status == .ok)
            let second = try #require(next.json["refresh_token"] as? String)
            #expect(second != first)
            // Within the grace: the same new refresh token again, the session untouched.
            let racing = try await client.call(.post, "/v1/tokens/refresh", json: ["refresh_token": first])
            #expect(racing.status == .ok && racing.json["refresh_token"] as? String == second)
            harness.clock.advance(by: .seconds(3))
            let replay = try await client.call(.post, "/v1/tokens/refresh", json: ["refresh_token": first])
            #expect(replay.status == .unauthorized && replay.errorCode == "refresh_token_reused")
            #expect(try await client.call(.post, "/v1/sessions/resume", json: ["id": id]).status == .notFound)
        }
    }

    @Test func revokeDeniesOneAccessToken() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let (id, _) = try await client.create(["user_id": "carol"])
            let one = try #require(
                try await client.call(.post, "/v1/tokens", json: ["id": id]).json["access_token"] as? String
            )
            let two = try #require(
                try await client.call(.post, "/v1/tokens", json: ["id": id]).json["access_token"] as? String
            )
            let revoked = try await client.call(.post, "/v1/tokens/revoke", json: ["token": one])
            #expect(revoked.status == .ok && revoked.json["revoked"] as? Bool == true)
            #expect(
                try await client.call(.post, "/v1/tokens/introspect", json: ["token": one]).json["active"] as? Bool
                    == false
            )
            #expect(
                try await client.call(.post, "/v1/tokens/introspect", json: ["token": two]).json["active"] as? Bool
                    == true
            )
            let garbage = try await client.call(.post, "/v1/tokens/revoke", json: ["token": "garbage"])
            #expect(garbage.status == .ok && garbage.json["revoked"] as? Bool == false)
        }
    }

    @Test func theJWKSIsPublicAndMatchesTheSigningKey() async throws {
        let keys = try SigningKeySet(keys: [
            SigningKey.generate(.es256, id: "now"), SigningKey.generate(.rs256, id: "before"),
        ])
        let harness = try await APITestHarness(signingKeys: keys)
        try await harness.run { client in
            let reply = try await client.call(.get, "/.well-known/jwks.json", authorization: nil)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "application/jwk-set+json")
            let published = try #require(reply.json["keys"] as? [[String: Any]])
            #expect(published.compactMap { $0["kid"] as? String } == ["now", "before"])
            #expect(published.allSatisfy { $0["d"] == nil && $0["p"] == nil })
        }
    }

    @Test func tokenCallsNeedTheTokensScope() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let (id, _) = try await client.create()
            let sessionsOnly = try await client.call(
                .post,
                "/v1/tokens",
                json: ["id": id],
                authorization: "Bearer \(harness.sessionsOnlySecret)"
            )
            #expect(sessionsOnly.status == .forbidden)
            let tokensOnly = try await client.call(
                .post,
                "/v1/tokens",
                json: ["id": id],
                authorization: "Bearer \(harness.tokensOnlySecret)"
            )
            #expect(tokensOnly.status == .ok)
            #expect(
                try await client.call(.post, "/v1/tokens/introspect", json: ["token": "x"], authorization: nil).status
                    == .unauthorized
            )
        }
    }

    @Test(arguments: [
        ("/v1/tokens", #"{"id": "short"}"#, 400, "invalid_session_id"),
        ("/v1/tokens", #"{"id": 5}"#, 400, "bad_request"),
        ("/v1/tokens", #"{}"#, 400, "bad_request"),
        ("/v1/tokens/refresh", #"{"refresh_token": "crt_nope"}"#, 401, "invalid_refresh_token"),
        ("/v1/tokens/refresh", #"{"refresh_token": null}"#, 400, "bad_request"),
        ("/v1/tokens/refresh", "not json", 400, "bad_request"),
        ("/v1/tokens/introspect", #"{"token": ["a"]}"#, 400, "bad_request"),
        ("/v1/tokens/revoke", "", 400, "bad_request"),
    ])
    func badBodiesGetPreciseErrors(_ path: String, _ body: String, _ status: Int, _ code: String) async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let reply = try await client.call(.post, path, raw: body)
            #expect(reply.status.code == status)
            #expect(reply.errorCode == code)
        }
    }

    @Test func aBadScopeIsBadInputAndAnUnknownSessionIsNotFound() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let (id, _) = try await client.create()
            let scope = try await client.call(.post, "/v1/tokens", json: ["id": id, "scope": "a\"b"])
            #expect(scope.status == .badRequest && scope.errorCode == "invalid_scope")
            let missing = try await client.call(.post, "/v1/tokens", json: ["id": SessionID.generate().encoded])
            #expect(missing.status == .notFound && missing.errorCode == "session_not_found")
        }
    }

    @Test(arguments: [
        "", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", String(repeating: "x", count: 10_000),
        "crt_" + String(repeating: "A", count: 86),
    ])
    func badTokensAreInactiveNeverAnError(_ token: String) async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let reply = try await client.call(.post, "/v1/tokens/introspect", json: ["token": token])
            #expect(reply.status == .ok)
            #expect(reply.json["active"] as? Bool == false)
        }
    }
}
