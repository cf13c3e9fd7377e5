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

    let csrf: CSRFGuard

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
        csrf = CSRFGuard(
            allowedOrigins: allowedOrigins,
            allowsInsecureTransport: allowsInsecureTransport,
            maximumFormSize: maximumFormSize,
            metricsFactory: metricsFactory
        )
    }

    /// Checks unsafe requests and passes the rest through.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var request = request
        let refusal = try await csrf.check(
            method: request.method.rawValue,
            secFetchSite: request.headers.value(of: .secFetchSite),
            origin: request.headers.value(of: .origin),
            host: request.head.authority,
            expectedToken: { try await context.session.storedCSRFToken() },
            hasSession: { try await context.session.current() != nil },
            presentedToken: {
                if let header = request.headers[Self.headerName] { return header }
                return try await formToken(&request)
            }
        )
        if let refusal { throw HTTPError(.forbidden, message: refusal.message) }
        return try await next(request, context)
    }

    /// Reads the token from a URL-encoded form body, leaving the body readable for the handler.
    private func formToken(_ request: inout Request) async throws -> String? {
        guard let type = request.headers.value(of: .contentType),
            type.lowercased().hasPrefix("application/x-www-form-urlencoded")
        else { return nil }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: csrf.maximumFormSize)
        } catch {
            throw HTTPError(.contentTooLarge, message: "form body is larger than \(csrf.maximumFormSize) bytes")
        }
        return CSRFRules.token(inForm: String(buffer: body))
    }

}

extension HTTPFields.Element.Name {
    static let secFetchSite = HTTPFields.Element.Name("Sec-Fetch-Site")!
}
