import Cloakroom
import Foundation
import JWTKit
import Metrics

/// Access and refresh tokens bound to sessions: grant, refresh, verify, introspect, revoke.
///
/// Access tokens are JWTs signed with the current key of a ``SigningKeySet``; refresh tokens
/// are opaque and single use (see ``RefreshRotation``). Everything a token needs remembered lives
/// in its session's record, so it reaches every instance sharing the store, and ending the
/// session makes every token bound to it inactive at once: verification reads the session.
public struct TokenService: Sendable {
    /// The sessions tokens are bound to.
    public let manager: SessionManager
    /// The signing keys.
    public let keys: SigningKeySet
    /// The rules.
    public let options: TokenOptions
    private let collection: JWTKeyCollection
    private let algorithms: [String: SigningAlgorithm]
    private let metrics: TokenMetrics

    /// Longest scope accepted, in bytes.
    public static let maximumScopeLength = 1024

    /// Creates a service.
    ///
    /// - Parameters:
    ///   - manager: the session manager whose sessions the tokens are bound to.
    ///   - keys: the signing keys; the first signs new tokens, all verify.
    ///   - options: issuer, audience and lifetimes.
    ///   - metricsFactory: where the counters go (see the "Tokens and limits" article);
    ///     the process-wide factory by default.
    public init(
        manager: SessionManager,
        keys: SigningKeySet,
        options: TokenOptions = TokenOptions(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) async {
        self.manager = manager
        self.metrics = TokenMetrics(factory: metricsFactory)
        self.keys = keys
        self.options = options
        let collection = JWTKeyCollection()
        for key in keys.keys { await key.add(to: collection) }
        self.collection = collection
        self.algorithms = Dictionary(uniqueKeysWithValues: keys.keys.map { ($0.id, $0.algorithm) })
    }

    // MARK: Grant

    /// Grants an access token and a new refresh-token chain for a live session.
    ///
    /// - Parameters:
    ///   - id: the session the tokens are bound to.
    ///   - scope: space-separated scope tokens, carried into every refreshed access token.
    /// - Throws: ``TokenError/Code/invalidScope``; ``Cloakroom/CloakroomError/Code/sessionNotFound``
    ///   when the session is not live.
    public func issue(for id: SessionID, scope: String? = nil) async throws -> TokenPair {
        let scope = try Self.validated(scope: scope)
        let secret = RefreshToken.newSecret()
        let granted = try await manager.changeRecord(id.key, recordingActivity: true) { stored, now in
            stored.metadata.tokens = RefreshRotation.startChain(
                in: stored.metadata.tokens,
                secret: secret,
                scope: scope,
                now: now,
                maximumChains: options.maximumRefreshChains
            )
            return .save(Grant(userID: stored.userID, absoluteDeadline: stored.absoluteDeadline, now: now))
        }
        guard let granted else {
            throw CloakroomError(.sessionNotFound, "no live session has this ID; it expired, ended or never existed")
        }
        metrics.issued(by: "grant")
        return try await pair(for: id.key, granted, scope: scope, secret: secret)
    }

    // MARK: Refresh

    /// Exchanges a refresh token for a new pair.
    ///
    /// - Throws: ``TokenError/Code/invalidRefreshToken`` when the token is malformed, unknown or
    ///   its session has ended; ``TokenError/Code/refreshTokenReused`` when it was already used
    ///   (outside the grace period), after ending its session.
    public func refresh(_ text: String) async throws -> TokenPair {
        guard let token = RefreshToken(parsing: text) else {
            throw TokenError(.invalidRefreshToken, "this is not a refresh token (crt_ and 86 base64url characters)")
        }
        let successor = RefreshToken.newSecret()
        let outcome = try await manager.changeRecord(token.sessionKey, recordingActivity: true) {
            stored,
            now -> SessionManager.RecordChange<RefreshResult> in
            let grant = Grant(userID: stored.userID, absoluteDeadline: stored.absoluteDeadline, now: now)
            switch RefreshRotation.present(
                token.secret,
                to: stored.metadata.tokens,
                now: now,
                successor: successor,
                grace: options.refreshGracePeriod,
                spentMemory: options.spentTokenMemory
            ) {
            case .rotated(let state, let secret, let scope):
                stored.metadata.tokens = state
                return .save(.issued(grant, secret: secret, scope: scope, repeated: false))
            case .repeatedWithinGrace(let secret, let scope):
                return .keep(.issued(grant, secret: secret, scope: scope, repeated: true))
            case .reused(let rotations):
                return .keep(.reused(userID: stored.userID, rotations: rotations))
            case .unknown:
                return .keep(.unknown)
            }
        }
        switch outcome {
        case nil:
            metrics.refresh("session_ended")
            throw TokenError(.invalidRefreshToken, "the session of this refresh token has ended; sign in again")
        case .unknown:
            metrics.refresh("unknown")
            throw TokenError(
                .invalidRefreshToken,
                "this refresh token is not one the session can use (never issued, revoked or long spent); sign in again"
            )
        case .reused(let userID, _):
            metrics.refresh("reused")
            try await endAfterReuse(token.sessionKey, userID: userID)
            throw TokenError(
                .refreshTokenReused,
                "this refresh token was already used, so it may have been stolen: its session has been ended; sign in again"
            )
        case .issued(let grant, let secret, let scope, let repeated):
            metrics.refresh(repeated ? "repeated_within_grace" : "rotated")
            metrics.issued(by: "refresh")
            return try await pair(for: token.sessionKey, grant, scope: scope, secret: secret)
        }
    }

    private enum RefreshResult: Sendable {
        case issued(Grant, secret: [UInt8], scope: String?, repeated: Bool)
        case reused(userID: String?, rotations: Int)
        case unknown
    }

    private func endAfterReuse(_ key: SessionKey, userID: String?) async throws {
        let now = manager.clock.now
        manager.events.record(SessionEvent(kind: .refreshTokenReuse, time: now, handle: key.handle, userID: userID))
        if try await manager.store.delete(key, now: now) {
            manager.events.record(
                SessionEvent(kind: .ended, time: now, handle: key.handle, userID: userID, reason: .revoked)
            )
        }
    }

    // MARK: Verify

    /// Checks an access token completely: shape, key, algorithm, signature, times, issuer,
    /// audience, then that its session is live and the token not revoked.
    ///
    /// - Throws: ``TokenError`` saying which check failed; ``Cloakroom/CloakroomError`` only when
    ///   the store cannot answer.
    public func verify(_ token: String) async throws -> VerifiedAccessToken {
        do {
            let verified = try await verifiedToken(token)
            metrics.checked("active")
            return verified
        } catch let error as TokenError {
            metrics.checked(error.code.rawValue)
            throw error
        }
    }

    private func verifiedToken(_ token: String) async throws -> VerifiedAccessToken {
        let claims = try await verifiedClaims(token)
        guard let key = SessionKey(hex: claims.sid) else {
            throw TokenError(.malformed, "the token's sid is not a session key (64 lowercase hex characters)")
        }
        let now = manager.clock.now
        guard let stored = try await manager.store.load(key, now: now) else {
            throw TokenError(.sessionEnded, "the session this token belongs to has ended")
        }
        guard stored.userID == claims.sub else {
            throw TokenError(.revoked, "the session this token belongs to now has another user")
        }
        if let tokens = stored.metadata.tokens {
            if tokens.revokedTokenIDs[claims.jti] != nil {
                throw TokenError(.revoked, "this token was revoked")
            }
            if let through = tokens.revokedIssuedThrough,
                claims.iat <= Int64(through.timeIntervalSince1970.rounded(.up))
            {
                throw TokenError(.revoked, "every token of this session issued before a mass revocation is revoked")
            }
        }
        return VerifiedAccessToken(claims: claims, sessionKey: key)
    }

    /// The signature and claim checks that need no store.
    func verifiedClaims(_ token: String) async throws(TokenError) -> AccessTokenClaims {
        let jws = try CompactJWS(token, maximumLength: options.maximumTokenLength)
        guard let kid = jws.header.kid else {
            throw TokenError(.unknownKey, "the token's header names no key (kid)")
        }
        guard let algorithm = algorithms[kid] else {
            throw TokenError(.unknownKey, "the token names key '\(kid.prefix(64))', which this service does not have")
        }
        guard jws.header.alg == algorithm.rawValue else {
            throw TokenError(
                .algorithmMismatch,
                "the token claims algorithm '\(jws.header.alg.prefix(16))' but its key signs with \(algorithm.rawValue)"
            )
        }
        let claims: AccessTokenClaims
        do {
            claims = try await collection.verify(token, as: AccessTokenClaims.self)
        } catch {
            // Only a refused token pays for a second look, to tell bad claims from a bad signature.
            guard (try? JSONDecoder().decode(AccessTokenClaims.self, from: Data(jws.payload))) != nil else {
                throw TokenError(.malformed, "the token's payload is not Cloakroom access token claims")
            }
            throw TokenError(.badSignature, "the signature does not match the token")
        }
        let now = Int64(manager.clock.now.timeIntervalSince1970.rounded(.down))
        let skew = Int64(options.clockSkew.seconds)
        guard now < claims.exp else { throw TokenError(.expired, "the token expired; refresh it") }
        if let notBefore = claims.nbf, notBefore > now + skew {
            throw TokenError(.notYetValid, "the token is not valid yet (nbf is in the future)")
        }
        guard claims.iat <= now + skew else {
            throw TokenError(.notYetValid, "the token was issued in the future (iat); check the clocks")
        }
        if let issuer = options.issuer, claims.iss != issuer {
            throw TokenError(.wrongIssuer, "the token was not issued by '\(issuer)'")
        }
        if let audience = options.audience, !(claims.aud ?? []).contains(audience) {
            throw TokenError(.wrongAudience, "the token is not meant for '\(audience)'")
        }
        return claims
    }

    // MARK: Introspect

    /// Whether a token (access or refresh) is active, as RFC 7662 describes: any bad token gives
    /// `active: false`, never an error.
    ///
    /// - Throws: only ``Cloakroom/CloakroomError`` when the store cannot answer.
    public func introspect(_ token: String) async throws -> TokenIntrospection {
        if RefreshToken.looksLikeOne(token) {
            guard let refresh = RefreshToken(parsing: token) else { return .inactive(.malformed) }
            let now = manager.clock.now
            guard let stored = try await manager.store.load(refresh.sessionKey, now: now) else {
                return .inactive(.sessionEnded)
            }
            guard let chain = RefreshRotation.currentChain(of: refresh.secret, in: stored.metadata.tokens) else {
                return .inactive(.invalidRefreshToken)
            }
            return TokenIntrospection(
                active: true,
                tokenType: "refresh_token",
                sub: stored.userID,
                sid: refresh.sessionKey.hex,
                scope: chain.scope,
                exp: Int64(stored.deadline.timeIntervalSince1970.rounded(.down))
            )
        }
        do {
            let claims = try await verify(token).claims
            return TokenIntrospection(
                active: true,
                tokenType: "access_token",
                sub: claims.sub,
                sid: claims.sid,
                scope: claims.scope,
                exp: claims.exp,
                iat: claims.iat,
                jti: claims.jti,
                iss: claims.iss,
                aud: claims.aud
            )
        } catch let error as TokenError {
            return .inactive(error.code)
        }
    }

    // MARK: Revoke

    /// Revokes one token: an access token by its `jti` until it would have expired (on every
    /// instance sharing the store), a refresh token with its whole chain.
    ///
    /// - Returns: whether something was revoked; `false` for a token that was already inactive or
    ///   is not genuine (nothing is written for those).
    public func revoke(_ token: String) async throws -> Bool {
        if RefreshToken.looksLikeOne(token) {
            guard let refresh = RefreshToken(parsing: token) else { return false }
            let removed = try await manager.changeRecord(refresh.sessionKey, recordingActivity: false) { stored, _ in
                guard let state = RefreshRotation.removingChain(of: refresh.secret, from: stored.metadata.tokens) else {
                    return .keep(false)
                }
                stored.metadata.tokens = state.isEmpty ? nil : state
                return .save(true)
            }
            return removed ?? false
        }
        let verified: VerifiedAccessToken
        do {
            verified = try await verify(token)
        } catch is TokenError {
            return false
        }
        let claims = verified.claims
        let limit = options.maximumRevokedTokens
        let revoked = try await manager.changeRecord(verified.sessionKey, recordingActivity: false) { stored, now in
            var state = stored.metadata.tokens ?? SessionTokenState()
            let expiry = Date(timeIntervalSince1970: TimeInterval(claims.exp))
            state.revokedTokenIDs = state.revokedTokenIDs.filter { $0.value > now }
            state.revokedTokenIDs[claims.jti] = expiry
            if state.revokedTokenIDs.count > limit {
                // Too many to list: revoke everything issued so far instead (the safe side).
                state.revokedTokenIDs = [:]
                state.revokedIssuedThrough = now
            }
            stored.metadata.tokens = state
            return .save(true)
        }
        return revoked ?? false
    }

    // MARK: Signing

    /// What signing needs from the session.
    struct Grant: Sendable {
        var userID: String?
        var absoluteDeadline: Date
        var now: Date
    }

    private func pair(for key: SessionKey, _ grant: Grant, scope: String?, secret: [UInt8]) async throws -> TokenPair {
        let issuedAt = Int64(grant.now.timeIntervalSince1970.rounded(.down))
        let lifetime = Int64(options.accessTokenLifetime.seconds)
        let expiry = min(issuedAt + lifetime, Int64(grant.absoluteDeadline.timeIntervalSince1970.rounded(.down)))
        let claims = AccessTokenClaims(
            sub: grant.userID,
            sid: key.hex,
            scope: scope,
            jti: Base64URL.encode(Array(RefreshToken.newSecret().prefix(16))),
            iat: issuedAt,
            exp: expiry,
            iss: options.issuer,
            aud: options.audience.map { [$0] }
        )
        let token = try await collection.sign(claims, kid: JWKIdentifier(string: keys.current.id))
        return TokenPair(
            accessToken: token,
            refreshToken: RefreshToken(sessionKey: key, secret: secret),
            claims: claims,
            expiresIn: Int(max(0, expiry - issuedAt))
        )
    }

    /// A scope as given, checked against RFC 6749 §3.3; `nil` or empty means none.
    static func validated(scope: String?) throws(TokenError) -> String? {
        guard let scope, !scope.isEmpty else { return nil }
        guard scope.utf8.count <= maximumScopeLength else {
            throw TokenError(.invalidScope, "a scope must be at most \(maximumScopeLength) bytes")
        }
        let tokens = scope.split(separator: " ", omittingEmptySubsequences: false)
        for token in tokens {
            let valid =
                !token.isEmpty
                && token.utf8.allSatisfy { byte in
                    byte == 0x21 || (0x23...0x5B).contains(byte) || (0x5D...0x7E).contains(byte)
                }
            guard valid else {
                throw TokenError(
                    .invalidScope,
                    "a scope is scope tokens separated by single spaces, each of printable ASCII without '\"' or '\\'"
                )
            }
        }
        return scope
    }
}
