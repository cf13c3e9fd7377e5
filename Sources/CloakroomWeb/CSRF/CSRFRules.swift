import Cloakroom
import Foundation

/// The rules every framework integration's CSRF middleware applies to a request that changes
/// things, framework-neutral: where the request came from by its headers, and whether the
/// synchronizer token it brought back is the session's.
///
/// For unsafe methods (everything but GET, HEAD, OPTIONS and TRACE) a middleware checks, in
/// order:
/// 1. `Sec-Fetch-Site`, when the browser sends it: only `same-origin` and `none` (typed by the
///    user) pass.
/// 2. Otherwise `Origin`, when present: it must be one of ``allowedOrigins`` (when empty, the
///    request's own, from `Host`, over `https`; `http://` passes only with
///    ``allowsInsecureTransport``).
/// 3. The synchronizer token: when the session has one, it must come back in the ``headerName``
///    header or the ``formField`` form field, compared in constant time. A request with a
///    session but neither header nor token is refused: nothing then shows it came from this
///    site. A request without a session has nothing to abuse and is judged by 1 and 2 alone
///    (which covers login forms).
public struct CSRFRules: Sendable, Hashable {
    /// The form field that carries the token.
    public static let formField = "_csrf"
    /// The header that carries the token (for scripts).
    public static let headerName = "X-CSRF-Token"

    /// Origins (`https://example.com`) whose requests pass the `Origin` check; empty allows only
    /// the request's own origin.
    public var allowedOrigins: Set<String>
    /// Whether `http://` + the request's own host passes the `Origin` check as well as
    /// `https://`. Only for local development over plain HTTP.
    public var allowsInsecureTransport: Bool

    /// Creates the rules; the defaults are the strict ones.
    ///
    /// - Parameters:
    ///   - allowedOrigins: origins whose requests pass the `Origin` check; empty (the default)
    ///     allows only the request's own origin, from `Host`.
    ///   - allowsInsecureTransport: whether `http://` + the request's own host passes the
    ///     `Origin` check as well as `https://`; an `https` site must never take a plain-HTTP
    ///     page (which anyone on the network can forge) for itself.
    public init(allowedOrigins: Set<String> = [], allowsInsecureTransport: Bool = false) {
        self.allowedOrigins = allowedOrigins
        self.allowsInsecureTransport = allowsInsecureTransport
    }

    /// Whether requests with this method change nothing and pass unchecked (GET, HEAD, OPTIONS,
    /// TRACE).
    public static func isSafe(method: String) -> Bool {
        method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE"
    }

    /// What the `Sec-Fetch-Site` and `Origin` headers say about where a request came from.
    ///
    /// - Parameters:
    ///   - secFetchSite: the request's `Sec-Fetch-Site` header, if any.
    ///   - origin: the request's `Origin` header, if any.
    ///   - host: the host (and port) the request was sent to, from `Host` or the authority.
    public func checkSite(secFetchSite: String?, origin: String?, host: String?) -> CSRFSiteCheck {
        if let secFetchSite {
            return secFetchSite == "same-origin" || secFetchSite == "none" ? .passed : .refused(.crossSite)
        }
        guard let origin else { return .unknown }
        if allowedOrigins.contains(origin) { return .passed }
        guard allowedOrigins.isEmpty, let host else { return .refused(.foreignOrigin) }
        if origin == "https://\(host)" || (allowsInsecureTransport && origin == "http://\(host)") {
            return .passed
        }
        return .refused(.foreignOrigin)
    }

    /// The decision for a request whose session has no token: a request with a session and
    /// neither header looks exactly like a forged cross-site post from an old browser.
    ///
    /// - Parameters:
    ///   - site: what ``checkSite(secFetchSite:origin:host:)`` said.
    ///   - hasSession: whether the request carries a live session; asked only when neither
    ///     header was sent, so most requests cost no store read.
    /// - Returns: the refusal, or `nil` when the request passes.
    public static func withoutToken(
        site: CSRFSiteCheck,
        hasSession: () async throws -> Bool
    ) async rethrows -> CSRFRefusal? {
        guard site == .unknown else { return nil }
        return try await hasSession() ? .missingToken : nil
    }

    /// Compares the token a request brought back with the session's, in constant time.
    ///
    /// - Parameters:
    ///   - presented: the token from the ``headerName`` header or the ``formField`` field.
    ///   - expected: the session's token.
    /// - Returns: the refusal, or `nil` when the tokens match.
    public static func checkToken(presented: String?, expected: String) -> CSRFRefusal? {
        guard let presented else { return .missingToken }
        return ConstantTime.equal(presented.utf8, expected.utf8) ? nil : .wrongToken
    }

    /// The token in a URL-encoded form body (`a=1&_csrf=…`), decoded, or `nil`.
    public static func token(inForm body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == formField else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}

/// What the `Sec-Fetch-Site` and `Origin` headers say about where a request came from.
public enum CSRFSiteCheck: Sendable, Hashable {
    /// A header shows the request came from an allowed origin.
    case passed
    /// A header shows the request came from elsewhere.
    case refused(CSRFRefusal)
    /// Neither header was sent.
    case unknown
}

/// Why a request was refused as cross-site; also the `reason` label of the refusal counter.
public enum CSRFRefusal: String, Sendable, CaseIterable {
    /// `Sec-Fetch-Site` said `cross-site` or `same-site`.
    case crossSite = "cross_site"
    /// `Origin` named a site that is not allowed (or `null`).
    case foreignOrigin = "foreign_origin"
    /// The session has a token and the request did not bring it back.
    case missingToken = "missing_token"
    /// The request brought a token that is not the session's.
    case wrongToken = "wrong_token"

    /// What the `403` answer tells the person who sent the request.
    public var message: String {
        switch self {
        case .crossSite, .foreignOrigin:
            "cross-site request refused; submit the form from this site"
        case .missingToken:
            "the form's CSRF token is missing; reload the page and submit it again"
        case .wrongToken:
            "the form's CSRF token does not match this session; reload the page and submit it again"
        }
    }
}
