import Cloakroom
import CloakroomTesting
import CloakroomTokens
import Foundation
import MetricsTestKit
import Testing

@Suite("Token service")
struct TokenServiceTests {
    @Test func anIssuedTokenIsActiveUntilItsSessionEnds() async throws {
        let fixture = try await TokenFixture()
        let (id, pair) = try await fixture.signIn()
        #expect(pair.expiresIn == 15 * 60)
        #expect(pair.claims.sub == "alice")
        #expect(pair.claims.sid == id.key.hex)
        #expect(pair.claims.scope == "read write")
        // The session ID itself is nowhere in the token.
        #expect(!pair.accessToken.contains(id.encoded))

        let verified = try await fixture.service.verify(pair.accessToken)
        #expect(verified.sessionKey == id.key)
        let active = try await fixture.service.introspect(pair.accessToken)
        #expect(active.active && active.sub == "alice" && active.tokenType == "access_token")
        #expect(try await fixture.service.introspect(pair.refreshToken.encoded).active)

        try await fixture.manager.end(id)
        let inactive = try await fixture.service.introspect(pair.accessToken)
        #expect(!inactive.active && inactive.reason == "sessionEnded" && inactive.sub == nil)
        #expect(!(try await fixture.service.introspect(pair.refreshToken.encoded).active))
        await #expect(throws: TokenError(.sessionEnded, "the session this token belongs to has ended")) {
            try await fixture.service.verify(pair.accessToken)
        }
        await #expect(throws: TokenError.self) { try await fixture.service.refresh(pair.refreshToken.encoded) }
    }

    @Test func grantingForADeadSessionFails() async throws {
        let fixture = try await TokenFixture()
        await #expect(throws: CloakroomError.self) { try await fixture.service.issue(for: SessionID.generate()) }
    }

    @Test func aScopeMustBeScopeTokens() async throws {
        let fixture = try await TokenFixture()
        let issued = try await fixture.manager.create(userID: "bob")
        for bad in ["a  b", " a", "a\"b", "a\\b", "é", String(repeating: "x", count: 1025), "a\tb"] {
            await #expect(throws: TokenError.self) { try await fixture.service.issue(for: issued.id, scope: bad) }
        }
        #expect(try await fixture.service.issue(for: issued.id, scope: "").claims.scope == nil)
    }

    @Test func aChainOf100RefreshesWorksAndReplayingToken50EndsTheSession() async throws {
        let fixture = try await TokenFixture()
        let (id, first) = try await fixture.signIn()
        var refreshTokens = [first.refreshToken.encoded]
        for _ in 0..<100 {
            fixture.clock.advance(by: .seconds(30))
            let next = try await fixture.service.refresh(refreshTokens.last!)
            #expect(next.claims.scope == "read write")
            #expect(try await fixture.service.verify(next.accessToken).sessionKey == id.key)
            refreshTokens.append(next.refreshToken.encoded)
        }
        #expect(Set(refreshTokens).count == 101)
        // The session stayed alive and its idle deadline followed the refreshes.
        #expect(try await fixture.manager.resume(id) != nil)

        fixture.clock.advance(by: .seconds(30))
        await #expect(throws: TokenError.self) { try await fixture.service.refresh(refreshTokens[50]) }
        #expect(try await fixture.manager.resume(id) == nil)
        #expect(fixture.events.events.contains { $0.kind == .refreshTokenReuse && $0.handle == id.key.handle })
        #expect(fixture.events.events.contains { $0.kind == .ended && $0.reason == .revoked })
        // Even the newest token is dead now.
        await #expect(throws: TokenError.self) { try await fixture.service.refresh(refreshTokens[100]) }
    }

    @Test func twoConcurrentRefreshesOfOneTokenWithinTheGraceGetTheSamePair() async throws {
        let fixture = try await TokenFixture()
        let (id, first) = try await fixture.signIn()
        for round in 0..<20 {
            let token =
                round == 0 ? first.refreshToken.encoded : try await fixture.service.issue(for: id).refreshToken.encoded
            async let a = fixture.service.refresh(token)
            async let b = fixture.service.refresh(token)
            let (left, right) = try await (a, b)
            #expect(left.refreshToken == right.refreshToken)
            #expect(left.accessToken != right.accessToken)
            #expect(try await fixture.manager.resume(id) != nil)
            // The shared successor works once; the other tab's use of it is again within grace.
            fixture.clock.advance(by: .seconds(1))
            let next = try await fixture.service.refresh(left.refreshToken.encoded)
            let again = try await fixture.service.refresh(right.refreshToken.encoded)
            #expect(next.refreshToken == again.refreshToken)
        }
        #expect(!fixture.events.events.contains { $0.kind == .refreshTokenReuse })
    }

    @Test func theReplacedTokenAfterTheGracePeriodIsTheft() async throws {
        var options = TokenOptions()
        options.refreshGracePeriod = .seconds(5)
        let fixture = try await TokenFixture(options: options)
        let (id, first) = try await fixture.signIn()
        _ = try await fixture.service.refresh(first.refreshToken.encoded)
        fixture.clock.advance(by: .seconds(6))
        do {
            _ = try await fixture.service.refresh(first.refreshToken.encoded)
            Issue.record("a replay after the grace period was accepted")
        } catch let error as TokenError {
            #expect(error.code == .refreshTokenReused)
        }
        #expect(try await fixture.manager.resume(id) == nil)
    }

    @Test func refreshTokensThatAreNotOursEndNothing() async throws {
        let fixture = try await TokenFixture()
        let (id, pair) = try await fixture.signIn()
        // A forged token naming the real session (its key is public as `sid`) with a made-up secret.
        let forged = RefreshToken(parsing: "crt_" + Base64URL.encode(id.key.bytes + [UInt8](repeating: 1, count: 32)))!
        for text in [forged.encoded, "crt_x", "nonsense", "", pair.refreshToken.encoded + "A"] {
            do {
                _ = try await fixture.service.refresh(text)
                Issue.record("refresh accepted a token that is not ours")
            } catch let error as TokenError {
                #expect(error.code == .invalidRefreshToken)
            }
        }
        #expect(try await fixture.manager.resume(id) != nil)
        #expect(try await fixture.service.refresh(pair.refreshToken.encoded).claims.sub == "alice")
    }

    @Test func revokingAnAccessTokenDeniesItAloneUntilItExpires() async throws {
        let fixture = try await TokenFixture()
        let (id, pair) = try await fixture.signIn()
        let other = try await fixture.service.issue(for: id)
        #expect(try await fixture.service.revoke(pair.accessToken))
        #expect(try await fixture.service.introspect(pair.accessToken).reason == "revoked")
        #expect(try await fixture.service.introspect(other.accessToken).active)
        #expect(!(try await fixture.service.revoke("not.a.token")))
        // Once expired, the entry is dropped by the next revocation: the list does not grow forever.
        fixture.clock.advance(by: .seconds(16 * 60))
        let later = try await fixture.service.issue(for: id)
        #expect(try await fixture.service.revoke(later.accessToken))
        let stored = try await fixture.store.load(id.key, now: fixture.clock.now)
        #expect(stored?.metadata.tokens?.revokedTokenIDs.keys.sorted() == [later.claims.jti])
    }

    @Test func revokingMoreThanTheListHoldsRevokesEverythingIssuedSoFar() async throws {
        var options = TokenOptions()
        options.maximumRevokedTokens = 2
        let fixture = try await TokenFixture(options: options)
        let (id, first) = try await fixture.signIn()
        var pairs = [first]
        for _ in 0..<3 { pairs.append(try await fixture.service.issue(for: id)) }
        for pair in pairs.prefix(3) { #expect(try await fixture.service.revoke(pair.accessToken)) }
        #expect(!(try await fixture.service.introspect(pairs[3].accessToken).active))
        fixture.clock.advance(by: .seconds(2))
        let fresh = try await fixture.service.issue(for: id)
        #expect(try await fixture.service.introspect(fresh.accessToken).active)
    }

    @Test func revokingARefreshTokenEndsItsChainOnly() async throws {
        let fixture = try await TokenFixture()
        let (id, pair) = try await fixture.signIn()
        let second = try await fixture.service.issue(for: id)
        #expect(try await fixture.service.revoke(pair.refreshToken.encoded))
        #expect(!(try await fixture.service.introspect(pair.refreshToken.encoded).active))
        await #expect(throws: TokenError.self) { try await fixture.service.refresh(pair.refreshToken.encoded) }
        #expect(try await fixture.manager.resume(id) != nil)
        #expect(try await fixture.service.refresh(second.refreshToken.encoded).claims.sid == id.key.hex)
    }

    @Test func rotatingTheSessionRetiresItsTokens() async throws {
        let fixture = try await TokenFixture()
        let (id, pair) = try await fixture.signIn()
        let rotated = try await fixture.manager.rotate(id)
        #expect(!(try await fixture.service.introspect(pair.accessToken).active))
        await #expect(throws: TokenError.self) { try await fixture.service.refresh(pair.refreshToken.encoded) }
        let stored = try await fixture.store.load(rotated.id.key, now: fixture.clock.now)
        #expect(stored != nil && stored?.metadata.tokens == nil)
    }

    @Test func accessTokensNeverOutliveTheirSession() async throws {
        let fixture = try await TokenFixture()
        let (id, _) = try await fixture.signIn()
        for _ in 0..<24 {
            fixture.clock.advance(by: .seconds(3600 - 5))
            #expect(try await fixture.manager.resume(id) != nil)
        }
        fixture.clock.advance(by: .seconds(24 * 5 - 60))
        let late = try await fixture.service.issue(for: id)
        #expect(late.expiresIn == 60)
    }

    @Test(arguments: SigningAlgorithm.allCases)
    func everyAlgorithmSignsAndVerifies(_ algorithm: SigningAlgorithm) async throws {
        let keys = try SigningKeySet(keys: [SigningKey.generate(algorithm)])
        let fixture = try await TokenFixture(keys: keys)
        let (_, pair) = try await fixture.signIn()
        let header = try #require(pair.accessToken.split(separator: ".").first.flatMap { Base64URL.decode($0) })
        let fields = try JSONDecoder().decode([String: String].self, from: Data(header))
        #expect(fields["alg"] == algorithm.rawValue)
        #expect(fields["kid"] == keys.current.id)
        #expect(try await fixture.service.introspect(pair.accessToken).active)
    }

    @Test func tokensSignedBeforeAKeyRotationStillVerify() async throws {
        let old = try SigningKeySet(keys: [SigningKey.generate(.es256, id: "old")])
        let store = MemorySessionStore()
        let before = try await TokenFixture(keys: old, store: store)
        let (_, pair) = try await before.signIn()
        let rotatedKeys = try old.adding(SigningKey.generate(.eddsa, id: "new"))
        let after = try await TokenFixture(keys: rotatedKeys, store: store)
        #expect(try await after.service.introspect(pair.accessToken).active)
        let session = try await after.manager.create(userID: "carol")
        let fresh = try await after.service.issue(for: session.id)
        #expect(try await after.service.introspect(fresh.accessToken).active)
        #expect(rotatedKeys.jwks.keys.map(\.kid) == ["new", "old"])
        // The instance that still only knows the old key refuses the new key's tokens by name.
        #expect(try await before.service.introspect(fresh.accessToken).reason == "unknownKey")
    }

    @Test func countersSayWhatHappenedAndNameNoSecret() async throws {
        let metrics = TestMetrics()
        let fixture = try await TokenFixture(metrics: metrics)
        let (_, pair) = try await fixture.signIn()
        let next = try await fixture.service.refresh(pair.refreshToken.encoded)
        _ = try await fixture.service.refresh(pair.refreshToken.encoded)  // within the grace
        _ = try await fixture.service.introspect(next.accessToken)
        _ = try await fixture.service.introspect("garbage")
        fixture.clock.advance(by: .seconds(11))
        _ = try? await fixture.service.refresh(pair.refreshToken.encoded)  // reuse
        #expect(try metrics.expectCounter("cloakroom_tokens_issued_total", [("by", "grant")]).totalValue == 1)
        #expect(try metrics.expectCounter("cloakroom_tokens_issued_total", [("by", "refresh")]).totalValue == 2)
        for outcome in ["rotated", "repeated_within_grace", "reused"] {
            #expect(
                try metrics.expectCounter("cloakroom_token_refreshes_total", [("outcome", outcome)]).totalValue == 1
            )
        }
        #expect(try metrics.expectCounter("cloakroom_token_checks_total", [("outcome", "active")]).totalValue == 1)
        #expect(try metrics.expectCounter("cloakroom_token_checks_total", [("outcome", "malformed")]).totalValue == 1)
    }
}
