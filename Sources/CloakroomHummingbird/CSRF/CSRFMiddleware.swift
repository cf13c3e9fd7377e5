import Cloakroom
import Crypto
import Foundation
import Hummingbird
import Metrics
import NIOCore

/// Refuses cross-site requests that change things, with `403 Forbidden`.
///
/// For unsafe methods (everything but GET, HEAD, OPTIONS and TRACE) it checks, in order:
/// 1. `Sec-Fetch-Site`, when the browser sends it: only `same-origin` and `none` (typed by the
///    user) pass.
/// 2. Otherwise `Origin`, when present: it must be one of the allowed origins (by default the
///    request's own, from `Host`, over `https`; `http://` passes only with
///    `allowsInsecureTransport`).
/// 3. The synchronizer token: when the session has one, the token from
///    ``SessionHandle/csrfToken()`` must come back in the ``headerName`` header or the
///    ``formField`` form field, compared in constant time. A request with a session but neither
///    header nor token is refused: nothing then shows it came from this site. A request without
///    a session has nothing to abuse and is judged by 1 and 2 alone (which covers login forms).
///
/// Install it after ``CloakroomSessionMiddleware``. Refusals count in
/// `cloakroom_csrf_refusals_total{reason}`.
public struct CSRFMiddleware<Context: CloakroomRequestContext>: RouterMiddleware {
    /// The form field that carries the token.
    public static var formField: String { "_csrf" }
    /// The header that carries the token (for scripts).
    public static var headerName: HTTPFields.Element.Name { HTTPFields.Element.Name("X-CSRF-Token")! }

    /// Why a request was refused; also the `reason` label of the refusal counter.
    public enum Refusal: String, Sendable, CaseIterable {
        /// `Sec-Fetch-Site` said `cross-site` or `same-site`.
        case crossSite = "cross_site"
        /// `Origin` named a site that is not allowed (or `null`).
        case foreignOrigin = "foreign_origin"
        /// The session has a token and the request did not bring it back.
        case missingToken = "missing_token"
        /// The request brought a token that is not the session's.
        case wrongToken = "wrong_token"
    }

    let allowedOrigins: Set<String>
    let allowsInsecureTransport: Bool
    let maximumFormSize: Int
    let refusals: [Refusal: Counter]

    /// Creates the middleware.
    ///
    /// - Parameters:
    ///   - allowedOrigins: origins (`https://example.com`) whose requests pass the `Origin`
    ///     check; empty (the default) allows only the request's own origin, from `Host`.
    ///   - allowsInsecureTransport: whether `http://` + the request's own host passes the
    ///     `Origin` check as well as `https://`. Only for local development over plain HTTP with
    ///     browsers that send no `Sec-Fetch-Site`; an `https` site must never take a plain-HTTP
    ///     page (which anyone on the network can forge) for itself.
    ///   - maximumFormSize: the largest form body searched for the token.
    ///   - metricsFactory: where the refusal counter goes; the global one by default.
    public init(
        allowedOrigins: Set<String> = [],
        allowsInsecureTransport: Bool = false,
        maximumFormSize: Int = 64 * 1024,
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.allowedOrigins = allowedOrigins
        self.allowsInsecureTransport = allowsInsecureTransport
        self.maximumFormSize = maximumFormSize
        var refusals: [Refusal: Counter] = [:]
        for reason in Refusal.allCases {
            refusals[reason] =
                if let metricsFactory {
                    Counter(
                        label: "cloakroom_csrf_refusals_total",
                        dimensions: [("reason", reason.rawValue)],
                        factory: metricsFactory
                    )
                } else {
                    Counter(label: "cloakroom_csrf_refusals_total", dimensions: [("reason", reason.rawValue)])
                }
        }
        self.refusals = refusals
    }

    /// Checks unsafe requests and passes the rest through.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        switch request.method {
        case .get, .head, .options, .trace: return try await next(request, context)
        default: break
        }
        let site = checkSite(request)
        if case .refused(let refusal) = site { throw refuse(refusal) }
        guard let expected = try await context.session.storedCSRFToken() else {
            // A session without a token, and no header saying where the request came from: a
            // forged cross-site post from an old browser looks exactly like this.
            if site == .unknown, try await context.session.current() != nil { throw refuse(.missingToken) }
            return try await next(request, context)
        }
        var request = request
        let presented: String?
        if let header = request.headers[Self.headerName] {
            presented = header
        } else {
            presented = try await formToken(&request, context: context)
        }
        guard let presented else { throw refuse(.missingToken) }
        guard ConstantTime.equal(presented.utf8, expected.utf8) else { throw refuse(.wrongToken) }
        return try await next(request, context)
    }

    /// What the `Sec-Fetch-Site` and `Origin` headers say about where a request came from.
    enum SiteCheck: Equatable {
        /// A header shows the request came from an allowed origin.
        case passed
        /// A header shows the request came from elsewhere.
        case refused(Refusal)
        /// Neither header was sent.
        case unknown
    }

    /// The `Sec-Fetch-Site` and `Origin` checks.
    func checkSite(_ request: Request) -> SiteCheck {
        if let site = request.headers[.secFetchSite] {
            return site == "same-origin" || site == "none" ? .passed : .refused(.crossSite)
        }
        guard let origin = request.headers[.origin] else { return .unknown }
        if allowedOrigins.contains(origin) { return .passed }
        guard allowedOrigins.isEmpty, let host = request.head.authority else {
            return .refused(.foreignOrigin)
        }
        if origin == "https://\(host)" || (allowsInsecureTransport && origin == "http://\(host)") {
            return .passed
        }
        return .refused(.foreignOrigin)
    }

    /// Reads the token from a URL-encoded form body, leaving the body readable for the handler.
    private func formToken(_ request: inout Request, context: Context) async throws -> String? {
        guard let type = request.headers[.contentType],
            type.lowercased().hasPrefix("application/x-www-form-urlencoded")
        else { return nil }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumFormSize)
        } catch {
            throw HTTPError(.contentTooLarge, message: "form body is larger than \(maximumFormSize) bytes")
        }
        let text = String(buffer: body)
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == Self.formField else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    private func refuse(_ refusal: Refusal) -> HTTPError {
        refusals[refusal]?.increment()
        let message =
            switch refusal {
            case .crossSite, .foreignOrigin:
                "cross-site request refused; submit the form from this site"
            case .missingToken:
                "the form's CSRF token is missing; reload the page and submit it again"
            case .wrongToken:
                "the form's CSRF token does not match this session; reload the page and submit it again"
            }
        return HTTPError(.forbidden, message: message)
    }
}

extension HTTPFields.Element.Name {
    static let secFetchSite = HTTPFields.Element.Name("Sec-Fetch-Site")!
}
