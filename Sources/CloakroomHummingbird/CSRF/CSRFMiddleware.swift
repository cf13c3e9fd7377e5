import Cloakroom
import CloakroomWeb
import Hummingbird
import Metrics
import NIOCore

/// Refuses cross-site requests that change things, with `403 Forbidden`, by the rules of
/// ``CloakroomWeb/CSRFRules``.
///
/// For unsafe methods (everything but GET, HEAD, OPTIONS and TRACE) it checks, in order:
/// 1. `Sec-Fetch-Site`, when the browser sends it: only `same-origin` and `none` (typed by the
///    user) pass.
/// 2. Otherwise `Origin`, when present: it must be one of the allowed origins (by default the
///    request's own, from `Host`, over `https`; `http://` passes only with
///    `allowsInsecureTransport`).
/// 3. The synchronizer token: when the session has one, the token from
///    ``CloakroomWeb/SessionHandle/csrfToken()`` must come back in the ``headerName`` header or the
///    ``formField`` form field, compared in constant time. A request with a session but neither
///    header nor token is refused: nothing then shows it came from this site. A request without
///    a session has nothing to abuse and is judged by 1 and 2 alone (which covers login forms).
///
/// Install it after ``CloakroomSessionMiddleware``. Refusals count in
/// `cloakroom_csrf_refusals_total{reason}`.
public struct CSRFMiddleware<Context: CloakroomRequestContext>: RouterMiddleware {
    /// The form field that carries the token.
    public static var formField: String { CSRFRules.formField }
    /// The header that carries the token (for scripts).
    public static var headerName: HTTPFields.Element.Name { HTTPFields.Element.Name(CSRFRules.headerName)! }

    /// Why a request was refused; also the `reason` label of the refusal counter.
    public typealias Refusal = CSRFRefusal

    let rules: CSRFRules
    let maximumFormSize: Int
    let refusals: CSRFRefusalCounters

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
        rules = CSRFRules(allowedOrigins: allowedOrigins, allowsInsecureTransport: allowsInsecureTransport)
        self.maximumFormSize = maximumFormSize
        refusals = CSRFRefusalCounters(metricsFactory: metricsFactory)
    }

    /// Checks unsafe requests and passes the rest through.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if CSRFRules.isSafe(method: request.method.rawValue) { return try await next(request, context) }
        let site = rules.checkSite(
            secFetchSite: request.headers[.secFetchSite],
            origin: request.headers[.origin],
            host: request.head.authority
        )
        if case .refused(let refusal) = site { throw refuse(refusal) }
        guard let expected = try await context.session.storedCSRFToken() else {
            if let refusal = try await CSRFRules.withoutToken(
                site: site,
                hasSession: { try await context.session.current() != nil }
            ) {
                throw refuse(refusal)
            }
            return try await next(request, context)
        }
        var request = request
        let presented: String?
        if let header = request.headers[Self.headerName] {
            presented = header
        } else {
            presented = try await formToken(&request)
        }
        if let refusal = CSRFRules.checkToken(presented: presented, expected: expected) { throw refuse(refusal) }
        return try await next(request, context)
    }

    /// Reads the token from a URL-encoded form body, leaving the body readable for the handler.
    private func formToken(_ request: inout Request) async throws -> String? {
        guard let type = request.headers[.contentType],
            type.lowercased().hasPrefix("application/x-www-form-urlencoded")
        else { return nil }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumFormSize)
        } catch {
            throw HTTPError(.contentTooLarge, message: "form body is larger than \(maximumFormSize) bytes")
        }
        return CSRFRules.token(inForm: String(buffer: body))
    }

    private func refuse(_ refusal: CSRFRefusal) -> HTTPError {
        refusals.record(refusal)
        return HTTPError(.forbidden, message: refusal.message)
    }
}

extension HTTPFields.Element.Name {
    static let secFetchSite = HTTPFields.Element.Name("Sec-Fetch-Site")!
}
